"""Which folder a Flux source stands for: this repository, a folder mapped with
--source, or something outside the run (skipped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from infometis.load.git import normalize_url
from infometis.model.flux import SourceRef

REPO, MAPPED, EXTERNAL, UNDEFINED, PENDING = "repo", "mapped", "external", "undefined", "pending"


@dataclass(frozen=True)
class SourceMapping:
    """`--source KIND/[NAMESPACE/]NAME=DIR`; no namespace matches any namespace."""

    kind: str
    namespace: str | None
    name: str
    folder: Path

    def matches(self, ref: SourceRef) -> bool:
        return (
            self.kind.lower() == ref.kind.lower()
            and self.name == ref.name
            and self.namespace in (None, ref.namespace)
        )


@dataclass(frozen=True)
class Resolution:
    status: str
    root: Path | None = None
    note: str | None = None  # said once per source, as an info


@dataclass
class SourceTable:
    repo: Path
    remotes: set[str]
    branches: set[str] | None
    mappings: list[SourceMapping]
    defined: dict[SourceRef, dict[str, Any]] = field(default_factory=dict)
    this_repo: dict[SourceRef, str] = field(default_factory=dict)  # source → why

    def define(self, ref: SourceRef, obj: dict[str, Any]) -> None:
        self.defined.setdefault(ref, obj)

    def _same_repository(self, obj: dict[str, Any]) -> bool:
        spec = cast("dict[str, Any]", obj.get("spec")) if isinstance(obj.get("spec"), dict) else {}
        if not spec.get("url") or normalize_url(str(spec["url"])) not in self.remotes:
            return False
        branch = (
            (spec.get("ref") or {}).get("branch") if isinstance(spec.get("ref"), dict) else None
        )
        return branch is None or self.branches is None or branch in self.branches

    def resolve(self, ref: SourceRef, relax: int) -> Resolution:
        """relax 0: only what is certain; 1: an undefined GitRepository is this repository;
        2: anything still unknown is undefined."""
        for mapping in self.mappings:
            if mapping.matches(ref):
                return Resolution(MAPPED, mapping.folder)
        obj = self.defined.get(ref)
        if obj is not None and ref.kind == "GitRepository" and self._same_repository(obj):
            return Resolution(
                REPO,
                self.repo,
                f"{ref} points at this repository's remote: "
                "its Kustomizations are rendered from the work tree",
            )
        if ref in self.this_repo:
            return Resolution(REPO, self.repo, self.this_repo[ref])
        if obj is not None:
            return Resolution(EXTERNAL)
        if ref.kind == "GitRepository" and relax >= 1:
            return Resolution(
                REPO,
                self.repo,
                f"{ref} is not defined in the repository (flux bootstrap "
                "or a FluxInstance creates it): taken to be this repository",
            )
        return Resolution(UNDEFINED if relax >= 2 else PENDING)
