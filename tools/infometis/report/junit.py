"""`--format junit`: JUnit XML, one test case per Flux Kustomization, for CI test reports.

The Kustomizations come from the summary's `kustomizations_detail` (cluster, name as
`namespace/name`, path, the repository-relative folder it rendered, "" if none, and the file
and line that define it, which the test case carries). Each problem goes to the Kustomization
its `resource` names (in the same cluster), else to every Kustomization, in every cluster, whose
render read its file (the report's `reads`: a problem of a base is said once, and fails each
overlay that uses it), else to the one
whose rendered folder holds its file (the deepest folder wins); problems of no Kustomization
go to one more test case, "repository". A test case fails on its errors; its warnings are
listed in its system-out; infos are left out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from infometis.model import ERROR, FLUX_KUSTOMIZE_GROUP, WARNING, Problem

if TYPE_CHECKING:
    from infometis.report import Report

REPOSITORY = "repository"
# not allowed in XML 1.0
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _line(problem: Problem, hint: bool = True) -> str:
    where = ":".join(
        [problem.file or "(repository)"]
        + [str(part) for part in (problem.line, problem.column) if part]
    )
    text = f"{where}: {problem.level} [{problem.check}] {problem.message}"
    return text + (f" (hint: {problem.hint})" if hint and problem.hint else "")


def _folder_holds(folder: str, file: str) -> bool:
    folder = folder.rstrip("/")
    return bool(folder) and (file == folder or file.startswith(folder + "/"))


def _owners(
    problem: Problem,
    cases: list[dict[str, Any]],
    reads: dict[tuple[str, str], frozenset[str]],
) -> list[int]:
    """The indexes in `cases` of the Kustomizations a problem belongs to: the one its `resource`
    names, else every one whose render read its file (a base read by three overlays fails all
    three), else the one whose rendered folder holds the file (the deepest wins)."""
    same_cluster = [i for i, case in enumerate(cases) if problem.cluster in (None, case["cluster"])]
    candidates = same_cluster or range(len(cases))  # a remote kubeConfig target is not one of ours
    if problem.resource:
        named = [
            i
            for i in candidates
            if problem.resource == f"Kustomization.{FLUX_KUSTOMIZE_GROUP}/{cases[i]['name']}"
        ]
        if named:
            return named[:1]
    if not problem.file:
        return []
    # every cluster: a problem of a base is said once, for the first cluster that renders it
    readers = [
        i
        for i, case in enumerate(cases)
        if problem.file in reads.get((case["cluster"], case["name"]), ())
    ]
    if readers:
        return readers
    holders = [i for i in candidates if _folder_holds(cases[i]["folder"], problem.file)]
    return [max(holders, key=lambda i: len(cases[i]["folder"].rstrip("/")))] if holders else []


def _testcase(
    suite: ET.Element,
    classname: str,
    name: str,
    problems: list[Problem],
    where: dict[str, Any] | None = None,
) -> bool:
    case = ET.SubElement(
        suite, "testcase", classname=_clean(classname), name=_clean(name), time="0"
    )
    if where and where.get("file"):
        case.attrib.update(file=_clean(str(where["file"])), line=str(where.get("line") or 1))
    errors = [p for p in problems if p.level == ERROR]
    warnings = [p for p in problems if p.level == WARNING]
    if errors:
        message = _line(errors[0], hint=False) if len(errors) == 1 else f"{len(errors)} errors"
        failure = ET.SubElement(case, "failure", message=_clean(message), type="infometis")
        failure.text = _clean("\n".join(_line(p) for p in errors))
    if warnings:
        ET.SubElement(case, "system-out").text = _clean("\n".join(_line(p) for p in warnings))
    return bool(errors)


def render(report: Report, color: bool = False) -> str:
    cases = [
        dict(case, folder=str(case.get("folder") or ""))
        for case in report.summary.get("kustomizations_detail") or []
    ]
    problems: list[list[Problem]] = [[] for _ in cases]
    unowned = []
    for problem in report.problems:
        owners = _owners(problem, cases, getattr(report, "reads", {}))
        for owner in owners:
            problems[owner].append(problem)
        if not owners:
            unowned.append(problem)

    root = ET.Element("testsuites", name="infometis")
    suites: dict[str, tuple[ET.Element, list[bool]]] = {}
    for case, found in zip(cases, problems, strict=True):
        cluster = str(case["cluster"])
        if cluster not in suites:
            suites[cluster] = (ET.SubElement(root, "testsuite", name=_clean(cluster)), [])
        name = f"{case['name']} ({case.get('path') or ''})"
        suites[cluster][1].append(_testcase(suites[cluster][0], cluster, name, found, case))
    repository = ET.SubElement(root, "testsuite", name=REPOSITORY)
    outcomes = [
        *suites.values(),
        (repository, [_testcase(repository, REPOSITORY, REPOSITORY, unowned)]),
    ]

    for suite, failed in outcomes:
        suite.attrib.update(
            tests=str(len(failed)), failures=str(sum(failed)), errors="0", skipped="0", time="0"
        )
    every = [failed for _, outcome in outcomes for failed in outcome]
    root.attrib.update(tests=str(len(every)), failures=str(sum(every)), errors="0", time="0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
