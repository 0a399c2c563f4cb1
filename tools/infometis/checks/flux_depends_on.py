"""flux-depends-on — every dependsOn names a Kustomization of the same cluster, without cycles.

A dependsOn entry without a namespace means the dependent's own namespace.

PASS::

    spec:
      dependsOn:
        - name: infrastructure

FAIL::

    # apps dependsOn infrastructure, and infrastructure dependsOn apps
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from infometis.model import ERROR, Problem, ResourceId
from infometis.model.flux import FluxKustomization

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ID = "flux-depends-on"
LEVEL = ERROR


def _cycles(graph: dict[ResourceId, set[ResourceId]]) -> list[list[ResourceId]]:
    """Each elementary cycle the depth-first search meets, once, from the sorted nodes;
    iterative, so a dependsOn chain thousands long costs time linear in its length."""
    found: list[list[ResourceId]] = []
    seen_sets: set[frozenset[ResourceId]] = set()
    state: dict[ResourceId, str] = {}
    for start in sorted(graph):
        if start in state:
            continue
        trail, where = [start], {start: 0}  # the open path, and each node's place on it
        stack = [iter(sorted(graph.get(start, ())))]
        state[start] = "open"
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[trail.pop()] = "done"
                stack.pop()
                continue
            if state.get(nxt) == "open":
                cycle = trail[where[nxt] :]
                if frozenset(cycle) not in seen_sets:
                    seen_sets.add(frozenset(cycle))
                    found.append(cycle)
            elif nxt not in state:
                state[nxt] = "open"
                where[nxt] = len(trail)
                trail.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return found


def check(run: RepoRun) -> Iterator[Problem]:
    for cluster in run.clusters:
        by_target: dict[str, dict[ResourceId, FluxKustomization]] = {}
        for k in cluster.kustomizations.values():
            by_target.setdefault(k.target, {})[k.id] = k
        for target, members in sorted(by_target.items()):
            graph: dict[ResourceId, set[ResourceId]] = {}
            for k in members.values():
                graph[k.id] = set()
                for index, dep in k.depends_on:
                    if dep in members:
                        graph[k.id].add(dep)
                        continue
                    yield Problem.at(
                        ID,
                        LEVEL,
                        f"dependsOn names {dep.namespace}/{dep.name}, which no "
                        f"Kustomization of cluster {target} defines",
                        k.where("spec", "dependsOn", index),
                        cluster=target,
                        resource=str(k.id),
                        hint="fix the name or namespace, or remove the entry",
                    )
            for cycle in _cycles(graph):
                first = members[cycle[0]]
                path = " → ".join(member.name for member in cycle + cycle[:1])
                yield Problem.at(
                    ID,
                    LEVEL,
                    f"dependsOn cycle: {path}",
                    first.where("spec", "dependsOn"),
                    cluster=target,
                    resource=str(first.id),
                    hint="Flux waits forever on a cycle: remove one of its dependsOn entries",
                )
