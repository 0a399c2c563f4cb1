"""What a kustomize patch sets, as field paths: tuples of keys and list indexes (ints; '-'
for a JSON 6902 append), judged by fieldpath.under against allowedEnvironmentFields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infometis.model.fieldpath import pointer_path

# Set by kustomize and the API to say *which* object or list item a patch means, not to change
# it.
IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}
MERGE_KEYS = {"name", "containerPort", "port", "mountPath", "devicePath", "ip"}


def touched(patch: Any) -> list[tuple[tuple[str | int, ...], tuple[str | int, ...]]]:
    """(field path set, path of that statement inside the patch) for a JSON 6902 list of
    operations or a strategic-merge patch; what cannot be read sets nothing."""
    if isinstance(patch, list):
        return [
            found
            for index, op in enumerate(patch)
            if isinstance(op, dict)
            for found in _operation(index, op)
        ]
    if isinstance(patch, dict):
        return [(path, path) for path in _leaves(patch, ()) if path not in IDENTITY]
    return []


def _operation(
    index: int, op: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], tuple[str | int, ...]]]:
    keys = {"test": (), "move": ("from", "path")}.get(str(op.get("op")), ("path",))
    return [(pointer_path(op[key]), (index, key)) for key in keys if isinstance(op.get(key), str)]


def _leaves(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """The paths a strategic-merge patch sets: its leaves; a `$patch` directive sets its own
    path."""
    if isinstance(node, dict) and node:
        if node.get("$patch") in ("delete", "replace"):
            yield path
            return
        in_list = bool(path) and isinstance(path[-1], int)
        for key, value in node.items():
            if str(key).startswith("$") or (in_list and key in MERGE_KEYS and len(node) > 1):
                continue  # directives, and the merge key that names the list item
            yield from _leaves(value, path + (key,))
    elif isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
        for index, item in enumerate(node):
            yield from _leaves(item, path + (index,))
    else:
        yield path
