"""`infometis build` and `infometis graph`: one cluster's rendered resources in apply order,
and the Flux dependency graph they come from."""

from __future__ import annotations

import sys
from dataclasses import replace

from infometis.analysis.graph import FORMATS, ClusterGraph
from infometis.analysis.selection import EVERYTHING, Selection
from infometis.commands.common import RepoArgs, options, write
from infometis.load.yamlio import dump
from infometis.model import ERROR, redact
from infometis.model.errors import ConfigError
from infometis.model.flux import FluxKustomization
from infometis.render.kustomize import Resource
from infometis.render.pipeline import run_repository
from infometis.render.runs import ClusterRun, RepoRun
from infometis.report.text import problem_line


def _run(args: RepoArgs, cluster: str | None) -> RepoRun:
    """The run of CLUSTER (the argument), else of the clusters --cluster names."""
    named = replace(args, clusters=(cluster,), clusters_from="CLUSTER") if cluster else args
    return run_repository(options(named))


def report_errors(run: RepoRun) -> int:
    """Render errors go to stderr: the output is then incomplete, and the exit code says so."""
    errors = sorted((p for p in run.problems if p.level == ERROR), key=lambda p: p.sort_key())
    for problem in errors:
        print(redact.scrub(problem_line(problem).strip(), run.hidden), file=sys.stderr)
    return 1 if errors else 0


def _selected(cluster: ClusterRun, name: str | None) -> list[FluxKustomization]:
    ordered = ClusterGraph.of(cluster).kustomizations
    if name is None:
        return ordered
    chosen = [k for k in ordered if name in (k.id.name, f"{k.namespace}/{k.id.name}")]
    if not chosen:
        names = ", ".join(f"{k.namespace}/{k.id.name}" for k in ordered)
        raise ConfigError(
            f"--kustomization {name}: no such Flux Kustomization in cluster {cluster.name} "
            f"(it has: {names})"
        )
    return chosen


def _header(k: FluxKustomization, count: int) -> str:
    return f"# Flux Kustomization {k.namespace}/{k.id.name}: {k.path} ({count} resources)\n"


def _dumped(resource: Resource) -> str:
    """A resource as YAML; a Secret's values as marks (no output ever shows one)."""
    return dump(redact.redacted_secret(resource.data))


def _shown(resources: list[Resource], selection: Selection) -> list[Resource]:
    return [resource for resource in resources if selection.keeps(resource.data)]


def build(
    args: RepoArgs,
    cluster_name: str,
    kustomization: str | None,
    output: str | None,
    selection: Selection = EVERYTHING,
) -> int:
    run = _run(args, cluster_name)
    cluster = run.clusters[0]
    renders = {r.kustomization: r for r in cluster.renders}
    entry = next((r for r in cluster.renders if r.kustomization.entry), None)
    parts, elsewhere = [], []
    for k in _selected(cluster, kustomization):
        rendered = entry if k in cluster.entry_syncs else renders.get(k)
        if rendered is None:
            continue
        if rendered.target != cluster.name:
            elsewhere.append(f"{k.namespace}/{k.id.name} → {rendered.target}")
            continue
        shown = _shown(rendered.resources, selection)
        parts.append(
            _header(k, len(shown)) + "".join("---\n" + _dumped(resource) for resource in shown)
        )
    if kustomization is None and entry is not None and not cluster.entry_syncs:
        parts.insert(
            0,
            f"# {run.cache.relative(cluster.entry)} (the cluster's entry folder)\n"
            + "".join(
                "---\n" + _dumped(resource) for resource in _shown(entry.resources, selection)
            ),
        )
    if elsewhere:
        print(
            f"not shown, applied to other clusters through kubeConfig: {', '.join(elsewhere)}",
            file=sys.stderr,
        )
    write("".join(parts), output, run.hidden)
    return report_errors(run)


def graph(args: RepoArgs, cluster_name: str | None, format_name: str, output: str | None) -> int:
    run = _run(args, cluster_name)
    write(
        FORMATS[format_name]([ClusterGraph.of(cluster) for cluster in run.clusters]),
        output,
        run.hidden,
    )
    return report_errors(run)
