"""Paths inside a resource, one vocabulary for every check: written as people read them
(spec.template.spec.containers[0].image, labels["app.kubernetes.io/name"]), read from JSON
pointers, and matched against the patterns of allowedEnvironmentFields."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, TypeAlias, cast

_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_$@-]+")
_PATTERN_TOKEN = re.compile(r"\[(\*|\d+)\]|\[\"([^\"]*)\"\]|\['([^']*)'\]|([^.\[\]]+)")


class _Any:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ANY_INDEX, ANY_KEY = _Any("[*]"), _Any("*")
# One step of a parsed pattern: a key, a list index, or ANY_INDEX / ANY_KEY.
PatternToken: TypeAlias = "str | int | _Any"
Pattern: TypeAlias = "tuple[PatternToken, ...]"


def field_path(path: tuple[str | int, ...]) -> str:
    """('spec', 'containers', 0, 'image') → spec.containers[0].image; '-' is JSON patch's append."""
    text = ""
    for part in path:
        if isinstance(part, int) or part == "-":
            text += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(str(part)):
            text += ("." if text else "") + str(part)
        else:
            text += f'["{part}"]'
    return text or "(resource)"


def pointer_path(pointer: str, data: Any = None) -> tuple[str | int, ...]:
    """`/spec/containers/0/name` → ('spec', 'containers', 0, 'name'). A numeric segment is a
    list index unless `data` shows a mapping there (a label key "0" stays a string)."""
    path: list[str | int] = []
    node = data
    for raw in pointer.split("/")[1:]:
        part: str | int = raw.replace("~1", "/").replace("~0", "~")
        if raw.isdigit() and not isinstance(node, dict):
            part = int(raw)
        path.append(part)
        try:
            node = node[part] if node is not None else None
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(path)


def parse_pattern(text: str) -> Pattern:
    """'spec.template.spec.containers[*].resources' → ('spec', …, 'containers', ANY_INDEX,
    'resources'); quoted keys: metadata.labels["app.kubernetes.io/name"]; '*' is any key."""
    tokens: list[PatternToken] = []
    for index, double, single, key in _PATTERN_TOKEN.findall(text):
        if index:
            tokens.append(ANY_INDEX if index == "*" else int(index))
        elif key:
            tokens.append(ANY_KEY if key == "*" else key)
        else:
            tokens.append(double or single)
    return tuple(tokens)


def parse_patterns(patterns: Iterable[str | Iterable[PatternToken]]) -> list[Pattern]:
    if isinstance(patterns, (tuple, list, frozenset)) and all(isinstance(p, str) for p in patterns):
        # the same settings are read for every field judged
        return list(_parsed(cast("tuple[str, ...]", tuple(patterns))))
    parsed = [parse_pattern(p) if isinstance(p, str) else tuple(p) for p in patterns]
    return [p for p in parsed if p]  # an empty pattern would match everything


@functools.lru_cache(maxsize=64)
def _parsed(patterns: tuple[str, ...]) -> tuple[Pattern, ...]:
    return tuple(p for p in map(parse_pattern, patterns) if p)


def token_matches(token: PatternToken, part: str | int) -> bool:
    if token is ANY_INDEX:
        return isinstance(part, int) or part == "-"
    if token is ANY_KEY:
        return isinstance(part, str)
    if isinstance(token, int):
        return isinstance(part, int) and token == part
    return isinstance(part, str) and token == part


def under(path: tuple[str | int, ...], patterns: Iterable[str | Iterable[PatternToken]]) -> bool:
    """True when `path` is one of the patterns (text or parsed) or lies under one."""
    return any(
        len(p) <= len(path) and all(map(token_matches, p, path)) for p in parse_patterns(patterns)
    )
