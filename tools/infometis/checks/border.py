"""border — a core base (apps/<service>/base) knows nothing of where it runs.

The base holds no route (Ingress, Traefik IngressRoute/IngressRouteTCP/IngressRouteUDP, any
Gateway API kind), no exposure (a `type: LoadBalancer` or `NodePort`, as a Service's or a
Helm chart's service type; `nodePort`, `externalIPs`, `loadBalancerIP`; a chart's
`ingress.enabled: true`), no hostname and no environment name. The base is judged by its own
files: every YAML file under apps/<service>/base/ and every file its kustomization reads
(generator inputs line by line), never by renders, so an overlay cannot hide a base problem.

Hostnames are, in any string but image references (`image` fields, kustomize `images`):
- the value of a `host`, `hosts`, `hostname` or `hostnames` field that is a dotted DNS name
  and not an in-cluster one (in-cluster: ending in .svc, .cluster.local or .local, or a last
  label that is no top-level domain — it holds a digit or a '-', as in kafka-0.kafka-headless
  — or that names a namespace or a Service of the repository);
- a Traefik match `Host(`…`)`, `HostSNI(`…`)` or `HostRegexp(`…`)` (other than `*`);
- `${domain}`, or a name under a platform domain: each cluster's cluster-settings `domain`,
  the parent domain two clusters share, and the `domains` option. Other names
  (http://elasticsearch:9200, https://grafana.github.io) are left alone.

Environment names are each cluster's cluster-settings `environment` (and the `environments`
option), as a whole word, any case (kafka-dev, DEV; not development), in keys and values,
and `${environment}`; not in file paths (/dev/shm), inside a hostname already reported, or as
a top-level domain (the .dev of https://grafana.dev).

Options (`checks.border` in .infometis.yaml): `domains`, `environments` (lists of more).

PASS::

    # apps/kafka/base/services.yaml
    kind: Service
    spec:
      type: ClusterIP          # the border exposes it, in apps/kafka/border or infrastructure/

FAIL::

    # apps/kafka/base/services.yaml
    kind: Service
    metadata:
      labels:
        environment: dev       # names the environment dev
    spec:
      type: NodePort           # exposes the core outside the cluster
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infometis.checks import border_words as words
from infometis.discover.closure import YAML_SUFFIXES, walk
from infometis.load.config import STRING_LIST
from infometis.model import ERROR, Document, Location, Problem, ResourceId, layout
from infometis.model.fieldpath import field_path

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ID = "border"
LEVEL = ERROR
# The schema of this check's options in .infometis.yaml (checked when the file is read).
OPTIONS = {"domains": STRING_LIST, "environments": STRING_LIST}

ROUTE_KINDS = {"Ingress", "IngressRoute", "IngressRouteTCP", "IngressRouteUDP"}
ROUTE_GROUPS = {"gateway.networking.k8s.io", "gateway.networking.x-k8s.io"}
EXPOSED_TYPES = {"LoadBalancer", "NodePort"}
EXPOSURE_FIELDS = {"nodePort", "nodePorts", "externalIPs", "loadBalancerIP"}
CHART_ROUTES = {"ingress", "httproute", "route"}  # Helm values that make a chart route


def check(run: RepoRun) -> Iterator[Problem]:
    return (problem for problem, _ in findings(run))


def hostnames(run: RepoRun) -> list[tuple[Problem, str]]:
    """Each hostname written in a core base, with the problem saying so."""
    return [(problem, host) for problem, host in findings(run) if host]


def findings(run: RepoRun) -> Iterator[tuple[Problem, str | None]]:
    """(problem, the hostname it is about, else None) of every file of every core base."""
    bases = layout.bases(run.repo)
    if not bases:  # not this layout: nothing to judge
        return
    context = words.context(run, run.config.options(ID))
    seen: set[Path] = set()
    for base in bases:
        service = base.parent.name
        for path, as_text in _files(run, base):
            if path in seen or run.config.is_excluded(run.cache.relative(path)):
                continue
            seen.add(path)
            if as_text:
                yield from _text_file(run, path, service, context)
            else:
                for document in run.cache.load(path).documents:
                    yield from _document(run, document, service, context)


def _files(run: RepoRun, base: Path) -> list[tuple[Path, bool]]:
    """What the base defines: its own YAML files and its kustomization's closure; generator
    inputs (read as text) flagged True."""
    closure = walk(base, run.cache)
    found = {path: False for path in closure.manifests}
    found |= {path: True for path in closure.files - closure.manifests}
    found |= {
        path: False
        for path in base.rglob("*")
        if path.suffix in YAML_SUFFIXES and path not in found
    }
    return sorted((path, text) for path, text in found.items() if path.is_file())


def _nodes(
    node: Any, path: tuple[Any, ...] = (), key: str = ""
) -> Iterator[tuple[tuple[Any, ...], str, Any]]:
    """(path, key, value) of every node; a list item's key is its list's."""
    yield path, key, node
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _nodes(value, path + (name,), str(name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, path + (index,), key)


def _document(
    run: RepoRun, document: Document, service: str, context: words.Context
) -> Iterator[tuple[Problem, str | None]]:
    data = document.data
    if not isinstance(data, dict):
        return
    rid = ResourceId.of(data)
    resource = str(rid) if rid.kind and rid.name else None
    if rid.kind in ROUTE_KINDS or rid.group in ROUTE_GROUPS:
        yield (
            _problem(
                document.location(),
                f"{rid.kind} {rid.name} routes traffic, in the core base of {service}",
                f"routes belong to the border: move it to apps/{service}/border/, the Component "
                "that environment overlays include",
                resource,
            ),
            None,
        )
    for path, key, value in _nodes(data):
        for message, needle, hint, host in _findings(path, key, value, service, context):
            where = _value_location(run, document, path, value, needle, context)
            yield (
                _problem(
                    where,
                    f"{field_path(path)}: {message} in the core base of {service}",
                    hint,
                    resource,
                ),
                host,
            )


def _findings(
    path: tuple[Any, ...], key: str, value: Any, service: str, context: words.Context
) -> Iterator[tuple[str, str | None, str, str | None]]:
    """(message, needle, hint, hostname or None) for one node; at most one hostname and one
    environment name."""
    exposure = (
        "exposure belongs to the border: keep the core's Services ClusterIP; "
        f"route from apps/{service}/border/"
    )
    if key == "type" and isinstance(value, str) and value in EXPOSED_TYPES:
        yield f"{value} exposes the service outside the cluster", None, exposure, None
    elif key in EXPOSURE_FIELDS and path[-1] == key and value not in (None, "", [], {}):
        yield f"{key} exposes the service outside the cluster", None, exposure, None
    elif (
        key.lower() in CHART_ROUTES
        and path[-1] == key
        and isinstance(value, dict)
        and value.get("enabled") is True
    ):
        yield "the chart's route is enabled", None, exposure, None
    if isinstance(value, dict):
        for name in value:
            found = words.environment(str(name), context)
            if found:
                yield (
                    f"the key '{name}' names the environment {found}",
                    None,
                    _environment_hint(service),
                    None,
                )
    if not isinstance(value, str) or words.is_image(path, key):
        return
    host = words.hostname(key, value, context)
    if host:
        yield (
            f"'{host}' is a hostname",
            host,
            (
                f"hostnames belong to the border: set it in apps/{service}/border/ "
                "(Traefik routes take the host from ${domain})"
            ),
            host,
        )
    found = words.environment(value, context, host)
    if found:
        yield (
            f"'{words.excerpt(value, found)}' names the environment {found}",
            found,
            _environment_hint(service),
            None,
        )


def _environment_hint(service: str) -> str:
    return (
        f"the core is the same in every environment: set what differs in the overlays "
        f"(apps/{service}/<environment>/), from allowed environment fields"
    )


def _value_location(
    run: RepoRun,
    document: Document,
    path: tuple[Any, ...],
    value: Any,
    needle: str | None,
    context: words.Context,
) -> Location:
    """The field's line; inside a literal block, the line holding `needle`."""
    where = document.location(path)
    if not (isinstance(value, str) and needle and "\n" in value and where.line):
        return where
    offset = value.lower().find(needle.lower())
    line = where.line + 1 + value[: max(offset, 0)].count("\n")
    lines = _lines(run, document.file, context)
    if 0 < line <= len(lines) and needle.lower() in lines[line - 1].lower():
        return Location(where.file, line, None)
    return where


