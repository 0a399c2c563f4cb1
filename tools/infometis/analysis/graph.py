"""The Flux dependency graph of a cluster: its Kustomizations in the order Flux can apply
them, their sources and their dependsOn edges, drawn as text, Mermaid or Graphviz dot."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from infometis.model import ResourceId
from infometis.model.flux import FluxKustomization
from infometis.render.helmrelease import is_helm_release
from infometis.render.runs import ClusterRun


def apply_order(
    kustomizations: list[FluxKustomization], first: Sequence[FluxKustomization] = ()
) -> list[list[FluxKustomization]]:
    """Levels of Kustomizations: each comes after the one that creates it (its parent, or
    `first`, the syncs of the entry folder) and after those it dependsOn. A cycle is broken
    at its first member (the flux-depends-on check reports it). Linear in the edges."""
    keys = {(k.target, k.id): k for k in kustomizations}
    roots = {(k.target, k.id) for k in first}
    waiting: dict[tuple[str, ResourceId], set[tuple[str, ResourceId]]] = {}
    dependents: dict[tuple[str, ResourceId], list[tuple[str, ResourceId]]] = {
        key: [] for key in keys
    }
    for key, k in keys.items():
        before = cast(
            "set[tuple[str, ResourceId]]",  # (no key has a None parent: & drops it)
            {(k.target, ref) for ref in [k.parent, *(rid for _, rid in k.depends_on)]}
            & keys.keys(),
        )
        waiting[key] = (before or (roots if key not in roots else set())) - {key}
        for other in waiting[key]:
            dependents[other].append(key)
    missing = {key: len(before) for key, before in waiting.items()}
    ready = [key for key in keys if not missing[key]]
    levels: list[list[FluxKustomization]] = []
    done: set[tuple[str, ResourceId]] = set()
    order = list(keys)  # a cycle is broken at the first member not yet placed, in this order
    position = 0
    while len(done) < len(keys):
        if not ready:
            while order[position] in done:
                position += 1
            ready = [order[position]]
        done.update(ready)
        levels.append(
            sorted((keys[key] for key in ready), key=lambda k: (k.id.namespace, k.id.name))
        )
        following = []
        for key in ready:
            for dependent in dependents[key]:
                missing[dependent] -= 1
                if missing[dependent] == 0 and dependent not in done:
                    following.append(dependent)
        ready = list(dict.fromkeys(following))
    return levels


@dataclass(frozen=True)
class ClusterGraph:
    name: str
    environment: str
    mode: str
    levels: list[list[FluxKustomization]]
    entry_syncs: list[FluxKustomization]
    # Kustomization id → [(HelmRelease, chart, objects)]
    releases: dict[ResourceId, list[tuple[str, str, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, cluster: ClusterRun) -> ClusterGraph:
        settings = cluster.settings
        return cls(
            cluster.name,
            str(settings.get("environment", "?")),
            str(settings.get("mode", "?")),
            apply_order(list(cluster.kustomizations.values()), cluster.entry_syncs),
            cluster.entry_syncs,
            _releases(cluster),
        )

    @property
    def title(self) -> str:
        return f"{self.name} (environment {self.environment}, mode {self.mode})"

    @functools.cached_property
    def kustomizations(self) -> list[FluxKustomization]:
        return [k for level in self.levels for k in level]

    @functools.cached_property
    def _by_id(self) -> dict[ResourceId, FluxKustomization]:
        return {k.id: k for k in self.kustomizations}

    @functools.cached_property
    def main_source(self) -> str | None:
        """The source most Kustomizations read; drawn once, in the title."""
        sources = Counter(str(k.source) for k in self.kustomizations if k.source)
        return sources.most_common(1)[0][0] if sources else None

    def other_source(self, k: FluxKustomization) -> str | None:
        return str(k.source) if k.source and str(k.source) != self.main_source else None

    def heading(self) -> str:
        return self.title + (f", from {self.main_source}" if self.main_source else "")

    def depends(self, k: FluxKustomization) -> list[FluxKustomization]:
        return [self._by_id[rid] for _, rid in k.depends_on if rid in self._by_id]

    def after(self, k: FluxKustomization) -> list[FluxKustomization]:
        """What `k` waits for: what it dependsOn, else the Kustomization that creates it."""
        if self.depends(k) or k in self.entry_syncs:
            return self.depends(k)
        creator = self._by_id.get(cast(ResourceId, k.parent))  # (None: no creator)
        return [creator] if creator else self.entry_syncs[:1]

    def node_ids(self) -> dict[ResourceId | str, str]:
        """Short, stable node names for Mermaid and dot: cluster, then k<n> or s<n>."""
        prefix = re.sub(r"[^A-Za-z0-9_]", "_", self.name)
        ids: dict[ResourceId | str, str] = {
            k.id: f"{prefix}_k{n}" for n, k in enumerate(self.kustomizations, 1)
        }
        sources = sorted({s for k in self.kustomizations if (s := self.other_source(k))})
        ids.update({s: f"{prefix}_s{n}" for n, s in enumerate(sources, 1)})
        return ids


def _releases(cluster: ClusterRun) -> dict[ResourceId, list[tuple[str, str, int]]]:
    """The HelmReleases each Kustomization applies, with their chart and how many objects it
    rendered."""
    found: dict[ResourceId, list[tuple[str, str, int]]] = {}
    for rendered in cluster.renders:
        counts = Counter(id(r.via) for r in rendered.resources if r.via is not None)
        for r in rendered.resources:
            if is_helm_release(r.data):
                spec = ((r.data.get("spec") or {}).get("chart") or {}).get("spec") or {}
                chart = (
                    f"{spec.get('chart')} {spec.get('version') or '*'}"
                    if spec.get("chart")
                    else "chartRef"
                )
                found.setdefault(rendered.kustomization.id, []).append(
                    (f"{r.id.namespace}/{r.id.name}", chart, counts.get(id(r), 0))
                )
    return found


def _name(k: FluxKustomization) -> str:
    return k.id.name if k.namespace == "flux-system" else f"{k.namespace}/{k.id.name}"


def _remote(k: FluxKustomization) -> str:
    return f", applied to {k.kube_config_target}" if k.kube_config_target else ""


def text(graphs: list[ClusterGraph]) -> str:
    lines = []
    for graph in graphs:
        lines.append(f"cluster {graph.heading()}")
        for number, level in enumerate(graph.levels, 1):
            for k in level:
                after = ", ".join(_name(d) for d in graph.depends(k))
                source = graph.other_source(k)
                lines.append(
                    f"  {number}. {_name(k)}  {k.path or '(root)'}"
                    + (f"  from {source}" if source else "")
                    + _remote(k)
                    + (f"  after {after}" if after else "")
                )
                for release, chart, count in graph.releases.get(k.id, []):
                    lines.append(
                        f"       HelmRelease {release}  chart {chart}: "
                        + (f"{count} objects" if count else "not rendered")
                    )
        lines.append("")
    return "\n".join(lines)


def _edges(
    graph: ClusterGraph, ids: dict[ResourceId | str, str], solid: str, dashed: str
) -> list[str]:
    lines = []
    for k in graph.kustomizations:
        if graph.other_source(k):
            lines.append(dashed.format(ids[cast(str, graph.other_source(k))], ids[k.id]))
        lines += [solid.format(ids[d.id], ids[k.id]) for d in graph.after(k)]
    return lines


def mermaid(graphs: list[ClusterGraph]) -> str:
    lines = ["flowchart LR"]
    for graph in graphs:
        ids = graph.node_ids()
        lines.append(
            f'  subgraph cluster_{_plain(graph.name)}["{_escape_mermaid(graph.heading())}"]'
        )
        for k in graph.kustomizations:
            lines.append(
                f'    {ids[k.id]}["{_escape_mermaid(_name(k))}<br/>{_escape_mermaid(k.path)}"]'
            )
        lines += [f'    {ids[s]}(["{_escape_mermaid(s)}"])' for s in ids if isinstance(s, str)]
        lines.append("  end")
        lines += ["  " + edge for edge in _edges(graph, ids, "{} --> {}", "{} -.-> {}")]
    return "\n".join(lines) + "\n"


def _plain(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", value)


def _escape_mermaid(value: str) -> str:
    return value.replace('"', "#quot;")


def dot(graphs: list[ClusterGraph]) -> str:
    lines = ["digraph flux {", "  rankdir=LR;", "  node [fontname=Helvetica, fontsize=10];"]
    for graph in graphs:
        ids = graph.node_ids()
        lines.append(f"  subgraph cluster_{_plain(graph.name)} {{")
        lines.append(f"    label={_quote(graph.heading())};")
        for k in graph.kustomizations:
            lines.append(
                f"    {ids[k.id]} [shape=box, label={_quote(_name(k) + chr(10) + k.path)}];"
            )
        lines += [
            f"    {ids[s]} [shape=cylinder, label={_quote(s)}];" for s in ids if isinstance(s, str)
        ]
        lines.append("  }")
        lines += [
            "  " + edge for edge in _edges(graph, ids, "{} -> {};", "{} -> {} [style=dashed];")
        ]
    return "\n".join(lines + ["}"]) + "\n"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


FORMATS = {"text": text, "mermaid": mermaid, "dot": dot}
