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

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING, Any, cast

from infometis.checks.once import said_once
from infometis.model import ERROR, Problem, ResourceId, as_list
from infometis.model.kinds import TRAEFIK_GROUPS

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import ClusterRun, RepoRun

    # A node of a parsed rule, a tuple tagged by its first item: ("match", name, values),
    # ("not", node), ("or", [node, ...]) or ("and", [node, ...]).
    Node = tuple[Any, ...]
    # (negated, name, values) of one matcher
    Atom = tuple[bool, str, tuple[str, ...]]
    # (host, path matcher, path, other conditions)
    Claim = tuple[str, str, str, frozenset[str]]

ID = "routes"
LEVEL = ERROR

HOSTS = ("Host", "HostHeader")
PATHS = ("Path", "PathPrefix")
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
MAX_ALTERNATIVES = 256  # a rule with more || alternatives than this is not expanded
_TOKEN = re.compile(
    r"\s*(?:(&&|\|\||[!(),])|`([^`]*)`|\"((?:[^\"\\]|\\.)*)\"|([A-Za-z][A-Za-z0-9]*))"
)


class RuleError(ValueError):
    """The rule cannot be read; the message says where."""


def tokens(rule: str) -> list[tuple[str, str, int]]:
    """(type, value, position): type is an operator itself, 'str' or 'name'."""
    if rule.count("`") % 2:  # said plainly: the tokens after a lone backtick are all shifted
        raise RuleError(f"unbalanced backticks: {rule.count('`')} of them")
    found: list[tuple[str, str, int]] = []
    at = 0
    while at < len(rule):
        if rule[at:].strip() == "":
            break
        match = _TOKEN.match(rule, at)
        if not match:
            stray = rule[at:].lstrip()
            where = len(rule) - len(stray) + 1
            why = f"unclosed {stray[0]}" if stray[0] in '`"' else f"unexpected '{stray[0]}'"
            raise RuleError(f"{why} at character {where}")
        operator, tick, quoted, name = match.groups()
        position = match.start() + len(match.group(0)) - len(match.group(0).lstrip()) + 1
        if operator:
            found.append((operator, operator, position))
        elif name:
            found.append(("name", name, position))
        else:
            found.append(("str", tick if tick is not None else quoted, position))
        at = match.end()
    return found


class Parser:
    """expr := and ('||' and)* ; and := unary ('&&' unary)* ;
    unary := '!' unary | '(' expr ')' | Name '(' [string (',' string)*] ')'"""

    def __init__(self, rule: str) -> None:
        self.items, self.at = tokens(rule), 0

    def parse(self) -> Node:
        if not self.items:
            raise RuleError("the rule is empty")
        node = self._binary("||")
        if self.at < len(self.items):
            raise RuleError(
                f"unexpected '{self.items[self.at][1]}' at character {self.items[self.at][2]}"
            )
        return node

    def _peek(self) -> str | None:
        return self.items[self.at][0] if self.at < len(self.items) else None

    def _expect(self, kind: str, what: str) -> str:
        if self._peek() != kind:
            where = (
                f"character {self.items[self.at][2]}" if self.at < len(self.items) else "the end"
            )
            raise RuleError(f"expected {what} at {where}")
        self.at += 1
        return self.items[self.at - 1][1]

    def _binary(self, operator: str) -> Node:
        parts = [self._binary("&&") if operator == "||" else self._unary()]
        while self._peek() == operator:
            self.at += 1
            parts.append(self._binary("&&") if operator == "||" else self._unary())
        return parts[0] if len(parts) == 1 else ("or" if operator == "||" else "and", parts)

    def _unary(self) -> Node:
        if self._peek() == "!":
            self.at += 1
            return ("not", self._unary())
        if self._peek() == "(":
            self.at += 1
            node = self._binary("||")
            self._expect(")", "')' (unbalanced parentheses)")
            return node
        name = self._expect("name", "a matcher such as Host(`...`)")
        self._expect("(", f"'(' after {name}")
        values: list[str] = []
        while self._peek() == "str":
            values.append(self._expect("str", "a value"))
            if self._peek() != ",":
                break
            self.at += 1
        self._expect(
            ")", f"')' closing {name}( (unbalanced parentheses or a value without backticks)"
        )
        return ("match", name, tuple(values))


def alternatives(node: Node) -> list[list[Atom]]:
    """The rule as a disjunction of conjunctions of (negated, name, values) atoms."""
    if node[0] == "match":
        return [[(False, node[1], node[2])]]
    if node[0] == "not":
        inner = node[1]
        return [
            [(True, inner[1], inner[2]) if inner[0] == "match" else (True, "expr", (repr(inner),))]
        ]
    if node[0] == "or":
        return [conj for part in node[1] for conj in alternatives(part)][:MAX_ALTERNATIVES]
    combined: list[list[Atom]] = [[]]
    for part in node[1]:
        combined = [left + right for left, right in product(combined, alternatives(part))][
            :MAX_ALTERNATIVES
        ]
    return combined


def _text(negated: bool, name: str, values: tuple[str, ...]) -> str:
    return ("!" if negated else "") + name + "(" + ", ".join(f"`{v}`" for v in values) + ")"


def claims(node: Node) -> set[Claim]:
    """(host, path matcher, path, other conditions) for every alternative of the rule."""
    found: set[Claim] = set()
    for conjunction in alternatives(node):
        hosts = [
            set(v.lower() for v in values)
            for neg, name, values in conjunction
            if not neg and name in HOSTS
        ]
        # a HostRegexp only counts when no plain Host narrows the alternative further
        hosts = hosts or [
            {"~" + v for v in values}
            for neg, name, values in conjunction
            if not neg and name == "HostRegexp"
        ]
        host_set = set.intersection(*hosts) if hosts else {"*"}
        paths = [(name, values) for neg, name, values in conjunction if not neg and name in PATHS]
        path_set = (
            {(paths[0][0], v) for v in paths[0][1]}
            if len(paths) == 1
            else ({("PathPrefix", "/")} if not paths else {("Paths", repr(sorted(paths)))})
        )
        others = frozenset(
            _text(neg, name, values)
            for neg, name, values in conjunction
            if neg or name not in HOSTS + PATHS + ("HostRegexp",)
        )
        found |= {(host, kind, path, others) for host in host_set for kind, path in path_set}
    return found


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
