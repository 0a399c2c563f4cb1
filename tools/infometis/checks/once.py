"""One base, many clusters: a problem found in every cluster that renders a shared file is
said once, for the first of them. Promotion's safety check asks for every cluster's own
(`RepoRun.each_cluster`): an error that a promotion brings into uat is new there even when
dev, rendering the same base, has it already."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, overload

from infometis.model import Problem

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

Item = TypeVar("Item")


@overload
def said_once(run: RepoRun, items: Iterable[Problem]) -> Iterator[Problem]: ...


@overload
def said_once(
    run: RepoRun, items: Iterable[Item], problem: Callable[[Item], Problem]
) -> Iterator[Item]: ...


def said_once(
    run: RepoRun, items: Iterable[Any], problem: Callable[[Any], Problem] = lambda item: item
) -> Iterator[Any]:
    """The items (problems, or findings holding one) whose problem was not said already."""
    said: set[tuple[str | None, int | None, str, str | None]] = set()
    for item in items:
        found = problem(item)
        key = (found.file, found.line, found.message, found.cluster if run.each_cluster else None)
        if key not in said:
            said.add(key)
            yield item
