"""Flux postBuild variable substitution: ${var}, ${var:=default}, ${var:-default},
${var=default}, ${var-default}; `$$` is a literal `$` ($${var} the text ${var}). Defaults may nest
(${a:-${b}}). The string functions of Flux's envsubst work too: ${#var}, ${var^}, ${var^^},
${var,}, ${var,,}, ${var:pos}, ${var:pos:len}, ${var#glob}, ${var##glob}, ${var%glob},
${var%%glob}, ${var/old/new}, ${var//old/new}, ${var/#old/new}, ${var/%old/new}.
One pass: a substituted value is never substituted again, so substitution cannot loop."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

UNCLOSED = " (no closing '}')"
TOO_DEEP = " (defaults nested more than 100 deep)"  # MAX_NESTING
VARIABLE_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_REFERENCE = re.compile(r"^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])(.*))?$", re.DOTALL)


@dataclass
class Outcome:
    text: str
    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


_FUNCTION = re.compile(
    r"^(#)?([_a-zA-Z][_a-zA-Z0-9]*)(\^\^|\^|,,|,|:(?=[0-9])|##|#|%%|%|//|/#|/%|/)(.*)$", re.DOTALL
)


def _substring(value: str, argument: str) -> str:
    """${var:pos} and ${var:pos:len}, as Flux's envsubst computes them."""
    parts = argument.split(":")
    if not parts[0].isdigit():
        return value
    position = int(parts[0])
    if len(parts) == 1:
        return value[position:]
    if not parts[1].isdigit():
        return value
    length = int(parts[1])
    return "" if position + length >= len(value) else value[position : position + length]


def _trim_prefix(value: str, glob: str, longest: bool) -> str:
    ends = range(len(value), 0, -1) if longest else range(1, len(value) + 1)
    for end in ends:
        if fnmatch.fnmatchcase(value[:end], glob):
            return value[end:]
    return value


def _replace(value: str, operator: str, argument: str) -> str:
    old, _, new = argument.partition("/")
    if operator == "//":
        return value.replace(old, new)
    if operator == "/#":
        return new + value[len(old) :] if value.startswith(old) else value
    if operator == "/%":
        return value[: len(value) - len(old)] + new if old and value.endswith(old) else value
    return value.replace(old, new, 1)


_FUNCTIONS: dict[str, Callable[[str, str], str]] = {
    "^": lambda v, _: v[:1].upper() + v[1:],
    "^^": lambda v, _: v.upper(),
    ",": lambda v, _: v[:1].lower() + v[1:],
    ",,": lambda v, _: v.lower(),
    ":": _substring,
    "#": lambda v, a: _trim_prefix(v, a, False),
    "##": lambda v, a: _trim_prefix(v, a, True),
    "%": lambda v, a: _trim_prefix(v[::-1], a[::-1], False)[::-1],
    "%%": lambda v, a: _trim_prefix(v[::-1], a[::-1], True)[::-1],
}


def _function(reference: str, variables: dict[str, str], outcome: Outcome) -> str | None:
    """A string function applied to a variable; None when `reference` is none of them."""
    match = _FUNCTION.match(reference)
    if match and match[1] and (match[3] or match[4]):
        return None  # ${#var} takes nothing after the name
    if not match:
        length = re.fullmatch(r"#([_a-zA-Z][_a-zA-Z0-9]*)", reference)
        if not length:
            return None
        value = variables.get(length[1])
        if value is None:
            outcome.missing.append(length[1])
        return str(len(value or ""))
    _, name, operator, argument = match.groups()
    value = variables.get(name)
    if value is None:
        outcome.missing.append(name)
        return ""
    if operator.startswith("/"):
        return _replace(value, operator, argument)
    return _FUNCTIONS[operator](value, argument)


MAX_NESTING = 100  # defaults inside defaults: real manifests nest two or three


def _resolve(reference: str, variables: dict[str, str], outcome: Outcome, depth: int = 0) -> str:
    match = _REFERENCE.match(reference)
    if not match:
        applied = _function(reference, variables, outcome)
        if applied is not None:
            return applied
        outcome.invalid.append("${" + reference + "}")
        return "${" + reference + "}"
    name, operator, default = match.groups()
    value = variables.get(name)
    if operator is None:
        if value is None:
            outcome.missing.append(name)
            return ""
        return value
    unset = value is None or (operator.startswith(":") and value == "")
    if not unset:
        return cast(str, value)  # not None: `unset` says so
    if depth >= MAX_NESTING:
        outcome.invalid.append("${" + reference[:40] + TOO_DEEP)
        return "${" + reference + "}"
    nested = substitute(default, variables, depth + 1)  # a default may itself hold ${...}
    outcome.missing += nested.missing
    outcome.invalid += nested.invalid
    return nested.text


def _closing_brace(text: str, start: int) -> int:
    """The index of the '}' that closes the '${' at `start`, counting nested '${'; -1 if none."""
    depth, position = 0, start
    while position < len(text):
        if text.startswith("${", position):
            depth, position = depth + 1, position + 2
            continue
        if text[position] == "}":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    return -1


def substitute(text: str, variables: dict[str, str], depth: int = 0) -> Outcome:
    """envsubst as Flux runs it: `${...}` is replaced, `$$` is a literal `$` (so `$${var}` is the
    text `${var}`), and a `$` before anything else, `$var` included, stays as written."""
    outcome = Outcome("")
    parts: list[str] = []
    position = 0
    while True:
        start = text.find("$", position)
        if start < 0:
            parts.append(text[position:])
            break
        if text.startswith("$$", start):
            parts.append(text[position : start + 1])
            position = start + 2
            continue
        if not text.startswith("${", start):
            parts.append(text[position : start + 1])
            position = start + 1
            continue
        end = _closing_brace(text, start)
        if end < 0:
            outcome.invalid.append(text[start : start + 40].splitlines()[0] + UNCLOSED)
            parts.append(text[position:])
            break
        parts.append(text[position:start])
        parts.append(_resolve(text[start + 2 : end], variables, outcome, depth))
        position = end + 1
    outcome.text = "".join(parts)
    return outcome
