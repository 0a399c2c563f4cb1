"""The clusters a run covers and the folders outside sources stand for, as the user named them."""

from __future__ import annotations

import os
import re
from pathlib import Path

from infometis.discover.sources import SourceMapping
from infometis.load.config import Config
from infometis.model.errors import ConfigError

_SOURCE = re.compile(
    r"^(?P<kind>[A-Za-z]+)/(?:(?P<namespace>[^/=]+)/)?(?P<name>[^/=]+)=(?P<dir>.+)$"
)


def _folder(repo: Path, text: str, what: str) -> Path:
    folder = Path(os.path.normpath(repo / text))
    if not folder.is_dir():
        raise ConfigError(f"{what} '{text}': no such folder under {repo}")
    return folder


def entries(
    repo: Path,
    paths: tuple[str, ...],
    clusters: tuple[str, ...],
    config: Config,
    clusters_from: str = "--cluster",
) -> list[tuple[str, Path]]:
    """(name, entry folder) of each cluster: those `paths` names ([NAME=]DIR), else each
    clusters/<name>/ folder; only those `clusters` names, when it names any (`clusters_from`
    says how the user named them, for the message when one does not exist)."""
    if paths:
        found = []
        for item in paths:
            name, _, text = item.rpartition("=")
            folder = _folder(repo, text, "--path")
            found.append((name or folder.name, folder))
    else:
        top = repo / "clusters"
        found = (
            [
                (d.name, d)
                for d in sorted(top.iterdir())
                if d.is_dir() and not config.is_excluded(f"clusters/{d.name}")
            ]
            if top.is_dir()
            else []
        )
        if not found:
            raise ConfigError(
                f"no clusters found: {repo} has no clusters/<name>/ folders; "
                "pass --path [CLUSTER=]DIR for each cluster's entry folder"
            )
    names = [name for name, _ in found]
    if len(set(names)) != len(names):
        raise ConfigError(
            f"two clusters have the same name: {', '.join(names)}; name them with --path NAME=DIR"
        )
    unknown = sorted(set(clusters) - set(names))
    if unknown:
        raise ConfigError(
            f"{clusters_from} {', '.join(unknown)}: no such cluster (clusters: {', '.join(names)})"
        )
    return [(name, folder) for name, folder in found if not clusters or name in clusters]


def mappings(repo: Path, sources: tuple[str, ...]) -> list[SourceMapping]:
    """The --source KIND/[NAMESPACE/]NAME=DIR mappings: the folder each outside source stands
    for."""
    found = []
    for item in sources:
        match = _SOURCE.match(item)
        if not match:
            raise ConfigError(
                f"--source '{item}': expected KIND/[NAMESPACE/]NAME=DIR, "
                "e.g. GitRepository/flux-system/apps=./apps"
            )
        found.append(
            SourceMapping(
                match["kind"],
                match["namespace"],
                match["name"],
                _folder(repo, match["dir"], "--source"),
            )
        )
    return found
