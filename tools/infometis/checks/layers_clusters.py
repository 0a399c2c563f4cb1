"""The third layer of the layers check: each cluster's settings name one environment and one
mode, and the cluster applies exactly the mode adaptation they name."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from infometis.discover.closure import kustomization_file
from infometis.model import Location, Problem
from infometis.model.flux import FluxKustomization

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import ClusterRun, RepoRun

    # the layers check's problem: (where, message, hint, **cluster and resource)
    Report = Callable[..., Problem]

MODES = Path("infrastructure/modes")


def problems(run: RepoRun, modes: list[str], problem: Report) -> Iterator[Problem]:
    """What is wrong with each cluster's settings and the mode adaptations it applies."""
    for cluster in run.clusters:
        found = [
            r
            for rendered in cluster.renders
            if rendered.target == cluster.name
            for r in rendered.resources
            if (r.id.kind, r.id.group, r.id.namespace, r.id.name)
            == ("ConfigMap", "", "flux-system", "cluster-settings")
        ]
        if not found:
            spec = kustomization_file(cluster.entry)
            where = Location(run.cache.relative(spec or cluster.entry), 1, 1)
            yield problem(
                where,
                f"cluster {cluster.name} has no cluster-settings "
                "(ConfigMap flux-system/cluster-settings)",
                "add clusters/<name>/cluster-settings.yaml with data.environment and data.mode",
                cluster=cluster.name,
            )
            continue
        yield from _settings(run, cluster, found[0], modes, problem)


def _settings(
    run: RepoRun, cluster: ClusterRun, resource: Resource, modes: list[str], problem: Report
) -> Iterator[Problem]:
    data = cast(
        "dict[str, Any]",
        resource.data.get("data") if isinstance(resource.data.get("data"), dict) else {},
    )
    values: dict[str, str] = {}
    for key in ("environment", "mode"):
        raw = data.get(key)
        value = (
            str(raw).strip()
            if isinstance(raw, (str, int, float)) and not isinstance(raw, bool)
            else ""
        )
        where = run.locate(resource, ("data", key))
        extra = {"cluster": cluster.name, "resource": str(resource.id)}
        if not value or re.search(r"[\s,;]", value):
            yield problem(
                where,
                f"cluster-settings of {cluster.name}: data.{key} must name exactly one {key}"
                f"{f' (it says {value!r})' if value else ''}",
                f"set data.{key} to one {key}, a string",
                **extra,
            )
        elif key == "mode" and value not in modes:
            yield problem(
                where,
                f"cluster-settings of {cluster.name}: mode '{value}' is not a mode adaptation "
                f"(infrastructure/modes/: {', '.join(modes) or 'none'})",
                "use one of them, or add the adaptation under infrastructure/modes/",
                **extra,
            )
        else:
            values[key] = value
    applied = _applied_modes(run, cluster, modes)
    mode = values.get("mode")
    for name, k in applied.items():
        if (mode and name != mode) or (not mode and len(applied) > 1):
            where = (
                k.where("spec", "path") if k is not None else run.locate(resource, ("data", "mode"))
            )
            said = (
                f"its cluster-settings say mode {mode}"
                if mode
                else f"it applies {', '.join(applied)}"
            )
            yield problem(
                where,
                f"cluster {cluster.name} applies the mode adaptation {name}, but {said}",
                "apply exactly the mode adaptation the cluster-settings name: "
                "a path of ./infrastructure/modes/<mode>",
                cluster=cluster.name,
            )
    if mode and mode not in applied:
        yield problem(
            run.locate(resource, ("data", "mode")),
            f"cluster {cluster.name} is in mode {mode}, but no Flux Kustomization applies "
            f"infrastructure/modes/{mode}",
            f"add a Flux Kustomization with path ./infrastructure/modes/{mode}",
            cluster=cluster.name,
            resource=str(resource.id),
        )


def _applied_modes(
    run: RepoRun, cluster: ClusterRun, modes: list[str]
) -> dict[str, FluxKustomization | None]:
    """Mode → the Flux Kustomization that applies it (None: reached through another folder)."""
    applied: dict[str, FluxKustomization | None] = {}
    for rendered in cluster.renders:
        name = _mode_of(run, rendered.folder, modes)
        if name and rendered.target == cluster.name:
            applied.setdefault(name, rendered.kustomization)
    for folder in sorted(cluster.reached):
        name = _mode_of(run, folder, modes)
        if name:
            applied.setdefault(name, None)
    return applied


def _mode_of(run: RepoRun, folder: Path, modes: list[str]) -> str | None:
    parts = Path(run.cache.relative(Path(folder))).parts
    top = len(MODES.parts)
    if parts[:top] == MODES.parts and len(parts) > top and parts[top] in modes:
        return parts[top]
    return None
