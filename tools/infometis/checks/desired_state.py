"""desired-state — desired-state ConfigMaps hold a valid JSON document of a known type.

Services are configured through ConfigMaps labelled `infometis.config-type` (and
`infometis.component`): one data key holds a JSON document that the service's reconciler
converges on. Each rendered one, per cluster, must have both labels, a known type (one per
schema shipped in infometis/data/desired-state/<type>.schema.json: flows, indices, topics),
exactly one data key, a value that parses as JSON (the parse error's line is mapped into
the YAML file) and matches the type's schema; names within a list are unique. Errors.

An overlay that replaces the payload of a base's ConfigMap (apps/<service>/base/) and
leaves out entries the base defines (by `name`) gets a warning naming them: dropping a
topic or a flow in one environment is rarely what a patch meant to do.

PASS::

    metadata:
      name: kafka-topics-desired
      labels: {infometis.component: kafka, infometis.config-type: topics}
    data:
      topics.json: |
        {"topics": [{"name": "events.raw", "partitions": 12, "replicationFactor": 3,
                     "config": {"retention.ms": "604800000"}}]}

FAIL::

    data:
      topics.json: |
        {"topics": [{"name": "events.raw", "partitions": 0}]}   # partitions < 1; no replicationFactor, config
"""  # noqa: E501 (the text `infometis explain` prints, kept as it is)

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol, cast

from infometis.analysis.written import TextAnchor, text_anchor
from infometis.checks import desired_payload
from infometis.checks.once import said_once
from infometis.model import ERROR, WARNING, Level, Location, Problem, layout

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import Rendered, RepoRun

    class Reporter(Protocol):
        """A problem of the ConfigMap judged."""

        def __call__(
            self, message: str, where: Location, level: Level = ..., hint: str | None = ...
        ) -> Problem: ...


ID = "desired-state"
LEVEL = ERROR
TYPE_LABEL, COMPONENT_LABEL = "infometis.config-type", "infometis.component"


@cache
def schemas() -> dict[str, dict[str, Any]]:
    """The shipped schema of each config type, by type."""
    folder = resources.files("infometis").joinpath("data/desired-state")
    return {
        item.name.removesuffix(".schema.json"): json.loads(item.read_text())
        for item in folder.iterdir()
        if item.name.endswith(".schema.json")
    }


def check(run: RepoRun) -> Iterator[Problem]:
    return said_once(run, _problems(run))


def _problems(run: RepoRun) -> Iterator[Problem]:
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                if (
                    resource.id.kind == "ConfigMap"
                    and not resource.id.group
                    and TYPE_LABEL in _labels(resource)
                ):
                    yield from _judge(run, rendered, resource)


def _labels(resource: Resource) -> dict[str, Any]:
    metadata = resource.data.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}


def _judge(run: RepoRun, rendered: Rendered, resource: Resource) -> Iterator[Problem]:
    def problem(
        message: str, where: Location, level: Level = ERROR, hint: str | None = None
    ) -> Problem:
        return Problem.at(
            ID, level, message, where, cluster=rendered.target, resource=str(resource.id), hint=hint
        )

    labels, kind = _labels(resource), str(_labels(resource)[TYPE_LABEL])
    if not labels.get(COMPONENT_LABEL):
        yield problem(
            f"label {COMPONENT_LABEL} is missing: it names the service whose reconciler reads this",
            run.locate(resource, ("metadata", "labels")),
            hint=f"add {COMPONENT_LABEL}: <service>",
        )
    schema = schemas().get(kind)
    if schema is None:
        yield problem(
            f"{TYPE_LABEL} '{kind}' is unknown (known: {', '.join(sorted(schemas()))})",
            run.locate(resource, ("metadata", "labels", TYPE_LABEL)),
            hint="use one of the known types",
        )
        return
    data = cast(
        "dict[str, Any]",
        resource.data.get("data") if isinstance(resource.data.get("data"), dict) else {},
    )
    if len(data) != 1:
        found = f"{len(data)} ({', '.join(map(str, data))})" if data else "none"
        yield problem(
            "a desired-state ConfigMap holds its JSON document in exactly one data key, "
            f"found {found}",
            run.locate(resource, ("data",)),
            hint=f"keep one key, e.g. {kind}.json",
        )
        return
    key, text = next(iter(data.items()))
    if not isinstance(text, str):
        return
    anchor = text_anchor(run, rendered, resource, ("data", key), text) or _fallback(
        run, resource, key
    )
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as err:
        yield problem(
            f"data.{key} is not valid JSON: {err.msg} "
            f"(line {err.lineno}, column {err.colno} of the document)",
            anchor.at(err.lineno, err.colno),
            hint="fix the JSON document (a trailing comma, a missing quote...)",
        )
        return
    positions = desired_payload.positions(text)
    for message, path in desired_payload.violations(schema, payload):
        yield problem(
            f"data.{key} ({kind}): {message}",
            desired_payload.place(anchor, text, positions, path),
            hint=f"see the {kind} schema: infometis/data/desired-state/{kind}.schema.json",
        )
    for path, name, first in desired_payload.duplicates(payload):
        yield problem(
            f"data.{key} ({kind}): {path[0]}[{path[1]}].name '{name}' "
            f"is already used by {path[0]}[{first}]",
            desired_payload.place(anchor, text, positions, path),
            hint="keep one entry per name",
        )
    yield from _dropped(run, resource, key, payload, anchor, problem)


def _fallback(run: RepoRun, resource: Resource, key: str) -> TextAnchor:
    where = run.locate(resource, ("data", key))
    return TextAnchor(where.file or "", where.line or 1, where.column or 1)


def _dropped(
    run: RepoRun,
    resource: Resource,
    key: str,
    payload: Any,
    anchor: TextAnchor,
    problem: Reporter,
) -> Iterator[Problem]:
    """A warning when an overlay replaced the base's payload and left out some of its entries."""
    origin = run.cache.relative(resource.origin) if resource.origin else ""
    document = run.document(resource)
    if layout.core_service(origin) is None or document is None:
        return
    base_text = ((document.data.get("data") or {}) if isinstance(document.data, dict) else {}).get(
        key
    )
    if not isinstance(base_text, str) or base_text == resource.data["data"][key]:
        return
    try:
        base = json.loads(base_text)
    except json.JSONDecodeError:
        return
    dropped = sorted(desired_payload.names(base) - desired_payload.names(payload))
    if dropped:
        names = ", ".join(f"{list_key}[{name}]" for list_key, name in dropped)
        yield problem(
            f"data.{key}: this payload replaces the one of {origin} and drops {names}",
            Location(anchor.file, anchor.line, anchor.column),
            WARNING,
            hint="keep the base's entries in the replacement, or remove them from the base",
        )
