"""unreached — every kustomization folder of the repository is reached by a cluster, and
every YAML file in a reached kustomization folder is read by its build.

A folder with a kustomization that no cluster renders is dead configuration, or a Flux
Kustomization (or a `resources` entry) that was forgotten or commented out: said once, at
the outermost such folder, wherever it sits in the repository. A YAML file beside a
kustomization.yaml that nothing reads (not its resources, patches, components, generators
or Helm values, nor a HelmRelease's valuesFiles) was most likely forgotten in `resources:`:
a warning, or an error when it does not even parse. Excluded paths (tests/**, what git
ignores, `exclude:`) and hidden folders are not looked at. Not reported when --cluster
leaves clusters out, nor for what only a skipped source (one without --source) could reach.

PASS::

    # clusters/dev/grafana.yaml has path: ./apps/grafana/dev, which reaches apps/grafana/base

FAIL::

    # apps/grafana/prod exists, but no cluster has a Kustomization for it
    # apps/grafana/base/pvc.yaml exists, but apps/grafana/base/kustomization.yaml does not list it
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from infometis.analysis.reference_fields import dig
from infometis.discover.closure import (
    KUSTOMIZATION_FILES,
    YAML_SUFFIXES,
    Closure,
    kustomization_file,
    walk,
)
from infometis.load.filecache import FileCache
from infometis.model import ERROR, WARNING, Location, Problem, as_list

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ID = "unreached"
LEVEL = WARNING


def candidates(repo: Path, excluded: Callable[[str], bool]) -> Iterator[tuple[Path, Path]]:
    """Every folder of the repository with a kustomization file, outside excluded and hidden
    paths."""
    for current, subdirs, _ in os.walk(repo):
        here = Path(current)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if not d.startswith(".") and not excluded((here / d).relative_to(repo).as_posix())
        )
        spec = kustomization_file(here) if here != repo else None
        if spec:
            yield here, spec


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
        if here.parts[-len(tail.parts) :] == tail.parts:
            walk(here, cache, found)
    return found.folders


def check(run: RepoRun) -> Iterator[Problem]:
    if run.partial:  # with --cluster, the other clusters' folders are not rendered
        return
    reached = run.reached_folders()
    unknown: set[Path] = set()
    for cluster in run.clusters:
        for k in cluster.skipped:
            unknown |= possibly_reached(run.repo, k.path)
    excluded = run.config.is_excluded
    found = [
        (folder, spec)
        for folder, spec in candidates(run.repo, excluded)
        if folder not in reached | unknown
    ]
    yield from _unreached(run, found)
    yield from _unlisted(run, reached - unknown)


def _unreached(run: RepoRun, found: list[tuple[Path, Path]]) -> Iterator[Problem]:
    """The outermost unreached folders: a folder that another unreached one reads is not said
    again."""
    cache = FileCache(run.repo)  # its own cache: unreached files are not validated
    inner: set[Path] = set()
    for folder, _ in found:
        inner |= walk(folder, cache).folders - {folder}
    for folder, spec in found:
        if folder in inner:
            continue
        yield Problem.at(
            ID,
            LEVEL,
            f"{run.cache.relative(folder)} is not reached by any cluster",
            Location(run.cache.relative(spec), 1, 1),
            hint="add a Flux Kustomization (or a resources entry) that uses it, or delete it",
        )


def _read_files(run: RepoRun) -> set[Path]:
    """Every file a build read, and the values files HelmReleases and HelmCharts name."""
    read: set[Path] = set()
    values: set[str] = set()
    for cluster in run.clusters:
        for rendered in cluster.renders + cluster.failed:
            if rendered.closure is not None:
                read |= rendered.closure.files | rendered.closure.manifests
            for resource in rendered.resources:
                for path in (("spec", "chart", "spec", "valuesFiles"), ("spec", "valuesFiles")):
                    values.update(
                        str(v).lstrip("./") for v in as_list(dig(resource.data, *path)) if v
                    )
    return read | set(_files_named(run.repo, values))


def _files_named(repo: Path, tails: set[str]) -> Iterator[Path]:
    """Files of the repository whose path ends with one of `tails` (relative to some source
    root)."""
    for tail in tails:
        name = Path(tail).name
        for current, subdirs, files in os.walk(repo):
            subdirs[:] = [d for d in subdirs if d != ".git"]
            if name in files and (Path(current) / name).as_posix().endswith(tail):
                yield Path(current) / name


def _unlisted(run: RepoRun, reached: set[Path]) -> Iterator[Problem]:
    # its own cache: the yaml check reads what builds read
    read, cache = (
        _read_files(run),
        FileCache(run.repo),
    )
    for folder in sorted(reached):
        relative = run.cache.relative(folder)
        if not kustomization_file(folder) or run.config.is_excluded(relative):
            continue
        for path in sorted(folder.iterdir()):
            if (
                path.name in KUSTOMIZATION_FILES
                or path.name.startswith(".")
                or not path.name.endswith(YAML_SUFFIXES)
                or path in read
                or not path.is_file()
                or run.config.is_excluded(run.cache.relative(path))
            ):
                continue
            loaded = cache.load(path)
            spec = run.cache.relative(cast(Path, kustomization_file(folder)))
            if any(p.level == ERROR for p in loaded.problems):
                first = loaded.problems[0]
                yield Problem.at(
                    ID,
                    ERROR,
                    f"{loaded.path} is listed by no kustomization and does not parse: "
                    f"{first.message}",
                    Location(loaded.path, first.line, first.column),
                    hint=f"fix it and add it to {spec}, or delete it",
                )
            elif loaded.documents:
                yield Problem.at(
                    ID,
                    LEVEL,
                    f"{loaded.path} is read by no kustomization: not in {spec}",
                    Location(loaded.path, 1, 1),
                    hint=f"add it to the resources of {spec} if it should be applied, or delete it",
                )
