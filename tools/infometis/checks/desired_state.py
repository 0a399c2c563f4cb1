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
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol, cast

from infometis.analysis.written import TextAnchor, text_anchor
from infometis.checks.once import said_once
from infometis.model import ERROR, WARNING, Level, Location, Problem, as_list, layout

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
    positions = _positions(text)
    for message, path in _violations(schema, payload):
        yield problem(
            f"data.{key} ({kind}): {message}",
            _place(anchor, text, positions, path),
            hint=f"see the {kind} schema: infometis/data/desired-state/{kind}.schema.json",
        )
    for path, name, first in _duplicates(payload):
        yield problem(
            f"data.{key} ({kind}): {path[0]}[{path[1]}].name '{name}' "
            f"is already used by {path[0]}[{first}]",
            _place(anchor, text, positions, path),
            hint="keep one entry per name",
        )
    yield from _dropped(run, resource, key, payload, anchor, problem)


def _fallback(run: RepoRun, resource: Resource, key: str) -> TextAnchor:
    where = run.locate(resource, ("data", key))
    return TextAnchor(where.file or "", where.line or 1, where.column or 1)


def _violations(schema: dict[str, Any], payload: Any) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(message, path) of each schema error; missing fields said once per object."""
    # (only a repository with desired-state objects pays for it; no stubs are installed)
    import jsonschema  # type: ignore[import-untyped, unused-ignore]

    missing: dict[tuple[Any, ...], list[str]] = {}
    for error in sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(payload),
        key=lambda e: list(map(str, e.path)),
    ):
        path = tuple(error.absolute_path)
        if error.validator == "required":
            fields = [
                f
                for f in error.validator_value
                if isinstance(error.instance, dict) and f not in error.instance
            ]
            missing.setdefault(path, []).extend(f for f in fields if f not in missing.get(path, []))
        elif error.validator == "type":
            expected = " or ".join(as_list(error.validator_value) or [str(error.validator_value)])
            yield (
                f"{_path(path, payload) or 'the document'}: is {_json_type(error.instance)}, "
                f"expected {expected}",
                path,
            )
        elif error.validator == "anyOf" and all(
            set(s) == {"required"} for s in error.validator_value
        ):
            choices = " or ".join(field for s in error.validator_value for field in s["required"])
            yield f"{_path(path, payload) or 'the document'}: needs {choices}", path
        elif error.validator in ("additionalProperties", "unevaluatedProperties"):
            for field in re.findall(r"'([^']*)'", error.message.split("(", 1)[-1]):
                yield f"{_path(path + (field,), payload)}: unknown field", path + (field,)
        elif error.validator == "not" and error.schema.get("description"):
            yield f"{_path(path, payload)}: {error.schema['description']}", path
        else:
            yield f"{_path(path, payload) or 'the document'}: {error.message}", path
    for path, fields in missing.items():
        yield f"{_path(path, payload) or 'the document'}: missing {', '.join(fields)}", path


def _json_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
        type(None): "null",
    }
    return (
        f"{names.get(type(value), 'a value')} {json.dumps(value)[:40]}"
        if not isinstance(value, (dict, list))
        else names[type(value)]
    )


def _path(path: tuple[Any, ...], payload: Any) -> str:
    """topics[1].partitions, with the entry's name when it has one:
    topics[1] (events.clean).partitions."""
    text, node = "", payload
    for part in path:
        node = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None
        if isinstance(part, int):
            text += f"[{part}]" + (
                f" ({node['name']})"
                if isinstance(node, dict) and isinstance(node.get("name"), str)
                else ""
            )
        else:
            text += ("." if text else "") + str(part)
    return text


def _has(node: Any, part: Any) -> bool:
    return (
        part in node if isinstance(node, dict) else isinstance(part, int) and 0 <= part < len(node)
    )


def _duplicates(payload: Any) -> Iterator[tuple[tuple[Any, int, str], str, int]]:
    """(path, name, index of its first use) of each name used twice in a top-level list."""
    for list_key, entries in payload.items() if isinstance(payload, dict) else ():
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name in seen:
                yield (list_key, index, "name"), name, seen[name]
            elif isinstance(name, str):
                seen[name] = index


def _names(payload: Any) -> set[tuple[str, str]]:
    """(list, name) of every named entry of the document's top-level lists."""
    if not isinstance(payload, dict):
        return set()
    return {
        (list_key, entry["name"])
        for list_key, entries in payload.items()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    }


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
    dropped = sorted(_names(base) - _names(payload))
    if dropped:
        names = ", ".join(f"{list_key}[{name}]" for list_key, name in dropped)
        yield problem(
            f"data.{key}: this payload replaces the one of {origin} and drops {names}",
            Location(anchor.file, anchor.line, anchor.column),
            WARNING,
            hint="keep the base's entries in the replacement, or remove them from the base",
        )


def _place(
    anchor: TextAnchor, text: str, positions: dict[tuple[Any, ...], int], path: tuple[Any, ...]
) -> Location:
    """The YAML place of `path` inside the JSON document (its deepest part that exists)."""
    for depth in range(len(path), -1, -1):
        if path[:depth] in positions:
            offset = positions[path[:depth]]
            line = text.count("\n", 0, offset) + 1
            return anchor.at(line, offset - text.rfind("\n", 0, offset))
    return anchor.at(1, 1)


def _positions(text: str) -> dict[tuple[Any, ...], int]:
    """The offset of every path of a valid JSON text: where each key, or list item, starts."""
    positions: dict[tuple[Any, ...], int]
    decoder, positions = json.JSONDecoder(), {}

    def skip(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def value(i: int, path: tuple[Any, ...]) -> int:
        i = skip(i)
        positions.setdefault(path, i)
        if text[i] in "{[":
            closing, index = ("}" if text[i] == "{" else "]"), 0
            i = skip(i + 1)
            while text[i] != closing:
                if closing == "}":
                    # (json.decoder.scanstring exists, but typeshed does not declare it)
                    name, end = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                    positions[path + (name,)] = i
                    i = value(skip(end) + 1, path + (name,))
                else:
                    i = value(i, path + (index,))
                    index += 1
                i = skip(i)
                i = skip(i + 1) if text[i] == "," else i
            return i + 1
        return decoder.raw_decode(text, i)[1]

    try:
        value(0, ())
    except (ValueError, IndexError, RecursionError):
        pass  # positions found so far still serve
    return positions
