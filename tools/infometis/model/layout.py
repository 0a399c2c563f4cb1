"""The layout of a services monorepo, read in one place: apps/<service>/base/ is a service's
core (the same in every environment), apps/<service>/border/ the Component that exposes it, and
every other folder of the service with a kustomization an environment's overlay."""

from __future__ import annotations

from pathlib import Path

APPS, BASE, BORDER = "apps", "base", "border"


def core_service(relative: str) -> str | None:
    """The service whose core holds this repository file (apps/<service>/base/...), else None."""
    parts = relative.split("/")
    return parts[1] if len(parts) >= 4 and parts[0] == APPS and parts[2] == BASE else None


def bases(repo: Path) -> list[Path]:
    """The apps/<service>/base/ folders of a repository, in order."""
    return sorted(folder for folder in (repo / APPS).glob(f"*/{BASE}") if folder.is_dir())


def is_overlay(folder: Path) -> bool:
    """Whether a folder of a service (apps/<service>/<name>/) is an environment's, not its
    core nor its border."""
    return folder.name not in (BASE, BORDER)