def _lines(run: RepoRun, relative: str, context: words.Context) -> list[str]:
    if relative not in context.lines:
        try:
            context.lines[relative] = (run.repo / relative).read_text(errors="replace").splitlines()
        except OSError:
            context.lines[relative] = []
    return context.lines[relative]


def _text_file(
    run: RepoRun, path: Path, service: str, context: words.Context
) -> Iterator[tuple[Problem, str | None]]:
    """A generator input (properties, env files, JSON, ...): judged line by line."""
    relative = run.cache.relative(path)
    for number, text in enumerate(_lines(run, relative, context), start=1):
        host = words.hostname("", text, context)
        if host:
            yield (
                _problem(
                    Location(relative, number, None),
                    f"'{host}' is a hostname in the core base of {service}",
                    f"hostnames belong to the border: set it in apps/{service}/border/",
                    None,
                ),
                host,
            )
        found = words.environment(text, context, host)
        if found:
            yield (
                _problem(
                    Location(relative, number, None),
                    f"'{words.excerpt(text, found)}' names the environment {found} "
                    f"in the core base of {service}",
                    _environment_hint(service),
                    None,
                ),
                None,
            )


def _problem(where: Location, message: str, hint: str, resource: str | None) -> Problem:
    return Problem.at(ID, LEVEL, message, where, resource=resource, hint=hint)
