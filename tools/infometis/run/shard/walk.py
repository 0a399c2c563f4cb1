"""The walk of one shard: the clusters' walks rendering only what the shard needs, and whose
problem is whose."""

# kustomization fields after which the names and kinds of its objects cannot be read from the files
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, cast

from infometis.checks import REGISTRY, Check, references, schema
from infometis.discover import closure as closures
from infometis.load.filecache import FileCache
from infometis.model import Level, Location, Problem
from infometis.model.flux import FluxKustomization
from infometis.render.kustomize import Output
from infometis.render.pipeline import ClusterWalk, run_repository
from infometis.render.postbuild import substitute_from
from infometis.render.runs import Options, RepoRun
from infometis.run.shard.facts import Facts, facts_of
from infometis.run.shard.units import Split, split


class ShardWalk(ClusterWalk):
    """A cluster's walk that renders only what the shard needs, and says only its own problems."""

    def __init__(
        self,
        shard: Shard,
        options: Options,
        run: RepoRun,
        pool: ThreadPoolExecutor,
        name: str,
        entry: Path,
    ) -> None:
        super().__init__(options, run, pool, name, entry)
        self.shard = shard
        # k → the unit of its folder (None: repository-wide); looked up with k None too
        self.units: dict[FluxKustomization | None, str | None] = {}
        # k of the service Kustomizations every shard renders
        self.shared: set[FluxKustomization] = set()
        self.attempted: list[FluxKustomization] = []  # Flux Kustomizations this shard renders
        # (k, unit, facts): left to their unit's shard
        self.elsewhere: list[tuple[FluxKustomization, str, Facts]] = []
        shard.walks.append(self)

    def problem(
        self,
        check: str,
        level: Level,
        message: str,
        where: Location | None = None,
        k: FluxKustomization | None = None,
        **extra: Any,
    ) -> None:
        if self.shard.owner_of_kustomization(k, self.units.get(k, "")) == self.shard.index:
            super().problem(check, level, message, where, k, **extra)

    def plan(self, k: FluxKustomization) -> Path | None:
        folder = super().plan(k)
        if folder is None or k.entry:
            return folder
        unit = self.units[k] = self.shard.layout.unit(folder)
        facts = self.shard.facts(k, folder, unit) if unit else None
        if facts is not None and facts.shared:
            self.shared.add(k)
        # (facts are read only for a unit's folder)
        if facts is None or facts.shared or self.shard.renders(cast(str, unit)):
            self.attempted.append(k)
            return folder
        self.cluster.reached |= facts.folders
        self.elsewhere.append((k, cast(str, unit), facts))
        return None

    def render_unit(self, k: FluxKustomization) -> str | None:
        """The unit a render belongs to, None when every shard renders it."""
        return None if k.entry or k in self.shared else self.units.get(k)

    def build(self, k: FluxKustomization, folder: Path, closure: closures.Closure) -> Output:
        key = (str(folder), json.dumps(k.spec, sort_keys=True, default=str))
        if key not in self.shard.builds:
            self.shard.builds[key] = super().build(k, folder, closure)
        kept = self.shard.builds[key]
        # resources of its own for each render (checks tell renders' resources apart by identity);
        # their data is shared: nothing changes it once built
        return replace(kept, resources=[replace(resource) for resource in kept.resources])

    def missing_objects(self) -> set[tuple[str, str]]:
        """(kind, name) of the substituteFrom objects a render of this shard did not find."""
        return {
            (kind, name)
            for k in self.attempted
            for kind, namespace, name, _ in substitute_from(k)
            if (kind, namespace, name) not in self.objects
        }


class Shard:
    """One shard's run: its split, its walks, the context it renders, and whose problems are
    whose."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.index, count = cast("tuple[int, int]", options.shard)  # a sharded run's options
        self.layout = split(
            options.repo, count, options.config.services, [entry for _, entry in options.entries]
        )
        self.context: set[str] = set()  # other units rendered for this shard's verdicts
        self.cache = FileCache(options.repo)  # files read for their facts: not validated here
        self.charts = _charts_render(options, self.layout)
        self.known: dict[tuple[str, str, str], Facts] = {}
        self.builds: dict[tuple[str, str], Output] = {}  # kustomize outputs, for the second walk
        self.walks: list[ShardWalk] = []
        self.rendered_by: dict[str, set[str | None]] = {}  # resource → units (None: shared)

    def renders(self, unit: str) -> bool:
        return self.layout.shard_of[unit] == self.index or unit in self.context

    def facts(self, k: FluxKustomization, folder: Path, unit: str) -> Facts:
        key = (str(folder), unit, json.dumps(k.spec, sort_keys=True, default=str))
        if key not in self.known:
            self.known[key] = facts_of(k, folder, unit, self.layout, self.cache, self.charts)
        return self.known[key]

    def owner_of_kustomization(self, k: FluxKustomization | None, unit: str | None) -> int:
        if k is None or k.entry:
            return 1
        if unit == "":  # not planned yet: by its path in this repository
            unit = self.layout.unit(
                os.path.normpath(self.options.repo / (k.path.strip().lstrip("/") or "."))
            )
        return self.layout.shard_of[unit] if unit else 1

    def owner(self, problem: Problem) -> int:
        unit = self.layout.owner(problem.file) if problem.file else None
        if unit is None and problem.resource:
            units = self.rendered_by.get(problem.resource, set())
            unit = min(cast("set[str]", units)) if units and None not in units else None
        return self.layout.shard_of[unit] if unit else 1

    # ------------------------------------------------------------ the walks

    def walk(self) -> RepoRun:
        self.walks = []
        run = run_repository(self.options, walker=partial(ShardWalk, self))
        self.rendered_by = {}
        for walk in self.walks:
            for rendered in walk.cluster.renders:
                unit = walk.render_unit(rendered.kustomization)
                for resource in rendered.resources:
                    self.rendered_by.setdefault(str(resource.id), set()).add(unit)
        return run

    def view(self, run: RepoRun) -> RepoRun:
        """The run as the references check must see it: what other shards render is not unknown."""
        clusters = [
            replace(
                walk.cluster,
                entry_syncs=walk.cluster.entry_syncs + [k for k, _, _ in walk.elsewhere],
            )
            for walk in self.walks
        ]
        return replace(run, clusters=clusters)

    def problems(self, run: RepoRun, selected: set[str]) -> Iterator[Problem]:
        """This shard's problems: those of rendering (already its own), then the checks'."""
        yield from run.problems
        for check_id, module in REGISTRY.items():
            # a kind without a schema: said by shard 1
            if module is schema and check_id in selected:
                yield from (
                    problem
                    for problem, whole in schema.findings(run)
                    if (1 if whole else self.owner(problem)) == self.index
                )
            elif isinstance(module, Check) and check_id in selected:
                found = module.check(self.view(run) if module is references else run)
                yield from (problem for problem in found if self.owner(problem) == self.index)


def _charts_render(options: Options, layout: Split) -> bool:
    """Whether a HelmRelease may render objects: a chart is cached, or one comes from the
    repository (a GitRepository, a Bucket, a HelmChart), which needs no cache."""
    folder = options.charts_dir or options.cache_dir
    if (
        folder is not None
        and (folder / "charts").is_dir()
        and any(p.is_file() for p in (folder / "charts").rglob("*"))
    ):
        return True
    return bool(layout.found.chart_kinds - {"HelmRepository", "OCIRepository"})
