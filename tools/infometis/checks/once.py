"""One base, many clusters: a problem found in every cluster that renders a shared file is
said once, for the first of them. Promotion's safety check asks for every cluster's own
(`RepoRun.each_cluster`): an error that a promotion brings into uat is new there even when
dev, rendering the same base, has it already."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..model import Problem


def said_once(run, problems: Iterable[Problem]) -> Iterator[Problem]:
    said: set[tuple] = set()
    for problem in problems:
        key = (problem.file, problem.line, problem.message, problem.cluster if run.each_cluster else None)
        if key not in said:
            said.add(key)
            yield problem
