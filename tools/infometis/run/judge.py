"""A whole validation: every cluster rendered and every selected check run over it, and the
counts a report gives of what was rendered and read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from infometis.checks import run_checks, settings
from infometis.discover.closure import Closure
from infometis.model import Problem
from infometis.render.cache import save_parsed
from infometis.render.pipeline import run_repository
from infometis.render.runs import ClusterRun, Options, Rendered, RepoRun


def judge(
    options_: Options, checks: set[str], changed: set[str] | None = None
) -> tuple[RepoRun, list[Problem], list[Problem], list[Problem], settings.Applied]:
    """Render and check: the run, every problem found, those of the selected checks, those
    of the changed part (all when `changed` is None), and those left once .infometis.yaml
    and annotations have had their say."""
    # (these two load what only sharded and changed-only runs need)
    from infometis.discover import (
        changed as changes,
    )
    from infometis.run import shard

    if options_.shard:
        run, problems = shard.validate(options_, checks)
    else:
        run = run_repository(options_)
        problems = list(run_checks(run, checks))
        save_parsed(options_.cache_dir, run.cache)
    part = changes.scope(run, changed) if changed is not None else None
    selected = [p for p in problems if p.check in checks]
    kept = [p for p in selected if part is None or part.contains(p)]
    return run, problems, selected, kept, settings.apply(kept, run)


def counts(run: RepoRun) -> dict[str, Any]:
    kustomizations = sum(len(c.kustomizations) for c in run.clusters)
    rendered = sum(1 for c in run.clusters for r in c.renders if not r.kustomization.entry)
    rendered += sum(len(c.entry_syncs) for c in run.clusters)
    resources = sum(len(r.resources) for c in run.clusters for r in c.renders)
    skipped = sum(len(c.skipped) for c in run.clusters)
    return {
        "clusters": len(run.clusters),
        "kustomizations": kustomizations,
        "rendered": rendered,
        "resources": resources,
        "skipped": skipped,
        "excluded": excluded(run),
        "kustomizations_detail": kustomizations_detail(run),
    }


def excluded(run: RepoRun) -> int:
    """Files the renders read that `exclude` (or .gitignore) keeps from the file-level checks."""
    read = {
        path
        for c in run.clusters
        for r in c.renders + c.failed
        if r.closure
        for path in r.closure.files
    }
    return sum(1 for path in read if run.config.is_excluded(run.cache.relative(path)))


def kustomizations_detail(run: RepoRun) -> list[dict[str, Any]]:
    """Each Flux Kustomization: where it is defined (file, line) and the repository-relative
    folder it rendered ("" if none; a failed render's folder too)."""
    rows = []
    for cluster in run.clusters:
        folders = {
            r.kustomization: run.cache.relative(r.folder) for r in cluster.renders + cluster.failed
        }
        folders.update({k: run.cache.relative(cluster.entry) for k in cluster.entry_syncs})
        for k in cluster.kustomizations.values():
            defined = k.where("metadata", "name")
            rows.append(
                {
                    "cluster": cluster.name,
                    "name": f"{k.namespace}/{k.id.name}",
                    "path": k.path,
                    "folder": folders.get(k, ""),
                    "file": defined.file,
                    "line": defined.line,
                }
            )
    return rows


def _renders_read(run: RepoRun) -> Iterator[tuple[ClusterRun, Rendered]]:
    """(cluster, render) of every Flux Kustomization whose build read files, failed ones too."""
    return (
        (cluster, r)
        for cluster in run.clusters
        for r in cluster.renders + cluster.failed
        if r.closure
    )


def files_read(run: RepoRun) -> dict[tuple[str, str], frozenset[str]]:
    """(cluster, namespace/name) of each Flux Kustomization → the repository files its render
    read."""
    # (_renders_read gives only renders with a closure)
    return {
        (cluster.name, f"{r.kustomization.namespace}/{r.kustomization.id.name}"): frozenset(
            run.cache.relative(path)
            for path in cast(Closure, r.closure).files | cast(Closure, r.closure).manifests
        )
        for cluster, r in _renders_read(run)
    }


def paths_read(run: RepoRun) -> set[Path]:
    """Every folder and file the renders read."""
    return run.reached_folders().union(
        *(
            cast(Closure, r.closure).files | cast(Closure, r.closure).manifests
            for _, r in _renders_read(run)
        )
    )
