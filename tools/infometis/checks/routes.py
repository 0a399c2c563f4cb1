"""routes — no two Traefik IngressRoutes of one cluster claim the same host and path.

Each `spec.routes[].match` rule is read (Traefik's rule syntax, v2 and v3: matchers such
as Host(`a`), Host(`a`, `b`), HostRegexp, Path(`/x`), PathPrefix(`/x`), Header, Method…,
combined with &&, || and !, values in backticks or double quotes) and turned into the
(host, path) pairs it claims: one per alternative of an ||; a rule with no host claims any
host, one with no Path or PathPrefix claims the prefix "/". Other matchers (Header, Method,
a negation…) make a claim narrower, so two claims only clash when those are equal too.

Two routes clash when they claim the same host and the same Path or PathPrefix on
entryPoints that overlap (no entryPoints: every entry point), unless they set different
`priority` values or are meant for different Traefik instances (`kubernetes.io/ingress.class`
annotations); TLS settings are not compared. The later route is reported, naming the earlier
one (in render order). A rule that cannot be read (unbalanced parentheses or backticks, a
stray character) is an error too, as Traefik would refuse the router.
IngressRoutes of both API groups, traefik.io and traefik.containo.us, are read.

PASS::

    # apps/grafana/border: match: Host(`grafana.example.org`)
    # infrastructure/notifications: match: Host(`grafana.example.org`) && PathPrefix(`/hook/`)

FAIL::

    # apps/grafana/border: match: Host(`grafana.example.org`)
    # apps/legacy/border:  match: Host(`grafana.example.org`) || Host(`old.example.org`)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from infometis.analysis.traefik_rules import PATHS, Claim, Parser, RuleError, claims
from infometis.checks.once import said_once
from infometis.model import ERROR, Problem, ResourceId, as_list
from infometis.model.kinds import TRAEFIK_GROUPS

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import ClusterRun, RepoRun


ID = "routes"
LEVEL = ERROR

CLASS_ANNOTATION = "kubernetes.io/ingress.class"


@dataclass(frozen=True)
class Claimed:
    entry_points: frozenset[str]  # empty: every entry point
    ingress_class: object  # routes for different Traefik instances never clash
    priority: object
    label: str  # IngressRoute namespace/name and where its route is written
    route: tuple[ResourceId, int]  # (resource id, route index): a route never clashes with itself


def _overlap(a: Claimed, b: Claimed) -> bool:
    return (
        (not a.entry_points or not b.entry_points or bool(a.entry_points & b.entry_points))
        and a.priority == b.priority
        and a.ingress_class == b.ingress_class
    )


def _describe(claim: Claim) -> str:
    host, kind, path, others = claim
    text = (
        "any host"
        if host == "*"
        else f"host {host.lstrip('~')}" + (" (regexp)" if host.startswith("~") else "")
    )
    text += (
        f" and {'path prefix' if kind == 'PathPrefix' else 'path'} {path}"
        if kind in PATHS
        else " and those paths"
    )
    return text + (f" (with {', '.join(sorted(others))})" if others else "")


def _ingress_class(data: dict[str, Any]) -> Any:
    annotations = (
        (data.get("metadata") or {}).get("annotations")
        if isinstance(data.get("metadata"), dict)
        else None
    )
    return annotations.get(CLASS_ANNOTATION) if isinstance(annotations, dict) else None


def _routes(
    cluster: ClusterRun,
) -> Iterator[tuple[str, Resource, frozenset[str], int, dict[str, Any]]]:
    for rendered in cluster.renders:
        for resource in rendered.resources:
            rid, data = resource.id, resource.data
            if (
                rid.kind != "IngressRoute"
                or rid.group not in TRAEFIK_GROUPS
                or not isinstance(data, dict)
            ):
                continue
            spec = cast(
                "dict[str, Any]", data.get("spec") if isinstance(data.get("spec"), dict) else {}
            )
            points = frozenset(str(p) for p in as_list(spec.get("entryPoints")))
            for index, route in enumerate(as_list(spec.get("routes"))):
                if isinstance(route, dict) and isinstance(route.get("match"), str):
                    yield rendered.target, resource, points, index, route


def check(run: RepoRun) -> Iterator[Problem]:
    return said_once(run, _problems(run))


def _problems(run: RepoRun) -> Iterator[Problem]:
    for cluster in run.clusters:
        seen: dict[tuple[str, Claim], list[Claimed]] = {}  # (target, claim) → earlier routes
        for target, resource, points, index, route in _routes(cluster):
            path = ("spec", "routes", index, "match")
            where = run.locate(resource, path)
            field = f"spec.routes[{index}].match"
            try:
                found = claims(Parser(route["match"]).parse())
            except RuleError as error:
                yield Problem.at(
                    ID,
                    LEVEL,
                    f"{field}: cannot read the rule: {error}",
                    where,
                    cluster=target,
                    resource=str(resource.id),
                    hint="fix the rule: Traefik would refuse this router",
                )
                continue
            ns = resource.id.namespace or "default"
            label = f"IngressRoute {ns}/{resource.id.name} ({where.file}:{where.line})"
            this = Claimed(
                points,
                _ingress_class(resource.data),
                route.get("priority"),
                label,
                (resource.id, index),
            )
            clashes: dict[str, Claim] = {}
            for claim in sorted(found, key=repr):
                for earlier in seen.get((target, claim), []):
                    if earlier.route != this.route and _overlap(earlier, this):
                        clashes.setdefault(earlier.label, claim)
                seen.setdefault((target, claim), []).append(this)
            for label, claim in clashes.items():
                yield Problem.at(
                    ID,
                    LEVEL,
                    f"{field}: {_describe(claim)} already claimed by {label}",
                    where,
                    cluster=target,
                    resource=str(resource.id),
                    hint="give one route another host or path, or remove one of the two",
                )
