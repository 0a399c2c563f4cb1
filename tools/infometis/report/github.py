"""`--format github`: workflow commands, shown as annotations on the pull request."""

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape(value: str, in_property: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if in_property else value


def render(report, color: bool = False) -> str:
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
    lines.append(f"infometis: {s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos "
                 f"in {s['clusters']} clusters")
    return "\n".join(lines) + "\n"
