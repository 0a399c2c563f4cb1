"""Flux postBuild variable substitution: ${var}, ${var:=default}, ${var:-default},
${var=default}, ${var-default}, and $${var} for a literal ${var}. Defaults may nest
(${a:-${b}}). One pass: a substituted value is never substituted again, so
substitution cannot loop."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VARIABLE_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_REFERENCE = re.compile(r"^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])(.*))?$", re.DOTALL)


@dataclass
class Outcome:
    text: str
    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def _resolve(reference: str, variables: dict[str, str], outcome: Outcome) -> str:
    match = _REFERENCE.match(reference)
    if not match:
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
        return value
    nested = substitute(default, variables)  # a default may itself hold ${...}
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


def substitute(text: str, variables: dict[str, str]) -> Outcome:
    outcome = Outcome("")
    parts: list[str] = []
    position = 0
    while True:
        start = text.find("${", position)
        if start < 0:
            parts.append(text[position:])
            break
        if start > 0 and text[start - 1] == "$":  # $${var} is the literal ${var}
            parts.append(text[position:start - 1] + "${")
            position = start + 2
            continue
        end = _closing_brace(text, start)
        if end < 0:
            outcome.invalid.append(text[start:start + 40].splitlines()[0] + " (no closing '}')")
            parts.append(text[position:])
            break
        parts.append(text[position:start])
        parts.append(_resolve(text[start + 2:end], variables, outcome))
        position = end + 1
    outcome.text = "".join(parts)
    return outcome
