"""yaml — every YAML file a render reads parses, and no mapping repeats a key.

Duplicate keys are reported here and nowhere else. A file kustomize cannot read makes every
build that reads it fail: that is said here, once, naming the folders that cannot be built
(not once more per build).

PASS::

    metadata:
      name: grafana
      labels: {app: grafana}

FAIL::

    metadata:
      name: grafana
      name: grafana-v2      # mapping key "name" already defined at line 2
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from infometis.load.yamlio import YAML_CHECK
from infometis.model import ERROR, Problem

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ID = YAML_CHECK
LEVEL = ERROR


def check(run: RepoRun) -> Iterator[Problem]:
    unbuilt = _unbuilt_readers(run)
    for loaded in run.cache.loaded():
        if run.config.is_excluded(loaded.path):
            continue
        folders = unbuilt.get(loaded.path)
        for problem in loaded.problems:
            if folders and problem.level == ERROR:
                problem = replace(
                    problem,
                    message=f"{problem.message}; kustomize cannot build "
                    f"{', '.join(sorted(folders))}, which read it",
                )
            yield problem


def _unbuilt_readers(run: RepoRun) -> dict[str, set[str]]:
    """File → the folders whose build failed and read it."""
    readers: dict[str, set[str]] = {}
    for cluster in run.clusters:
        for failed in cluster.failed:
            if failed.closure is None:
                continue
            folder = run.cache.relative(failed.folder)
            for path in failed.closure.files | failed.closure.manifests:
                readers.setdefault(run.cache.relative(path), set()).add(folder)
    return readers
