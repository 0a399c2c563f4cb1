"""Plain data shared by every stage: resource IDs, documents, problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast


class Level(StrEnum):
    """How much a problem matters; its value is what every output says ("error", ...)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


ERROR, WARNING, INFO = Level.ERROR, Level.WARNING, Level.INFO

FLUX_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
SUBSTITUTE_ANNOTATION = "kustomize.toolkit.fluxcd.io/substitute"
# What never goes out raw (a terminal or a CI log acts on it) nor into a generated file.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def plural(count: int, word: str) -> str:
    """'1 error', '2 errors': a count with its noun, never '1 errors' nor 'error(s)'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def as_list(value: Any) -> list[Any]:
    """A field that should be a list; anything else (a typo'd map, a scalar) counts as empty."""
    return value if isinstance(value, list) else []


@dataclass(frozen=True, order=True)
class ResourceId:
    kind: str
    group: str
    namespace: str
    name: str

    @classmethod
    def of(cls, obj: dict[str, Any], default_namespace: str = "") -> ResourceId:
        api_version = str(obj.get("apiVersion") or "")
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        meta = (
            cast("dict[str, Any]", obj.get("metadata"))
            if isinstance(obj.get("metadata"), dict)
            else {}
        )
        return cls(
            kind=str(obj.get("kind") or ""),
            group=group,
            namespace=str(meta.get("namespace") or default_namespace),
            name=str(meta.get("name") or ""),
        )

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Location:
    """A place in a file of the repository (path relative to the repository root)."""

    file: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: its data, and where each field sits."""

    data: Any
    file: str
    line: int
    lines: dict[tuple[str | int, ...], tuple[int, int]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def location(self, path: tuple[str | int, ...] = ()) -> Location:
        """The line and column of the deepest part of `path` that the file holds."""
        for depth in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:depth]))
            if found:
                return Location(self.file, found[0], found[1])
        return Location(self.file, self.line, 1)


@dataclass(frozen=True)
class Problem:
    check: str
    level: Level
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    cluster: str | None = None
    resource: str | None = None
    hint: str | None = None

    @classmethod
    def at(
        cls,
        check: str,
        level: Level,
        message: str,
        where: Location | None = None,
        **extra: str | None,
    ) -> Problem:
        where = where or Location()
        return cls(check, level, message, where.file, where.line, where.column, **extra)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.check, self.message)
