"""make_run(): a finished run built from YAML text, so a check's logic is tested as yamllint
tests its rules: no git, no kustomize, no command line, a few milliseconds a test."""

from __future__ import annotations

from pathlib import Path

from infometis.load.config import Config
from infometis.load.filecache import FileCache
from infometis.model import FLUX_KUSTOMIZE_GROUP, ResourceId
from infometis.model.flux import FluxKustomization
from infometis.render.kustomize import Resource
from infometis.render.runs import ClusterRun, Rendered, RepoRun


def make_run(
    folder: Path,
    *renders: str,
    cluster: str = "dev",
    config: Config | None = None,
    settings: dict | None = None,
    spec: dict | None = None,
) -> RepoRun:
    """A run of one cluster whose Flux Kustomizations (apps-0, apps-1, ...) each rendered the
    resources of one YAML text, written to <folder>/render-<i>.yaml so problems have lines;
    `spec` adds to each Flux Kustomization's spec."""
    cache = FileCache(folder)
    done = ClusterRun(cluster, folder, settings=settings or {})
    for index, text in enumerate(renders):
        path = folder / f"render-{index}.yaml"
        path.write_text(text)
        resources = [
            Resource(ResourceId.of(d.data), d.data, path)
            for d in cache.load(path).documents
            if isinstance(d.data, dict)
        ]
        name = ResourceId("Kustomization", FLUX_KUSTOMIZE_GROUP, "flux-system", f"apps-{index}")
        k = FluxKustomization(name, {"path": f"./render-{index}", **(spec or {})}, cluster)
        done.kustomizations[(cluster, name)] = k
        done.renders.append(Rendered(k, folder, cluster, resources))
    return RepoRun(folder, config or Config(), cache, clusters=[done])
