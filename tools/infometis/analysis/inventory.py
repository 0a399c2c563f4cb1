"""What each cluster holds, as rows for `infometis get`: its Flux Kustomizations, HelmReleases,
sources and the images it runs. Plain data from a run; the command prints them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from infometis.analysis.pods import pod_images, pod_spec
from infometis.model.flux import SOURCE_GROUPS, FluxKustomization, is_source
from infometis.render.kustomize import Resource
from infometis.render.runs import ClusterRun, Rendered, RepoRun

HELM_GROUP = "helm.toolkit.fluxcd.io"
HELM_SOURCE_KINDS = ("HelmChart",)  # a source the helm-controller reads, besides is_source()'s


def _name(resource_or_k: Resource | FluxKustomization) -> str:
    return f"{resource_or_k.id.namespace}/{resource_or_k.id.name}"


def _renders_by_kustomization(cluster: ClusterRun) -> dict[FluxKustomization, Rendered]:
    return {r.kustomization: r for r in cluster.renders + cluster.failed}


def kustomizations(run: RepoRun) -> list[dict[str, Any]]:
    """Each Flux Kustomization: path, source, dependsOn and how its render went."""
    rows = []
    for cluster in run.clusters:
        renders = _renders_by_kustomization(cluster)
        failed = {r.kustomization for r in cluster.failed}
        skipped = {k for k in cluster.skipped}
        syncs = {k for k in cluster.entry_syncs}
        for k in cluster.kustomizations.values():
            if k in syncs:
                status, resources = "rendered (the entry folder)", None
            elif k in failed:
                status, resources = "failed", 0
            elif k in renders:
                status, resources = "rendered", len(renders[k].resources)
            else:
                status, resources = (
                    ("skipped (another source)" if k in skipped else "not rendered"),
                    None,
                )
            rows.append(
                {
                    "cluster": cluster.name,
                    "name": _name(k),
                    "path": k.path,
                    "source": str(k.source) if k.source else "",
                    "dependsOn": [f"{ref.namespace}/{ref.name}" for _, ref in k.depends_on],
                    "status": status,
                    "resources": resources,
                }
            )
    return sorted(rows, key=lambda row: (row["cluster"], row["name"]))


def _rendered_resources(run: RepoRun) -> Iterator[tuple[Rendered, Resource]]:
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                yield rendered, resource


def _kustomization_name(rendered: Rendered) -> str:
    return "flux-system" if rendered.kustomization.entry else _name(rendered.kustomization)


def helm_releases(run: RepoRun) -> list[dict[str, Any]]:
    """Each HelmRelease: its chart, version and where the chart comes from."""
    rows = []
    for rendered, resource in _rendered_resources(run):
        if resource.id.kind != "HelmRelease" or resource.id.group != HELM_GROUP:
            continue
        spec = cast(
            "dict[str, Any]",
            resource.data.get("spec") if isinstance(resource.data.get("spec"), dict) else {},
        )
        chart = (
            ((spec.get("chart") or {}).get("spec") or {})
            if isinstance(spec.get("chart"), dict)
            else {}
        )
        ref = (
            spec.get("chartRef")
            if isinstance(spec.get("chartRef"), dict)
            else chart.get("sourceRef")
        )
        ref = ref if isinstance(ref, dict) else {}
        source = (
            f"{ref.get('kind', '?')}/{ref.get('namespace') or resource.id.namespace}/"
            f"{ref.get('name', '?')}"
            if ref
            else ""
        )
        rows.append(
            {
                "cluster": rendered.target,
                "name": _name(resource),
                "chart": str(chart.get("chart") or ""),
                "version": str(chart.get("version") or ""),
                "source": source,
                "kustomization": _kustomization_name(rendered),
            }
        )
    return rows


def _source_ref(data: dict[str, Any]) -> str:
    spec = cast("dict[str, Any]", data.get("spec") if isinstance(data.get("spec"), dict) else {})
    ref = cast("dict[str, Any]", spec.get("ref") if isinstance(spec.get("ref"), dict) else {})
    found = [
        f"{key}={ref[key]}"
        for key in ("branch", "tag", "semver", "commit", "digest", "name")
        if ref.get(key)
    ]
    if data.get("kind") == "HelmChart":
        found.append(
            f"chart={spec.get('chart', '')}"
            + (f"@{spec['version']}" if spec.get("version") else "")
        )
    return ", ".join(found)


def sources(run: RepoRun) -> list[dict[str, Any]]:
    """Each Flux source (Git, OCI, Helm repositories, buckets, charts, external artifacts)."""
    rows = []
    for rendered, resource in _rendered_resources(run):
        data = resource.data
        is_chart = data.get("kind") in HELM_SOURCE_KINDS and resource.id.group in SOURCE_GROUPS
        if not (is_source(data) or is_chart):
            continue
        spec = cast(
            "dict[str, Any]", data.get("spec") if isinstance(data.get("spec"), dict) else {}
        )
        rows.append(
            {
                "cluster": rendered.target,
                "kind": resource.id.kind,
                "name": _name(resource),
                "url": str(spec.get("url") or spec.get("endpoint") or ""),
                "ref": _source_ref(data),
                "kustomization": _kustomization_name(rendered),
            }
        )
    return rows


def images(run: RepoRun) -> list[dict[str, Any]]:
    """Each image a cluster runs, with the workloads that run it."""
    found: dict[tuple[str, str], list[str]] = {}
    for rendered, resource in _rendered_resources(run):
        located = pod_spec(resource)
        if located is None:
            continue
        path, spec = located
        for label, image, _ in pod_images(spec, path):
            found.setdefault((rendered.target, image), []).append(
                f"{resource.id.kind}/{_name(resource)} {label}"
            )
    return [
        {"cluster": cluster, "image": image, "used_by": sorted(users)}
        for (cluster, image), users in sorted(found.items())
    ]


VIEWS = {"ks": kustomizations, "hr": helm_releases, "sources": sources, "images": images}
ALIASES = {
    "kustomizations": "ks",
    "kustomization": "ks",
    "helmreleases": "hr",
    "helmrelease": "hr",
    "source": "sources",
    "image": "images",
}
# The columns of the plain table; `wide` shows every field.
COLUMNS = {
    "ks": ("cluster", "name", "path", "status"),
    "hr": ("cluster", "name", "chart", "version"),
    "sources": ("cluster", "kind", "name", "url"),
    "images": ("cluster", "image"),
}
