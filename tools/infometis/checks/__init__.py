"""The check registry: each check is a module with ID, LEVEL, a docstring holding a
passing and a failing example, and, for checks that look at a finished run, check(run).
The problems rendering finds (kustomize-build, flux-path, ...) are listed here too, for
`infometis checks`, `explain` and .infometis.yaml, but their modules are the renderer's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from infometis.checks import (
    border,
    core_invariance,
    desired_state,
    duplicate_resource,
    flux_depends_on,
    flux_hygiene,
    images,
    layers,
    references,
    routes,
    schema,
    secrets,
    unreached,
    workloads,
    yaml_syntax,
)
from infometis.model import Level, Problem
from infometis.render import flux_path, flux_source, helm_render, kustomize_build, substitution

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun


class Documented(Protocol):
    """What every registered ID has: its level, and a docstring with a passing and a failing
    example."""

    ID: str
    LEVEL: Level


@runtime_checkable
class Check(Documented, Protocol):
    """A check that judges a finished run."""

    def check(self, run: RepoRun) -> Iterable[Problem]: ...


REGISTRY: dict[str, Documented] = {
    module.ID: module
    for module in (
        yaml_syntax,
        kustomize_build,
        flux_path,
        flux_source,
        flux_depends_on,
        unreached,
        duplicate_resource,
        substitution,
        helm_render,
        schema,
        border,
        layers,
        core_invariance,
        references,
        routes,
        images,
        workloads,
        secrets,
        flux_hygiene,
        desired_state,
    )
}


# checks.<ID> in .infometis.yaml: the options each check takes besides enabled/level/ignore.
OPTIONS = {check_id: getattr(module, "OPTIONS", {}) for check_id, module in REGISTRY.items()}


def run_checks(run: RepoRun, selected: set[str] | None = None) -> Iterator[Problem]:
    """Problems found while rendering, then those of the (selected) checks over the finished run."""
    yield from run.problems
    for check_id, module in REGISTRY.items():
        if isinstance(module, Check) and (selected is None or check_id in selected):
            yield from map(run.explain, module.check(run))
