"""The JSON document of a desired-state ConfigMap as plain data: its schema errors in words,
the names used twice or present in its top-level lists, and where each of its paths starts
in the text (the YAML place a problem points at)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from infometis.model import Location, as_list

if TYPE_CHECKING:
    from infometis.analysis.written import TextAnchor


def violations(schema: dict[str, Any], payload: Any) -> Iterator[tuple[str, tuple[Any, ...]]]:
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


def duplicates(payload: Any) -> Iterator[tuple[tuple[Any, int, str], str, int]]:
    """(path, name, index of its first use) of each name used twice in a top-level list."""
    for list_key, entries in payload.items() if isinstance(payload, dict) else ():
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name in seen:
                yield (list_key, index, "name"), name, seen[name]
            elif isinstance(name, str):
                seen[name] = index


def names(payload: Any) -> set[tuple[str, str]]:
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


def place(
    anchor: TextAnchor, text: str, positions: dict[tuple[Any, ...], int], path: tuple[Any, ...]
) -> Location:
    """The YAML place of `path` inside the JSON document (its deepest part that exists)."""
    for depth in range(len(path), -1, -1):
        if path[:depth] in positions:
            offset = positions[path[:depth]]
            line = text.count("\n", 0, offset) + 1
            return anchor.at(line, offset - text.rfind("\n", 0, offset))
    return anchor.at(1, 1)


def positions(text: str) -> dict[tuple[Any, ...], int]:
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
