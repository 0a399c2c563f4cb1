"""The units a shard renders besides its own: those whose renders could change its problems
(an object its references miss, a host its routes claim, a kind without a schema)."""

# kustomization fields after which the names and kinds of its objects cannot be read from the files
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from infometis.analysis.traefik_rules import Parser, RuleError, claims
from infometis.checks import border, references, schema
from infometis.load.filecache import FileCache
from infometis.model import as_list
from infometis.model.kinds import KUSTOMIZATION_SOURCE_KINDS, TRAEFIK_GROUPS
from infometis.render.kustomize import Resource
from infometis.render.runs import RepoRun
from infometis.run.shard.facts import Facts
from infometis.schemas.catalog import Catalog

if TYPE_CHECKING:
    from infometis.run.shard.walk import Shard


def needed(shard: Shard, run: RepoRun, selected: set[str]) -> set[str]:
    """The units, not rendered, whose renders could change this shard's problems."""
    units: dict[str, Facts] = {}  # unit → what its Kustomizations left to other shards could render
    for walk in shard.walks:
        for _, unit, facts in walk.elsewhere:
            units.setdefault(unit, Facts()).add(facts)
    if not units:
        return set()
    if any(
        k.source and k.source.kind not in KUSTOMIZATION_SOURCE_KINDS
        for walk in shard.walks
        for k in walk.cluster.kustomizations.values()
    ):
        return set(units)
    # id(walk) → (group, kind, name) rendered in its cluster
    ids: dict[int, set[tuple[str, str, str]]] = {}
    hosts: dict[int, set[str]] = {}  # id(walk) → the hosts its routes claim
    for walk in shard.walks:
        rendered = [resource for r in walk.cluster.renders for resource in r.resources]
        ids[id(walk)] = {(r.id.group, r.id.kind, r.id.name) for r in rendered}
        hosts[id(walk)] = _claimed_hosts(rendered)
    # an ignore annotation counts in every cluster
    anywhere: set[tuple[str, str, str]] = set().union(*ids.values())
    needed = {unit for unit, facts in units.items() if facts.opaque}
    for walk in shard.walks:
        missing = walk.missing_objects()
        for _, unit, facts in walk.elsewhere:
            if (
                any(facts.may_render(*i) for i in (anywhere if facts.annotated else ids[id(walk)]))
                or any(facts.may_claim(host) for host in hosts[id(walk)])
                or any(facts.may_render("", kind, name) for kind, name in missing)
            ):
                needed.add(unit)
    probe = replace(run, cache=FileCache(run.repo))  # what the checks load is not the walk's
    if "schema" in selected and shard.index == 1 and run.schema.missing != "ignore":
        catalog = Catalog(run.schema, run.repo, schema.repository_crds(probe)[0])
        needed |= {
            unit
            for unit, facts in units.items()
            if any(catalog.find(api_version, kind) is None for api_version, kind in facts.kinds)
        }
    # what is not defined: another unit may define it, or fail to render
    if "references" in selected:
        # target → namespaces of the shard's undefined references
        wanted: dict[str | None, set[str]] = {}
        for problem, ref in references.undefined_refs(shard.view(probe)):
            if shard.owner(problem) == shard.index:
                wanted.setdefault(problem.cluster, set()).add(ref.namespace)
        for walk in shard.walks:
            for k, unit, facts in walk.elsewhere:
                namespaces = wanted.get(k.kube_config_target or k.target)
                target_namespace = str(k.spec.get("targetNamespace") or "")
                if namespaces and (
                    not target_namespace or target_namespace in namespaces or facts.helm
                ):
                    needed.add(unit)
    # a host name whose last label another unit's namespace or Service makes in-cluster
    if "border" in selected:
        named = [
            host.lower().rstrip(".")
            for problem, host in border.hostnames(probe)
            if shard.owner(problem) == shard.index
        ]
        labels = {host.rsplit(".", 1)[-1] for host in named if "${" not in host}
        needed |= {
            unit
            for unit, facts in units.items()
            if any(facts.may_name(label) for label in labels if label.isalpha())
        }
    return needed


def _claimed_hosts(resources: Iterable[Resource]) -> set[str]:
    hosts: set[str] = set()
    for resource in resources:
        if resource.id.kind != "IngressRoute" or resource.id.group not in TRAEFIK_GROUPS:
            continue
        spec = cast(
            "dict[str, Any]",
            resource.data.get("spec") if isinstance(resource.data.get("spec"), dict) else {},
        )
        for route in as_list(spec.get("routes")):
            if isinstance(route, dict) and isinstance(route.get("match"), str):
                try:
                    hosts |= {claim[0] for claim in claims(Parser(route["match"]).parse())}
                except RuleError:
                    continue
    return hosts
