"""Rewriting JSON Schemas subschema by subschema, never mistaking a property named
"title" or "properties" for the keyword."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_ONE = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
)
_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")


def rewrite(schema: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """`change` applied to every subschema, innermost first."""
    if not isinstance(schema, dict):
        return schema
    node = dict(schema)
    for key in _MAPS:
        if isinstance(node.get(key), dict):
            node[key] = {name: rewrite(sub, change) for name, sub in node[key].items()}
    for key in _ONE:
        if isinstance(node.get(key), dict):
            node[key] = rewrite(node[key], change)
    for key in _LISTS:
        if isinstance(node.get(key), list):
            node[key] = [rewrite(sub, change) for sub in node[key]]
    return change(node)
