"""The services of a repository and what its Flux Kustomizations and HelmReleases follow,
found from its files before anything is rendered."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from infometis.load.config import DEFAULT_SERVICES, matches
from infometis.load.goyaml import Loader
from infometis.model import as_list
from infometis.model.flux import is_flux_kustomization

FLUX_TEXT = "kustomize.toolkit.fluxcd.io"
VARIABLE = re.compile(r"\$\{[^}]*\}")


def services(
    repo: Path, patterns: tuple[str, ...] = DEFAULT_SERVICES, found: Scan | None = None
) -> dict[str, int]:
    """Each service folder (from the repository root) and the number of files in it."""
    folders = _named(repo, patterns) or _defining((found or scan(repo)).paths)
    return {
        folder: sum(len(files) for _, _, files in os.walk(repo / folder))
        for folder in sorted(folders)
    }


def _folders(repo: Path) -> Iterator[tuple[Path, list[str]]]:
    """Every folder of the repository, from the root, in a stable order (hidden ones left out)."""
    for current, subdirs, files in os.walk(repo):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        yield Path(current), sorted(files)


def _named(repo: Path, patterns: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for folder, _ in _folders(repo):
        relative = folder.relative_to(repo).as_posix()
        if (
            relative != "."
            and matches(patterns, relative + "/")
            and not any(relative.startswith(f + "/") for f in found)
        ):
            found.add(relative)
    return found


def _defining(found_paths: Iterable[tuple[str, str]]) -> set[str]:
    """Folders holding a Flux Kustomization whose spec.path lies below them (outermost kept)."""
    found: set[str] = set()
    for folder, path in sorted(found_paths):
        if (
            folder != "."
            and path.startswith(folder + "/")
            and not any(folder.startswith(f + "/") for f in found)
        ):
            found.add(folder)
    return found


@dataclass(frozen=True)
class Scan:
    """What the repository's YAML files say of Flux Kustomizations and of the sources they and the
    HelmReleases follow (read once per split)."""

    # (folder of the file, spec.path from the repository root, spec.components) of each Flux
    # Kustomization
    kustomizations: frozenset[tuple[str, str, tuple[str, ...]]]
    followed: frozenset[tuple[str, str]]  # (kind, name) of the sources Flux Kustomizations follow
    charts: dict[
        tuple[str, str], set[str]
    ]  # (kind, name) of a HelmRelease's chart source → files naming it
    wild: bool  # a Flux Kustomization's source named with ${variables}: it may be any
    wild_charts: tuple[
        tuple[re.Pattern[str], str], ...
    ]  # a chart source named with ${variables}: (kind/name, file)
    chart_kinds: frozenset[str]  # the kinds of the HelmReleases' chart sources

    @property
    def paths(self) -> set[tuple[str, str]]:
        return {(folder, path) for folder, path, _ in self.kustomizations}


def scan(repo: Path) -> Scan:
    kustomizations: set[tuple[str, str, tuple[str, ...]]]
    followed: set[tuple[str, str]]
    charts: dict[tuple[str, str], set[str]]
    wild_charts: list[tuple[re.Pattern[str], str]]
    kinds: set[str]
    kustomizations, followed, charts, wild, wild_charts, kinds = set(), set(), {}, False, [], set()
    for folder, names in _folders(repo):
        where = folder.relative_to(repo).as_posix()
        for name in names:
            file = (folder / name).relative_to(repo).as_posix()
            for data in _documents(folder / name):
                spec = cast(
                    "dict[str, Any]", data.get("spec") if isinstance(data.get("spec"), dict) else {}
                )
                if is_flux_kustomization(data):
                    components = tuple(
                        str(c) for c in as_list(spec.get("components")) if isinstance(c, str)
                    )
                    kustomizations.add(
                        (
                            where,
                            os.path.normpath(str(spec.get("path") or ".").lstrip("/")),
                            components,
                        )
                    )
                    key = _source_key(spec.get("sourceRef"))
                    followed.add(key)
                    wild |= "${" in "/".join(key)
                elif data.get("kind") == "HelmRelease":
                    for key in map(_source_key, _chart_sources(spec)):
                        kinds.add(key[0])
                        if "${" in "/".join(key):  # ${APP}-anubis: any name of that shape
                            pattern = re.compile(
                                ".*".join(map(re.escape, VARIABLE.split("/".join(key))))
                            )
                            wild_charts.append((pattern, file))
                        else:
                            charts.setdefault(key, set()).add(file)
    return Scan(
        frozenset(kustomizations),
        frozenset(followed),
        charts,
        wild,
        tuple(wild_charts),
        frozenset(kinds),
    )


def _source_key(ref: Any) -> tuple[str, str]:
    ref = ref if isinstance(ref, dict) else {}
    return str(ref.get("kind") or ""), str(ref.get("name") or "")


def _chart_sources(spec: dict[str, Any]) -> list[dict[str, Any]]:
    chart = cast("dict[str, Any]", spec.get("chart") if isinstance(spec.get("chart"), dict) else {})
    chart_spec = cast(
        "dict[str, Any]", chart.get("spec") if isinstance(chart.get("spec"), dict) else {}
    )
    return [
        ref for ref in (spec.get("chartRef"), chart_spec.get("sourceRef")) if isinstance(ref, dict)
    ]


def _documents(file: Path) -> list[dict[str, Any]]:
    if not file.name.endswith((".yaml", ".yml")):
        return []
    try:
        text = file.read_text(errors="replace")
        if FLUX_TEXT not in text and "helm.toolkit.fluxcd.io" not in text:
            return []
        # our own loader class: PyYAML's stubs name only PyYAML's
        documents = yaml.load_all(text, Loader=Loader)  # type: ignore[arg-type]
        return [d for d in documents if isinstance(d, dict)]
    except (OSError, yaml.YAMLError, ValueError):
        return []
