"""unreached — every kustomization folder under apps/ or infrastructure/ is reached by a cluster.

A folder that no cluster renders is dead configuration, or a Kustomization that was
forgotten. Not reported when --cluster leaves clusters out, nor for folders that only a
skipped source (one without --source) could reach.

PASS::

    # clusters/dev/grafana.yaml has path: ./apps/grafana/dev, which reaches apps/grafana/base

FAIL::

    # apps/grafana/prod exists, but no cluster has a Kustomization for it
"""

import os
from pathlib import Path

from ..closure import Closure, kustomization_file, walk
from ..model import WARNING, Location, Problem
from ..yamlio import FileCache

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


def possibly_reached(repo: Path, path: str) -> set[Path]:
    """What a Kustomization of an unmapped source could reach, if that source holds
    folders of this repository: the closure of every folder ending in its path."""
    tail = Path(os.path.normpath(path.strip().lstrip("/") or "."))
    if tail == Path(".") or tail.parts[0] == "..":
        return set()
    found, cache = Closure(), FileCache(repo)  # its own cache: these files are not validated
    for current, subdirs, _ in os.walk(repo):
        subdirs[:] = [d for d in subdirs if d != ".git"]
        here = Path(current)
        if here.parts[-len(tail.parts):] == tail.parts:
            walk(here, cache, found)
    return found.folders


def check(run):
    if run.partial:  # with --cluster, the other clusters' folders are not rendered
        return
    reached = run.reached_folders()
    for cluster in run.clusters:
        for k in cluster.skipped:
            reached |= possibly_reached(run.repo, k.path)
    for folder, spec in candidates(run.repo):
        relative = folder.relative_to(run.repo).as_posix()
        if folder in reached or run.config.is_excluded(relative):
            continue
        yield Problem.at(ID, LEVEL, f"{relative} is not reached by any cluster",
                         Location(spec.relative_to(run.repo).as_posix(), 1, 1),
                         hint="add a Flux Kustomization (or a resources entry) that uses it, or delete it")
