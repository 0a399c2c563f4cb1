"""unreached — every kustomization folder under apps/ or infrastructure/ is reached by a cluster.

A folder that no cluster renders is dead configuration, or a Kustomization that was
forgotten. Not reported when --cluster leaves clusters out. Folders that only a skipped source (one without --source) could reach are
not reported.

PASS::

    # clusters/dev/grafana.yaml has path: ./apps/grafana/dev, which reaches apps/grafana/base

FAIL::

    # apps/grafana/prod exists, but no cluster has a Kustomization for it
"""

import os
from pathlib import Path

from ..closure import kustomization_file
from ..model import WARNING, Location, Problem

ID = "unreached"
LEVEL = WARNING
ROOTS = ("apps", "infrastructure")


def candidates(repo: Path):
    for top in ROOTS:
        for current, subdirs, _ in os.walk(repo / top):
            subdirs.sort()
            spec = kustomization_file(Path(current))
            if spec:
                yield Path(current), spec


def check(run):
    if run.partial:  # with --cluster, the other clusters' folders are not rendered
        return
    reached = run.reached_folders()
    for folder, spec in candidates(run.repo):
        relative = folder.relative_to(run.repo).as_posix()
        if folder in reached or run.config.is_excluded(relative):
            continue
        yield Problem.at(ID, LEVEL, f"{relative} is not reached by any cluster",
                         Location(spec.relative_to(run.repo).as_posix(), 1, 1),
                         hint="add a Flux Kustomization (or a resources entry) that uses it, or delete it")
