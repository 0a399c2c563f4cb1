"""What an environment may set, set aside: a core object's data without the allowed
environment fields (a tree of their patterns), its images without tag and digest, and
without the labels and annotations keyed by the environment."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, cast

from infometis.analysis.invariance import MISSING
from infometis.model.fieldpath import ANY_INDEX, ANY_KEY, Pattern, PatternToken, parse_patterns
from infometis.model.kinds import CONTAINER_LISTS

LABEL_MAPS = ("labels", "annotations", "matchLabels")


def image_repository(reference: str) -> str:
    """The image without its tag and digest: registry:5000/team/app:1.2@sha256:… →
    registry:5000/team/app."""
    name = reference.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return (head + "/" if head else "") + last.split(":", 1)[0]


def masked(
    data: Any, patterns: Iterable[str | Iterable[PatternToken]], environment: str = ""
) -> Any:
    """A copy of `data` without the environment fields (patterns as text or parsed): an `…image`
    field, and a container's image in any kind, keeps its repository only; labels and
    annotations keyed by the environment go."""
    return _mask(data, (), [_trie(tuple(parse_patterns(patterns)))], environment)


class _Node:
    """The patterns as a tree of their tokens: the patterns still matching a path are a few
    nodes, each step a dictionary look-up instead of a test of every pattern."""

    def __init__(self) -> None:
        self.end = False  # a pattern ends here: the field is the environment's
        self.exact: dict[str | int, _Node] = {}  # a key or an index → node
        self.any_key: _Node | None = None
        self.any_index: _Node | None = None

    def step(self, part: Any) -> list[_Node]:
        found = []
        # (a key 1.0 is not index 1)
        child = self.exact.get(part) if isinstance(part, (str, int)) else None
        if child is not None:
            found.append(child)
        if self.any_key is not None and isinstance(part, str):
            found.append(self.any_key)
        if self.any_index is not None and (isinstance(part, int) or part == "-"):
            found.append(self.any_index)
        return found


@functools.lru_cache(maxsize=16)
def _trie(patterns: tuple[Pattern, ...]) -> _Node:
    root = _Node()
    for pattern in patterns:
        node = root
        for token in pattern:
            if token is ANY_KEY:
                node.any_key = node.any_key or _Node()
                node = node.any_key
            elif token is ANY_INDEX:
                node.any_index = node.any_index or _Node()
                node = node.any_index
            else:
                # (neither ANY_KEY nor ANY_INDEX: a key or an index)
                node = node.exact.setdefault(cast("str | int", token), _Node())
        node.end = True
    return root


def _mask(value: Any, path: tuple[str | int, ...], live: list[_Node], environment: str) -> Any:
    if _is_container_image(path) and isinstance(value, str):
        # kustomize's `images:` pins tags in every kind: always the environment's
        return image_repository(value)
    if path:  # `live` matched path[:-1]: step on by the last part
        live = [child for node in live for child in node.step(path[-1])]
    if any(node.end for node in live):
        if path and path[-1] == "image" and isinstance(value, str):
            return image_repository(value)
        return MISSING
    if isinstance(value, dict):
        label_map = bool(path) and path[-1] in LABEL_MAPS
        kept = {}
        for key, item in value.items():
            if label_map and environment and key == environment:
                continue
            item = _mask(item, path + (key,), live, environment)
            if item is not MISSING:
                kept[key] = item
        return kept
    if isinstance(value, list):
        items = [
            _mask(item, path + (index,), live, environment) for index, item in enumerate(value)
        ]
        return [item for item in items if item is not MISSING]
    return value


def _is_container_image(path: tuple[str | int, ...]) -> bool:
    return (
        len(path) >= 3
        and path[-1] == "image"
        and isinstance(path[-2], int)
        and path[-3] in CONTAINER_LISTS
    )
