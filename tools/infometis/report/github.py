"""`--format github`: workflow commands, shown as annotations on the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infometis.model import CONTROL_CHARACTERS as _CONTROL
from infometis.model import plural

if TYPE_CHECKING:
    from infometis.report import Report

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape(value: str, in_property: bool = False) -> str:
    """Workflow-command escaping; other control characters (ESC, BEL, …) percent-encoded too, so
    nothing a file name or a value holds acts on the log."""
    value = value.replace("%", "%25")
    value = _CONTROL.sub(
        lambda match: "".join(f"%{byte:02X}" for byte in match.group().encode()), value
    )
    return value.replace(":", "%3A").replace(",", "%2C") if in_property else value


def render(report: Report, color: bool = False) -> str:
    lines = []
    for problem in report.problems:
        properties = [f"title={_escape('infometis [' + problem.check + ']', True)}"]
        if problem.file:
            properties.append(f"file={_escape(report.from_top(problem.file), True)}")
        if problem.line:
            properties.append(f"line={problem.line}")
        if problem.column:
            properties.append(f"col={problem.column}")
        message = problem.message + (f" ({problem.hint})" if problem.hint else "")
        lines.append(f"::{_COMMAND[problem.level]} {','.join(properties)}::{_escape(message)}")
    s = report.summary
    lines.append(
        f"infometis: {plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')}, "
        f"{plural(s['infos'], 'info')} in {plural(s['clusters'], 'cluster')}"
    )
    return "\n".join(lines) + "\n"
