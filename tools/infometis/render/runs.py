"""What a run holds: its options, each cluster's renders, and the whole repository's run,
with where each rendered resource was written."""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from infometis.discover import closure as closures
from infometis.discover.sources import (
    SourceMapping,
)
from infometis.load.config import Config
from infometis.load.filecache import FileCache
from infometis.model import (
    Document,
    Location,
    Problem,
    ResourceId,
    redact,
)
from infometis.model.flux import FluxKustomization
from infometis.render import helm
from infometis.render.cache import RenderCache
from infometis.render.charts import ChartCache, ChartSource
from infometis.render.kustomize import Resource
from infometis.render.progress import Progress
from infometis.schemas.catalog import SchemaSettings


@dataclass(frozen=True)
class Options:
    repo: Path
    entries: list[tuple[str, Path]]  # (cluster name, entry folder)
    mappings: list[SourceMapping] = field(default_factory=list)
    config: Config = field(default_factory=Config)
    online: bool = False
    jobs: int = os.cpu_count() or 1
    partial: bool = False  # some clusters were left out (--cluster)
    schema: SchemaSettings = field(default_factory=SchemaSettings)
    shard: tuple[int, int] | None = None  # (I, N): shard I of N (see shard.py)
    cache_dir: Path | None = None  # renders kept across runs here (None: only within the run)
    progress: bool = False  # renders counted on standard error (a terminal only)
    # a HelmRelease whose chart is not cached is an error (else an info)
    require_charts: bool = False
    # the chart cache's folder (read even with --no-cache: charts are downloads)
    charts_dir: Path | None = None
    # every cluster's problems, not one base's said once (checks/once.py)
    each_cluster: bool = False
    # Helm renders by key, shared by the runs of one command (`replace()` keeps the same dict)
    helm_memory: dict[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    kustomization: FluxKustomization
    folder: Path
    target: str  # the cluster its resources go to
    resources: list[Resource]
    closure: closures.Closure | None = None  # what its build read (with its spec.components)


@dataclass
class ClusterRun:
    name: str
    entry: Path
    settings: dict[str, Any] = field(default_factory=dict)
    kustomizations: dict[tuple[str, ResourceId], FluxKustomization] = field(default_factory=dict)
    renders: list[Rendered] = field(default_factory=list)
    skipped: list[FluxKustomization] = field(default_factory=list)
    entry_syncs: list[FluxKustomization] = field(default_factory=list)  # rendered as the entry
    reached: set[Path] = field(default_factory=set)  # folders of every render, failed ones too
    failed: list[Rendered] = field(default_factory=list)  # builds that gave nothing (no resources)


@dataclass
class RepoRun:
    repo: Path
    config: Config
    cache: FileCache
    clusters: list[ClusterRun] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    remotes: set[str] = field(default_factory=set)
    branches: set[str] | None = None
    partial: bool = False
    each_cluster: bool = False
    schema: SchemaSettings = field(default_factory=SchemaSettings)
    renders: RenderCache | None = None
    progress: Progress | None = None
    stopped: threading.Event = field(default_factory=threading.Event)  # interrupted: render no more
    charts: ChartCache = field(default_factory=lambda: ChartCache(None))
    helm_renders: helm.RenderStore = field(default_factory=lambda: helm.RenderStore(None))
    # (cluster, resource) → its chart
    chart_notes: dict[tuple[str, str], str] = field(default_factory=dict)
    # the ChartSources of the HelmReleases (for charts pull)
    wanted_charts: set[ChartSource] = field(default_factory=set)

    def explain(self, problem: Problem) -> Problem:
        """A problem in a chart's output, with the chart, version and template it came from."""
        note = (
            # (a problem without a cluster finds no note)
            self.chart_notes.get(cast("tuple[str, str]", (problem.cluster, problem.resource)))
            if problem.resource
            else None
        )
        return replace(problem, message=f"{problem.message} ({note})") if note else problem

    @functools.cached_property
    def hidden(self) -> frozenset[str]:
        """The values of every Secret the clusters receive: never shown by any output."""
        return frozenset().union(
            *(
                redact.secret_values(resource.data)
                for cluster in self.clusters
                for rendered in cluster.renders
                for resource in rendered.resources
            )
        )

    def reached_folders(self) -> set[Path]:
        return set().union(*(cluster.reached for cluster in self.clusters))

    def document(self, resource: Resource) -> Document | None:
        """The source document that defined `resource`: in its origin file, the one of its group,
        kind, name and namespace (a namespace set by kustomize is not in the source); for an
        object of a chart, the HelmRelease's."""
        if resource.via is not None:
            return self.document(resource.via)
        if resource.origin is None:
            return None
        rid = resource.id
        same_kind = [
            d
            for d in self.cache.load(resource.origin).documents
            if isinstance(d.data, dict)
            and d.data.get("kind") == rid.kind
            and ResourceId.of(d.data).group == rid.group
        ]
        named = [d for d in same_kind if _metadata(d).get("name") == rid.name]
        exact = [d for d in named if _metadata(d).get("namespace") == rid.namespace]
        unset = [d for d in named if not _metadata(d).get("namespace")]
        for found in (exact, unset, named):
            if found:
                return found[0]
        # renamed since (namePrefix, nameSuffix, a hash): the file's only document of that kind
        return same_kind[0] if len(same_kind) == 1 else None

    def locate(self, resource: Resource, path: tuple[str | int, ...] = ()) -> Location:
        """The file and line that defined `resource` (and `path` inside it, when found); for an
        object of a chart, the HelmRelease's values (or chart)."""
        if resource.via is not None:
            document = self.document(resource.via)
            spec = (
                (resource.via.data.get("spec") or {}) if isinstance(resource.via.data, dict) else {}
            )
            path = (
                ("spec", "values")
                if spec.get("values")
                else ("spec", "chart" if "chart" in spec else "chartRef")
            )
            return document.location(path) if document else self.locate(resource.via)
        document = self.document(resource)
        if document is not None:
            return document.location(path)
        return (
            Location(self.cache.load(resource.origin).path, 1, 1) if resource.origin else Location()
        )


def _metadata(document: Document) -> dict[str, Any]:
    metadata = document.data.get("metadata")
    return metadata if isinstance(metadata, dict) else {}
