"""flux-depends-on — every dependsOn names a Kustomization of the same cluster, without cycles.

A dependsOn entry without a namespace means the dependent's own namespace.

PASS::

    spec:
      dependsOn:
        - name: infrastructure

FAIL::

    # apps dependsOn infrastructure, and infrastructure dependsOn apps
"""

from ..model import ERROR, Problem

ID = "flux-depends-on"
LEVEL = ERROR


def _cycles(graph: dict) -> list[list]:
    """Each elementary cycle once, found by depth-first search from the sorted nodes."""
    found, seen_sets = [], set()
    state: dict = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycle = trail[trail.index(nxt):]
                if frozenset(cycle) not in seen_sets:
                    seen_sets.add(frozenset(cycle))
                    found.append(cycle)
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def check(run):
    for cluster in run.clusters:
        by_target: dict[str, dict] = {}
        for k in cluster.kustomizations.values():
            by_target.setdefault(k.target, {})[k.id] = k
        for target, members in sorted(by_target.items()):
            graph = {}
            for k in members.values():
                graph[k.id] = set()
                for index, dep in k.depends_on:
                    if dep in members:
                        graph[k.id].add(dep)
                        continue
                    yield Problem.at(ID, LEVEL, f"dependsOn names {dep.namespace}/{dep.name}, which no "
                                     f"Kustomization of cluster {target} defines",
                                     k.where("spec", "dependsOn", index), cluster=target,
                                     resource=str(k.id), hint="fix the name or namespace, or remove the entry")
            for cycle in _cycles(graph):
                first = members[cycle[0]]
                path = " → ".join(member.name for member in cycle + cycle[:1])
                yield Problem.at(ID, LEVEL, f"dependsOn cycle: {path}", first.where("spec", "dependsOn"),
                                 cluster=target, resource=str(first.id),
                                 hint="Flux waits forever on a cycle: remove one of its dependsOn entries")
