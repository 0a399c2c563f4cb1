"""Validating one resource against one JSON Schema: compiled once, errors turned into
field paths (`spec.template.spec.containers[0].resources.limts: unknown field`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import jsonschema_rs

from infometis.model.fieldpath import field_path


@dataclass(frozen=True)
class Violation:
    path: tuple[str | int, ...]  # inside the resource: keys and list indexes
    message: str


def without_nulls(value: Any) -> Any:
    """The API server treats a null field as an absent one; so does validation. Keys become the
    strings JSON has (YAML's `1:` or `true:` as the API server and kubeconform read them)."""
    if isinstance(value, dict):
        return {
            k if isinstance(k, str) else _json_key(k): without_nulls(v)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def _json_key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)  # true, false, null
    if hasattr(key, "isoformat"):
        return cast(str, key.isoformat())  # an unquoted date
    return str(key)


def encrypted_paths(value: Any, path: tuple[str | int, ...] = ()) -> set[tuple[str | int, ...]]:
    """Where SOPS put ciphertext ("ENC[...]"): never judged, the plaintext type is unknown."""
    if isinstance(value, str):
        return {path} if value.startswith("ENC[") else set()
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    return set().union(*(encrypted_paths(v, (*path, k)) for k, v in items))


def prepared(resource: dict[str, Any]) -> tuple[dict[str, Any], set[tuple[str | int, ...]]]:
    """What is validated: nulls dropped, the SOPS stanza out; and where ciphertext sits."""
    if "sops" not in resource:
        return without_nulls(resource), set()
    resource = {k: v for k, v in resource.items() if k != "sops"}
    return without_nulls(resource), encrypted_paths(resource)


class Schema:
    """A compiled validator and where its schema came from (for `schemas list` and messages)."""

    def __init__(
        self,
        schema: dict[str, Any],
        origin: str,
        registry: jsonschema_rs.Registry | None = None,
        retriever: jsonschema_rs.RetrieverProtocol | None = None,
    ) -> None:
        self.origin = origin
        options: dict[str, Any] = {"registry": registry} if registry is not None else {}
        if retriever is not None:
            options["retriever"] = retriever
        self.validator = jsonschema_rs.validator_for(schema, **options)

    def violations(self, resource: dict[str, Any]) -> list[Violation]:
        instance, encrypted = prepared(resource)
        if self.validator.is_valid(instance):
            return []
        found: list[Violation] = []
        for error in self.validator.iter_errors(instance):
            for violation in _describe(error):
                if not any(violation.path[: len(p)] == p for p in encrypted):
                    found.append(violation)
        return sorted(set(found), key=lambda v: (field_path(v.path), v.message))


def _describe(error: jsonschema_rs.ValidationError) -> list[Violation]:
    path, kind = tuple(error.instance_path), error.kind
    name = type(kind).__name__
    if name == "AdditionalProperties":
        unexpected = cast(jsonschema_rs.ValidationErrorKind.AdditionalProperties, kind).unexpected
        return [Violation((*path, field), "unknown field") for field in unexpected]
    if name == "Required":
        required = cast(jsonschema_rs.ValidationErrorKind.Required, kind).property
        return [Violation((*path, required), "required field is missing")]
    if name == "Type":
        given = cast(jsonschema_rs.ValidationErrorKind.Type, kind).types
        types = [t for t in (given if isinstance(given, list) else [given]) if t != "null"]
        return [Violation(path, f"expected {' or '.join(types)}, found {_found(error.instance)}")]
    return [Violation(path, error.message)]


def _found(value: Any) -> str:
    """What a wrong value is: its type, and the value itself when it is short and scalar."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        dict: "a mapping",
        list: "a list",
    }
    text = names.get(type(value), "null")
    if isinstance(value, (bool, int, float, str)) and len(repr(value)) <= 40:
        text += f" ({value!r})" if not isinstance(value, bool) else f" ({str(value).lower()})"
    return text
