"""What .infometis.yaml and the resources themselves say about problems: a check disabled,
its level changed, files ignored, the strict preset, and `infometis.io/ignore` annotations.
Nothing is hidden silently: what is dropped is counted in the summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from infometis.load.config import Config, matches
from infometis.model import ERROR, WARNING, Level, Problem

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

IGNORE_ANNOTATION = "infometis.io/ignore"


@dataclass(frozen=True)
class Applied:
    problems: list[Problem]
    disabled: int  # by `enabled: false` or ignored paths in .infometis.yaml
    annotated: int  # by infometis.io/ignore on the resource


def annotated_ignores(run: RepoRun) -> dict[str, set[str]]:
    """Resource ID → the checks its `infometis.io/ignore` annotation opts it out of."""
    found: dict[str, set[str]] = {}
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                metadata = (
                    resource.data.get("metadata") if isinstance(resource.data, dict) else None
                )
                annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
                value = (
                    annotations.get(IGNORE_ANNOTATION) if isinstance(annotations, dict) else None
                )
                if isinstance(value, str):
                    found.setdefault(str(resource.id), set()).update(
                        p.strip() for p in value.split(",") if p.strip()
                    )
    return found


def level_of(problem: Problem, config: Config) -> Level:
    settings = config.check(problem.check)
    if settings.level:
        return settings.level
    return ERROR if config.preset == "strict" and problem.level == WARNING else problem.level


def apply(problems: Iterable[Problem], run: RepoRun) -> Applied:
    config, ignores = run.config, annotated_ignores(run)
    kept: list[Problem] = []
    disabled, annotated = 0, 0
    for problem in problems:
        settings = config.check(problem.check)
        if not settings.enabled or (problem.file and matches(settings.ignore, problem.file)):
            disabled += 1
        elif problem.resource and problem.check in ignores.get(problem.resource, ()):
            annotated += 1
        else:
            level = level_of(problem, config)
            kept.append(problem if level == problem.level else replace(problem, level=level))
    return Applied(kept, disabled, annotated)
