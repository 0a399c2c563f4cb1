"""`infometis diff` output: text (colour on a terminal), markdown for a pull-request comment
(within a size budget, degrading from full diffs to summaries to counts), and JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import cast

from infometis.analysis.diff import ADDED, CHANGED, REMOVED, RENAMED, Change
from infometis.model import ResourceId

MARKER = "<!-- infometis-diff -->"  # a workflow finds its sticky comment by this line
DEFAULT_BUDGET = 65_000


@dataclass
class DiffResult:
    base: str
    head: str
    changes: list[Change]
    clusters: list[str]  # every cluster rendered on either side
    # "cluster: Kustomization" rendering the same on both sides
    unchanged: list[str] = field(default_factory=list)


def _counts(result: DiffResult) -> dict[str, dict[str, int]]:
    counts = {cluster: {ADDED: 0, CHANGED: 0, REMOVED: 0} for cluster in result.clusters}
    for change in result.changes:
        counts.setdefault(change.cluster, {ADDED: 0, CHANGED: 0, REMOVED: 0})
        counts[change.cluster][CHANGED if change.status == RENAMED else change.status] += 1
    return counts


def _kustomizations(count: int) -> str:
    return f"{count} Flux Kustomization{'' if count == 1 else 's'}"


def _render(count: int) -> str:
    return "renders" if count == 1 else "render"


def _title(change: Change) -> str:
    if change.status == RENAMED:
        old = cast(ResourceId, change.old_resource)  # a rename always has its old name
        return (
            f"renamed {old.name} → {change.resource.name} "
            f"({change.resource.kind}, {change.kustomization})"
        )
    return f"{change.status} {change.resource} ({change.kustomization})"


def text(result: DiffResult, color: bool = False) -> str:
    paint = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m"} if color else {}
    lines = [f"infometis diff {result.base}..{result.head}"]
    for change in result.changes:
        lines.append(f"\n{change.cluster}: {_title(change)}")
        for line in change.diff.splitlines():
            start = paint.get(line[:1]) if not line.startswith(("+++", "---")) else None
            lines.append(f"{start}{line}\033[0m" if start else line)
    lines.append("\n" + _summary_line(result))
    return "\n".join(lines) + "\n"


def _summary_line(result: DiffResult) -> str:
    total = {
        status: sum(c[status] for c in _counts(result).values())
        for status in (ADDED, CHANGED, REMOVED)
    }
    unchanged = (
        f"; {_kustomizations(len(result.unchanged))} {_render(len(result.unchanged))} the same"
        if result.unchanged
        else ""
    )
    clusters = f"{len(result.clusters)} cluster{'' if len(result.clusters) == 1 else 's'}"
    return (
        f"{clusters}: {total[ADDED]} added, {total[CHANGED]} changed, "
        f"{total[REMOVED]} removed{unchanged}"
    )


def as_json(result: DiffResult) -> str:
    document = {
        "version": 1,
        "base": result.base,
        "head": result.head,
        "summary": _counts(result),
        "unchanged": result.unchanged,
        "changes": [
            {
                "cluster": c.cluster,
                "status": c.status,
                "resource": str(c.resource),
                "kustomization": c.kustomization,
                "old_resource": str(c.old_resource) if c.old_resource else None,
                "diff": c.diff,
            }
            for c in result.changes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _table(result: DiffResult) -> list[str]:
    lines = ["| cluster | added | changed | removed |", "|---|---:|---:|---:|"]
    for cluster, counts in sorted(_counts(result).items()):
        lines.append(f"| `{cluster}` | {counts[ADDED]} | {counts[CHANGED]} | {counts[REMOVED]} |")
    return lines


def _details(change: Change) -> list[str]:
    fence = "````" if "```" in change.diff else "```"
    return [
        "<details>",
        f"<summary>{_escape(_title(change))}</summary>",
        "",
        f"{fence}diff",
        change.diff.rstrip("\n"),
        fence,
        "</details>",
        "",
    ]


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown(result: DiffResult, budget: int = DEFAULT_BUDGET) -> str:
    """Full diffs if they fit the budget, else one line per resource, else the counts alone;
    what was cut is said."""
    head = [MARKER, f"### infometis diff `{result.base}` → `{result.head}`", ""]
    if not result.changes:
        head.append("No cluster receives anything different.")
    else:
        head += _table(result)
    if result.unchanged:
        head += [
            "",
            f"{_kustomizations(len(result.unchanged))} {_render(len(result.unchanged))} "
            "the same on both sides.",
        ]
    levels = [_full(result), _summaries(result), []]
    notes = [
        "",
        "_Diffs left out to stay within the comment's size budget: "
        "run `infometis diff` to see them._",
        "",
        "_Resources left out to stay within the comment's size budget: "
        "run `infometis diff` to see them._",
    ]
    for level, body in enumerate(levels):
        cut = [] if level == 0 else notes[2 * level - 2 : 2 * level]
        text = "\n".join(head + cut + ([""] + body if body else [])) + "\n"
        if len(text) <= budget or level == len(levels) - 1:
            return text
    raise AssertionError("unreachable")


def _full(result: DiffResult) -> list[str]:
    lines: list[str] = []
    for cluster in sorted({c.cluster for c in result.changes}):
        lines += [f"#### `{cluster}`", ""]
        for change in (c for c in result.changes if c.cluster == cluster):
            lines += _details(change)
    return lines


def _summaries(result: DiffResult) -> list[str]:
    lines: list[str] = []
    for cluster in sorted({c.cluster for c in result.changes}):
        lines += [f"#### `{cluster}`", ""]
        lines += [f"- {_escape(_title(c))}" for c in result.changes if c.cluster == cluster]
        lines.append("")
    return lines


FORMATS = ("text", "markdown", "json")
