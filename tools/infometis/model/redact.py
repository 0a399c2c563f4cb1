"""No output of any command holds a value that came from a Secret: not a Secret's own data, not
a value substituted from one, not an object a tool prints in its error message.

A value is replaced by a salted mark, the same within one run for the same value (a changed
value shows as changed in a diff) and never the same across runs (nothing can be guessed
from it). A Secret's own values are always replaced, whatever their length. Elsewhere (a
value substituted into another resource, a tool's message, any output text) values are
searched for when they have at least MIN_LENGTH characters: shorter ones ("shop", "admin")
are ordinary words that file names and messages hold too, and hiding them would hide those.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import re
import secrets
from typing import Any

MIN_LENGTH = 8
_SALT = secrets.token_bytes(16)
# Go's %#v of a map, as kustomize prints an object it cannot serialise
_GO_MAP = re.compile(r"map\[[^\]]*\](?:interface \{\}|string|any)\{")
_GO_FIELD = re.compile(r'"(kind|name)":"([^"\\]{1,253})"')


def mark(value: str) -> str:
    return f"<redacted {hashlib.sha256(_SALT + value.encode()).hexdigest()[:8]}>"


def is_secret(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "Secret"
        and str(data.get("apiVersion", "")).startswith("v1")
    )


def _decoded(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def secret_values(data: Any) -> set[str]:
    """The values a Secret holds: as written, and decoded where `data` holds base64."""
    if not is_secret(data):
        return set()
    found: set[str] = set()
    for field in ("data", "stringData"):
        values = data.get(field)
        for value in values.values() if isinstance(values, dict) else ():
            text = str(value)
            found.add(text)
            decoded = _decoded(text) if field == "data" else None
            found |= {decoded} if decoded else {base64.b64encode(text.encode()).decode()}
    return {value for value in found if len(value) >= MIN_LENGTH}


def redacted_secret(data: dict[str, Any]) -> dict[str, Any]:
    """A Secret with its keys but never its values; anything else as it is."""
    if not is_secret(data):
        return data
    data = copy.deepcopy(data)
    for field in ("data", "stringData"):
        values = data.get(field)
        if isinstance(values, dict):
            data[field] = {key: mark(str(value)) for key, value in values.items()}
    return data


def hideable(values: set[str]) -> set[str]:
    """Values long enough to hide, with their base64 (a generated Secret's data holds that)."""
    long_enough = {value for value in values if len(value) >= MIN_LENGTH}
    return long_enough | {base64.b64encode(value.encode()).decode() for value in long_enough}


def scrub(text: str, values: set[str] | frozenset[str]) -> str:
    """`text` with every occurrence of `values` (longest first) replaced by its mark."""
    for value in sorted((v for v in values if v in text), key=len, reverse=True):
        text = text.replace(value, mark(value))
    return text


def _dump_end(message: str, start: int) -> int:
    """The index after the brace closing the Go map that opens at `start`."""
    depth, quoted, index = 0, False, start
    while index < len(message):
        char = message[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(message)


def without_objects(message: str) -> str:
    """A tool's message with each object it printed whole (Go's map dump) replaced by its kind
    and name: the object's values, a Secret's among them, are never shown."""
    while match := _GO_MAP.search(message):
        end = _dump_end(message, match.end() - 1)
        fields = dict(_GO_FIELD.findall(message[match.start() : end]))
        named = " ".join(fields[key] for key in ("kind", "name") if key in fields)
        message = (
            message[: match.start()]
            + f"<{named or 'an object'}, its content left out>"
            + message[end:]
        )
    return message
