"""The dependsOn walk on deep chains: the apply order and the cycle search hold for thousands of
Kustomizations (no recursion limit), and a cycle is still found at the end of one."""

from __future__ import annotations

from infometis.analysis.graph import ClusterGraph, apply_order, text
from infometis.checks.flux_depends_on import _cycles
from infometis.model import FLUX_KUSTOMIZE_GROUP, ResourceId
from infometis.model.flux import FluxKustomization

DEPTH = 5000


def _chain(depth: int, closing: bool = False) -> list[FluxKustomization]:
    def rid(index: int) -> ResourceId:
        return ResourceId("Kustomization", FLUX_KUSTOMIZE_GROUP, "flux-system", f"k{index}")

    found = []
    for index in range(depth):
        depends = (
            [{"name": f"k{index - 1}"}]
            if index
            else ([{"name": f"k{depth - 1}"}] if closing else [])
        )
        found.append(FluxKustomization(rid(index), {"path": "./x", "dependsOn": depends}, "dev"))
    return list(
        reversed(found)
    )  # the order they are found in says nothing of the order they apply in


def test_a_long_chain_applies_one_level_per_link():
    levels = apply_order(_chain(DEPTH))
    assert len(levels) == DEPTH and [level[0].id.name for level in levels[:3]] == ["k0", "k1", "k2"]
    graph = ClusterGraph("dev", "dev", "independent", levels, [])
    lines = text([graph]).splitlines()
    assert lines[-1].strip() == f"{DEPTH}. k{DEPTH - 1}  ./x  after k{DEPTH - 2}"


def test_a_cycle_closing_a_long_chain_is_found_once():
    members = _chain(DEPTH, closing=True)
    graph = {k.id: {rid for _, rid in k.depends_on} for k in members}
    cycles = _cycles(graph)
    assert len(cycles) == 1 and len(cycles[0]) == DEPTH
    assert len(apply_order(members)) == DEPTH  # broken at one member, then in order
