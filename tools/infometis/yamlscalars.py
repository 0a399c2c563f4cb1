"""What a plain (unquoted) YAML scalar means, as kustomize and Flux read it (Go's yaml.v3),
not as PyYAML's YAML 1.1 does: `yes`/`on` are strings, `1e3`, `0o17` and `1_000` are numbers,
a date is text (kustomize writes a valid one back as an RFC 3339 string and keeps an invalid
one such as `2023-02-29` as written), an integer past 64 bits is a float."""

from __future__ import annotations

import math
import re

import yaml
from yaml.nodes import ScalarNode

STR, INT, FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
BOOL, NULL, MERGE = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"
_WORDS = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), NULL),
    **dict.fromkeys(("true", "True", "TRUE", "false", "False", "FALSE"), BOOL),
    **dict.fromkeys((".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                     "-.inf", "-.Inf", "-.INF"), FLOAT),
    "<<": MERGE,
}
_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INT64 = 1 << 63


def go_int(text: str) -> int | None:
    """The integer Go's strconv.ParseInt(s, 0, 64), then ParseUint, reads (underscores dropped)."""
    match = _INT.fullmatch(text.replace("_", ""))
    if not match:
        return None
    sign, digits = match.groups()
    if digits[:2].lower() in ("0x", "0o", "0b"):
        value = int(digits, 0)
    else:
        value = int(digits, 8) if digits.startswith("0") else int(digits)
    value = -value if sign == "-" else value
    if -_INT64 <= value < _INT64 or (not sign and value < 1 << 64):
        return value
    return None


def go_float(text: str) -> float | None:
    plain = text.replace("_", "")
    if not (_FLOAT.fullmatch(plain) or (text.startswith(".") and _FLOAT.fullmatch(text))):
        return None
    value = float(plain)
    return None if math.isinf(value) else value  # Go refuses what overflows: the text stays a string


def plain_tag(value: str) -> str:
    """The tag yaml.v3 gives a plain scalar (timestamps are left as text)."""
    word = _WORDS.get(value)
    if word:
        return word
    if not value or value[0] not in "+-.0123456789":
        return STR
    if go_int(value) is not None:
        return INT
    return FLOAT if go_float(value) is not None else STR


class GoResolver(yaml.resolver.BaseResolver):
    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            return plain_tag(value)
        return super().resolve(kind, value, implicit)


def _construct_int(loader, node):
    value = go_int(loader.construct_scalar(node))
    return value if value is not None else loader.construct_scalar(node)


def _construct_float(loader, node):
    text = loader.construct_scalar(node)
    word = text.lower().lstrip("+")
    if word in (".inf", "-.inf"):
        return -math.inf if word.startswith("-") else math.inf
    if word == ".nan":
        return math.nan
    value = go_float(text)
    return value if value is not None else text


def go_constructors(loader_class) -> None:
    """Numbers as Go reads them; a timestamp (even one tagged !!timestamp) as its text."""
    loader_class.add_constructor(INT, _construct_int)
    loader_class.add_constructor(FLOAT, _construct_float)
    loader_class.add_constructor("tag:yaml.org,2002:timestamp", loader_class.construct_yaml_str)
    loader_class.add_constructor("tag:yaml.org,2002:value", loader_class.construct_yaml_str)


class QuotingResolver(yaml.resolver.Resolver):
    """For writing: a string is quoted when YAML 1.1 (PyYAML, yamllint, older tools) or yaml.v3
    (kustomize, Flux, kubectl) would read it as anything but that string."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            go = plain_tag(value)
            return go if go != STR else super().resolve(kind, value, implicit)
        return super().resolve(kind, value, implicit)
