"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; one rule per registered check (its docstring as the description and help); one
result per problem, located by its repository-relative file (against %SRCROOT%, the root
of the Git repository, so a repository in a subfolder names its files as the checkout has
them) and line. A problem with no file gets no location: SARIF allows it,
but GitHub code scanning refuses results without one.

Each result carries a fingerprint of its check, file and message (line numbers left out)
so that code scanning follows an alert from run to run while lines around it move.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from infometis import __version__
from infometis.checks import REGISTRY, Documented
from infometis.model import Problem

if TYPE_CHECKING:
    from infometis.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/infometis/infometis"
SRCROOT = "%SRCROOT%"
# v2: the message is no part of it (v1 churned when a message was reworded)
FINGERPRINT = "infometis/v2"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# another place a message names: `file.yaml:12`
_LINE_NUMBER = re.compile(r"(\.ya?ml|\.json):\d+(?::\d+)?\b")


def camel_case(check_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", check_id))


def _doc(module: Documented) -> tuple[str, str]:
    """(summary, full text) of a check's docstring `<id> — summary.\\n\\n...`."""
    text = inspect.cleandoc(module.__doc__ or "")
    first = text.splitlines()[0] if text else ""
    summary = first.partition(" — ")[2].strip() or first.strip()
    return summary, text


def _markdown(text: str) -> str:
    """reST literal-block markers (`PASS::`) as plain colons: the indented blocks that follow
    already read as Markdown code blocks."""
    return "\n".join(re.sub(r"::$", ":", line) for line in text.splitlines())


def _rule(check_id: str, module: Documented | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": check_id, "name": camel_case(check_id)}
    if module is None:
        rule["shortDescription"] = {"text": check_id}
        return rule
    summary, text = _doc(module)
    rule["shortDescription"] = {"text": summary or check_id}
    if text:
        rule["fullDescription"] = {"text": text}
        rule["help"] = {"text": text, "markdown": _markdown(text)}
    rule["defaultConfiguration"] = {"level": _LEVEL.get(getattr(module, "LEVEL", ""), "warning")}
    return rule


def _artifact(path: str) -> dict[str, str]:
    """A repository-relative path against %SRCROOT%; an absolute one (`schemas check` of a
    file outside the repository) as a file: URI."""
    for flavour in (PurePosixPath, PureWindowsPath):
        pure = flavour(path)
        if pure.is_absolute() and (flavour is PurePosixPath or pure.drive):
            return {"uri": pure.as_uri()}
    return {"uri": quote(path.replace("\\", "/"), safe="/-._~"), "uriBaseId": SRCROOT}


def _location(problem: Problem, report: Report) -> dict[str, Any] | None:
    if not problem.file:
        return None
    physical: dict[str, Any] = {"artifactLocation": _artifact(report.from_top(problem.file))}
    if problem.line:
        physical["region"] = {"startLine": problem.line}
        if problem.column:
            physical["region"]["startColumn"] = problem.column
    return {"physicalLocation": physical}


# A message that starts with the field it is about: `spec.template.spec.containers[0].image: …`
_FIELD = re.compile(r"^((?:[A-Za-z_$][\w$-]*|\[[^\]]*\])(?:\.[\w$/-]+|\[[^\]]*\])*): ")


def fingerprint(problem: Problem) -> str:
    """The same alert across runs: its check, file, resource and field, never its wording or
    line. Only a problem with neither resource nor field is told apart by its message (its
    line references taken out)."""
    field = _FIELD.match(problem.message)
    parts = [
        problem.check,
        problem.file or "",
        problem.resource or "",
        field.group(1) if field else "",
    ]
    if not problem.resource and not field:
        parts.append(_LINE_NUMBER.sub(r"\1", problem.message))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _result(problem: Problem, index: int, report: Report) -> dict[str, Any]:
    text = problem.message + (f" ({problem.hint})" if problem.hint else "")
    result: dict[str, Any] = {
        "ruleId": problem.check,
        "ruleIndex": index,
        "level": _LEVEL.get(problem.level, "warning"),
        "message": {"text": text},
    }
    location = _location(problem, report)
    if location:
        result["locations"] = [location]
    result["partialFingerprints"] = {FINGERPRINT: fingerprint(problem)}
    properties = {
        key: value
        for key, value in (("cluster", problem.cluster), ("resource", problem.resource))
        if value
    }
    if properties:
        result["properties"] = properties
    return result


def document(report: Report) -> dict[str, Any]:
    rules = [_rule(check_id, module) for check_id, module in REGISTRY.items()]
    for problem in report.problems:  # a problem of no registered check still needs a rule
        if all(rule["id"] != problem.check for rule in rules):
            rules.append(_rule(problem.check, None))
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "infometis",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The top level of the Git repository."}}
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(problem, index[problem.check], report) for problem in report.problems],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, color: bool = False) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
