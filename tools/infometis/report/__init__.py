"""Reporters: one module per output format, behind a name → module registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from infometis.model import ERROR, INFO, WARNING, Problem
from infometis.report import github, json_format, junit, sarif, text


class Reporter(Protocol):
    """An output format: a module whose render() turns a whole report into text."""

    def render(self, report: Report, color: bool = False) -> str: ...


REPORTERS: dict[str, Reporter] = {
    "text": text,
    "json": json_format,
    "github": github,
    "sarif": sarif,
    "junit": junit,
}


@dataclass(frozen=True)
class Report:
    summary: dict[str, Any]
    problems: list[Problem]
    # the repository's folder from the Git top level ("deploy/", "" at the top): GitHub's
    # annotations and code scanning locate files from the top level of the checkout
    base: str = ""
    # (cluster, namespace/name) of each Flux Kustomization → the files its render read (JUnit
    # attaches a problem to every Kustomization that read its file)
    reads: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        counts: dict[str, Any],
        problems: list[Problem],
        suppressed: int = 0,
        base: str = "",
        reads: dict[tuple[str, str], frozenset[str]] | None = None,
    ) -> Report:
        ordered = sorted(problems, key=Problem.sort_key)
        summary = dict(counts)
        for level, key in ((ERROR, "errors"), (WARNING, "warnings"), (INFO, "infos")):
            summary[key] = sum(1 for p in ordered if p.level == level)
        summary["suppressed"] = suppressed
        return cls(summary, ordered, base, reads or {})

    def from_top(self, path: str) -> str:
        """A repository-relative path as the Git top level sees it; an absolute one as it is."""
        return path if path.startswith("/") or path[1:3] == ":\\" else self.base + path

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["errors"] else 0


def render(report: Report, format_name: str, color: bool = False) -> str:
    return REPORTERS[format_name].render(report, color=color)
