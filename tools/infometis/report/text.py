"""`--format text`: problems grouped per cluster, `file:line:col: level [check] message`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infometis.model import CONTROL_CHARACTERS as _CONTROL
from infometis.model import Problem, plural

if TYPE_CHECKING:
    from infometis.report import Report

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET, _BOLD = "\033[0m", "\033[1m"


def printable(text: str) -> str:
    """Control characters (a newline then "::error …" in a file name, an ESC in a value) shown
    escaped: they never start a workflow command under Actions or reach the terminal as a
    command."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


def _where(problem: Problem) -> str:
    parts = [printable(problem.file) if problem.file else "(repository)"]
    parts += [str(part) for part in (problem.line, problem.column) if part]
    return ":".join(parts)


def problem_line(problem: Problem, color: bool = False) -> str:
    level: str = problem.level
    if color:
        level = f"{_COLORS[level]}{level}{_RESET}"
    text = f"  {_where(problem)}: {level} [{problem.check}] {printable(problem.message)}"
    if problem.hint:
        text += f"\n      hint: {printable(problem.hint)}"
    return text


def render(report: Report, color: bool = False) -> str:
    groups: dict[str, list[Problem]] = {}
    for problem in report.problems:
        groups.setdefault(problem.cluster or "", []).append(problem)
    lines = []
    for cluster in sorted(groups):
        title = f"cluster {printable(cluster)}" if cluster else "repository"
        lines.append(f"{_BOLD}{title}{_RESET}" if color else title)
        lines += [problem_line(problem, color) for problem in groups[cluster]]
        lines.append("")
    s = report.summary
    lines.append(
        f"{plural(s['clusters'], 'cluster')}, {plural(s['kustomizations'], 'Flux Kustomization')} "
        f"({s['rendered']} rendered, {s['skipped']} skipped), "
        f"{plural(s['resources'], 'resource')}: "
        f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')}, "
        f"{plural(s['infos'], 'info')}"
        + (f", {s['suppressed']} suppressed" if s["suppressed"] else "")
        + (f", {plural(s['excluded'], 'file')} read but excluded" if s.get("excluded") else "")
        + (f", {s['disabled']} disabled in .infometis.yaml" if s.get("disabled") else "")
        + (f", {s['ignored']} ignored by infometis.io/ignore" if s.get("ignored") else "")
    )
    return "\n".join(lines) + "\n"
