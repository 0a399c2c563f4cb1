"""The HelmReleases of a cluster's renders, rendered with Helm once the cluster's walk is done
(every ConfigMap, Secret and source known); their objects join the render that holds the
HelmRelease, so every check, build, graph and diff sees them."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml

from infometis.discover.sources import MAPPED, REPO
from infometis.model import ERROR, INFO, WARNING, Level, ResourceId
from infometis.model.flux import FluxKustomization, SourceRef
from infometis.render import charts, helm, helm_render
from infometis.render.helmrelease import (
    chart_source,
    files_values,
    is_chart_source,
    is_helm_release,
    merge,
    release,
    values_from,
)
from infometis.render.kustomize import Resource

if TYPE_CHECKING:
    from helm_python import Chart

    from infometis.render.pipeline import ClusterWalk
    from infometis.render.runs import Rendered


class ReleaseWalk:
    def __init__(self, walk: ClusterWalk) -> None:
        self.walk, self.run, self.options = walk, walk.run, walk.options
        self.sources = {
            (r.id.kind, r.id.namespace, r.id.name): r.data
            for rendered in walk.cluster.renders
            for r in rendered.resources
            if is_chart_source(r.data)
        }
        self.sealed = {
            (r.id.kind, r.id.namespace, r.id.name)
            for rendered in walk.cluster.renders
            for r in rendered.resources
            if r.id.kind == "Secret" and "sops" in r.data
        }

    def render_all(self) -> None:
        if self.run.stopped.is_set():  # interrupted: render no more
            return
        found = [
            (rendered, resource)
            for rendered in self.walk.cluster.renders
            for resource in list(rendered.resources)
            if is_helm_release(resource.data) and not resource.via
        ]
        self.owners: dict[int, FluxKustomization] = {
            id(resource): rendered.kustomization for rendered, resource in found
        }
        start = len(self.walk.problems)
        for (rendered, _), objects in zip(
            found, self.walk.pool.map(self._guarded, found), strict=True
        ):
            rendered.resources.extend(objects)
        # said from parallel renders: in a stable order, as a run's output must be
        self.walk.problems[start:] = sorted(
            self.walk.problems[start:],
            key=lambda p: (p.sort_key(), p.cluster or "", p.resource or ""),
        )

    def _guarded(self, item: tuple[Rendered, Resource]) -> list[Resource]:
        """One HelmRelease; an unexpected failure (of the native engine, of a strange chart) is
        a problem at the HelmRelease, and the run goes on."""
        try:
            return self._release(item)
        except Exception as error:  # noqa: BLE001
            rendered, resource = item
            self._problem(
                ERROR,
                f"not rendered: {type(error).__name__}: {error}",
                resource,
                ("spec",),
                rendered_for=rendered.target,
                hint="please report it, with the chart",
            )
            return []

    def _folder_of(self, kind: str, namespace: str, name: str) -> Path | None:
        resolution = self.walk.sources.resolve(SourceRef(kind, namespace, name), 2)
        return resolution.root if resolution.status in (REPO, MAPPED) else None

    def _problem(
        self,
        level: Level,
        message: str,
        resource: Resource,
        path: tuple[str | int, ...],
        hint: str | None = None,
        rendered_for: str | None = None,
    ) -> None:
        document = self.run.document(resource)
        where = document.location(path) if document else self.run.locate(resource)
        # said for the Flux Kustomization that applies the HelmRelease (a shard says its own)
        self.walk.problem(
            helm_render.ID,
            level,
            message,
            where,
            self.owners.get(id(resource)),
            cluster=rendered_for,
            resource=str(resource.id),
            hint=hint,
        )

    def _release(self, item: tuple[Rendered, Resource]) -> list[Resource]:
        rendered, resource = item
        data, target = resource.data, rendered.target
        spec = cast(
            "dict[str, Any]", data.get("spec") if isinstance(data.get("spec"), dict) else {}
        )
        if spec.get("suspend"):
            return []
        namespace = resource.id.namespace or "default"
        source = chart_source(spec, namespace, self.sources, self._folder_of)
        if source.missing:
            self._problem(INFO, source.missing, resource, source.path, rendered_for=target)
            return []
        wanted = cast(charts.ChartSource, source.chart)  # (set when nothing is missing)
        located, why = self._chart(wanted)
        if located is None:
            level = ERROR if self.options.require_charts else INFO
            self._problem(
                level,
                f"not rendered: {wanted.described} "
                + (
                    f"could not be pulled: {why}"
                    if why
                    else "is not in the chart cache; run `infometis charts pull`"
                ),
                resource,
                source.path,
                hint="`infometis charts pull` fetches every HelmRelease's chart "
                "(or validate with --online)",
                rendered_for=target,
            )
            return []
        digest, path = located
        try:
            chart = helm.load(digest, path)
        except helm.sdk().HelmError as error:
            self._problem(
                ERROR,
                f"{wanted.described}: the chart does not load: {error}",
                resource,
                source.path,
                rendered_for=target,
            )
            return []
        self._missing_subcharts(chart, wanted, resource, target)
        try:
            values = self._values(
                spec, namespace, resource, target, chart, path, source.values_files
            )
        except (OSError, tarfile.TarError, yaml.YAMLError, UnicodeDecodeError) as error:
            self._problem(
                ERROR,
                f"{wanted.described}: valuesFiles cannot be read: {error}",
                resource,
                ("spec", "chart", "spec", "valuesFiles"),
                rendered_for=target,
            )
            return []
        release_ = release(data, values)
        store = self.run.helm_renders
        output = store.get(store.key(digest, release_), lambda: helm.render(chart, release_))
        described = f"chart {chart.name} {chart.version}"
        if output.error:
            self._failure(output, described, resource, target)
            return []
        objects = []
        for template, manifest in output.manifests:
            object_ = Resource(
                ResourceId.of(manifest), manifest, resource.origin, via=resource, template=template
            )
            self.run.chart_notes[(target, str(object_.id))] = f"{described}, template {template}"
            objects.append(object_)
        return objects

    def _chart(self, source: charts.ChartSource) -> tuple[tuple[str, Path] | None, str | None]:
        """(digest, path) of the chart: a folder of the repository, or an archive in the cache
        (pulled now with --online); else None and why the pull failed (None: not tried)."""
        if source.kind == "folder":
            return (helm.folder_digest(Path(source.url)), Path(source.url)), None
        cache = self.run.charts
        self.run.wanted_charts.add(source)
        found = cache.find(source)
        if found is None and self.options.online:
            try:
                charts.pull(cache, source)
            except charts.ChartError as error:
                return None, str(error)
            found = cache.find(source)
        # (find gives only an archive the cache holds: its blob is there)
        return ((found[1], cast(Path, cache.blob(found[1]))) if found else None), None

    def _missing_subcharts(
        self, chart: Chart, source: charts.ChartSource, resource: Resource, target: str
    ) -> None:
        """Dependencies a chart folder declares but does not hold in charts/ (helm-controller
        would fetch them): said, and the chart rendered without them."""
        loaded = {str(d.get("name")) for d in chart.dependencies}
        for dependency in chart.metadata.get("dependencies") or []:
            if isinstance(dependency, dict) and str(dependency.get("name")) not in loaded:
                self._problem(
                    INFO,
                    f"{source.described}: subchart {dependency.get('name')} "
                    f"{dependency.get('version') or ''} is not in its charts/ folder: "
                    "rendered without it",
                    resource,
                    ("spec", "chart"),
                    rendered_for=target,
                    hint="vendor it (helm dependency build) to see its objects",
                )

    def _values(
        self,
        spec: dict[str, Any],
        namespace: str,
        resource: Resource,
        target: str,
        chart: Chart,
        path: Path,
        files: tuple[str, ...],
    ) -> dict[str, Any]:
        values = files_values(path, chart, files) if files else {}
        from_refs, unread = values_from(spec, namespace, self.walk.objects, self.sealed)
        for index, why in unread:
            self._problem(
                WARNING,
                f"valuesFrom {why}: rendered without it",
                resource,
                ("spec", "valuesFrom", index),
                hint="add it to the repository, or mark it optional: true",
                rendered_for=target,
            )
        inline = cast(
            "dict[str, Any]", spec.get("values") if isinstance(spec.get("values"), dict) else {}
        )
        return merge(merge(values, from_refs), inline)

    def _failure(
        self, output: helm.Rendered, described: str, resource: Resource, target: str
    ) -> None:
        if output.paths:
            for path, why in output.paths:
                shown = ".".join(str(p) for p in path) or "values"
                self._problem(
                    ERROR,
                    f"{described}: values.{shown}: {why} (the chart's values.schema.json)",
                    resource,
                    ("spec", "values", *path),
                    rendered_for=target,
                )
            return
        self._problem(
            ERROR,
            f"{described} does not render: {output.error}",
            resource,
            ("spec", "values"),
            rendered_for=target,
        )
