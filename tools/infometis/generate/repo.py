"""What a repository already holds, as the generators need it: clusters (from their
cluster-settings), environments, services and modes; and the names they may take."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from infometis.generate.plan import GenerateError
from infometis.model import layout

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
RESERVED = {"base", "border", "common", "flux-system"}
BUILTIN_MODES = ("independent", "shared-cluster")


@dataclass(frozen=True)
class Cluster:
    name: str
    environment: str
    mode: str
    domain: str


def check_name(name: str, what: str, *, longest: int = 63, letter_first: bool = False) -> str:
    """A DNS-1123 label (Kubernetes names, folder names, host names), or a clear refusal."""
    if not DNS_LABEL.fullmatch(name) or (letter_first and not name[0].isalpha()):
        first = "a letter" if letter_first else "a letter or digit"
        raise GenerateError(
            f"{what} name {name!r} is not valid: use lower-case letters, digits and '-', "
            f"starting with {first} and ending with a letter or digit (e.g. my-{what})"
        )
    if len(name) > longest:
        raise GenerateError(f"{what} name {name!r} is too long: at most {longest} characters")
    if name in RESERVED:
        raise GenerateError(
            f"{what} name {name!r} is reserved (reserved: {', '.join(sorted(RESERVED))})"
        )
    return name


def check_domain(domain: str) -> str:
    labels = domain.split(".")
    if len(domain) > 253 or not all(DNS_LABEL.fullmatch(label) for label in labels):
        raise GenerateError(f"domain {domain!r} is not a valid DNS name (e.g. example.internal)")
    return domain


def require_repository(root: Path) -> Path:
    if not (root / "clusters").is_dir():
        raise GenerateError(
            f"{root} has no clusters/ folder: run this in a repository `infometis init` made, "
            "or pass --repo DIR"
        )
    return root


def clusters(root: Path) -> list[Cluster]:
    """Each clusters/<name>/ with a readable cluster-settings.yaml, sorted by name."""
    found = []
    for settings in sorted((root / "clusters").glob("*/cluster-settings.yaml")):
        try:
            documents = list(yaml.safe_load_all(settings.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue
        for document in documents:
            data = document.get("data") if isinstance(document, dict) else None
            if isinstance(data, dict) and document.get("kind") == "ConfigMap":
                found.append(
                    Cluster(
                        settings.parent.name,
                        str(data.get("environment", "")),
                        str(data.get("mode", "")),
                        str(data.get("domain", "")),
                    )
                )
                break
    return found


def services(root: Path) -> list[str]:
    """apps/<service>/ folders with a base/."""
    return sorted(path.parent.name for path in (root / "apps").glob("*/base") if path.is_dir())


def overlays(root: Path, service: str) -> list[str]:
    """The environments a service has an overlay for."""
    folder = root / "apps" / service
    return sorted(
        path.parent.name
        for path in folder.glob("*/kustomization.yaml")
        if layout.is_overlay(path.parent)
    )


def environments(root: Path) -> list[str]:
    """Environments the clusters declare, and those services have overlays for."""
    named = {cluster.environment for cluster in clusters(root) if cluster.environment}
    for service in services(root):
        named.update(overlays(root, service))
    return sorted(named)


def modes(root: Path) -> list[str]:
    """infrastructure/modes/<mode>/ folders with a kustomization (common is a shared part)."""
    folder = root / "infrastructure" / "modes"
    return sorted(
        path.parent.name
        for path in folder.glob("*/kustomization.yaml")
        if path.parent.name != "common"
    )


def parent_domain(root: Path, fallback: str = "example.internal") -> str:
    """The domain the clusters share (dev.example.internal -> example.internal)."""
    for cluster in clusters(root):
        if "." in cluster.domain:
            return cluster.domain.split(".", 1)[1]
    return fallback
