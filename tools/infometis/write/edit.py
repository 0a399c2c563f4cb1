"""The splice editor: find a value with ruamel's composer (which knows where every token
starts and ends), then replace or insert text at those offsets. Everything else in the
file (comments, quotes, order, blank lines, line endings, the final newline) is left as
it was, byte for byte. `promote` and `new` write only through here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from infometis.load.goyaml import STR, plain_tag
from infometis.model.errors import EditError

# A plain scalar that needs no quotes anywhere a value can stand: no indicator first,
# no ': ' or ' #' inside, no space at either end.
_SAFE_PLAIN = re.compile(r"^[A-Za-z0-9_./+=~^][A-Za-z0-9_./+=~^@:$()-]*$")


@dataclass(frozen=True)
class Span:
    start: int  # offsets into the text
    end: int
    line: int  # 1-based


@dataclass(frozen=True)
class Scalar:
    document: int
    path: tuple[str | int, ...]
    span: Span
    value: str
    style: str | None  # None (plain), "'", '"', "|" or ">"


def documents(text: str) -> list[Node | None]:
    try:
        return list(YAML(typ="rt").compose_all(text))
    except YAMLError as err:
        raise EditError(f"not valid YAML: {' '.join(str(err).split())}") from None


def _child(node: Node, key: str | int, where: str) -> tuple[Node, Node | None]:
    """(value node, key node) of `key` in `node`."""
    if isinstance(node, MappingNode) and isinstance(key, str):
        for key_node, value in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                if value.start_mark.index < key_node.start_mark.index:
                    raise EditError(
                        f"{where}{key} is an alias (*{value.anchor}): "
                        "edit the anchored value instead"
                    )
                return value, key_node
    elif (
        isinstance(node, SequenceNode)
        and isinstance(key, int)
        and -len(node.value) <= key < len(node.value)
    ):
        return node.value[key], None
    raise EditError(f"{where}{key} not found")


def _node(text: str, path: tuple[str | int, ...], document: int) -> Node:
    roots = documents(text)
    if not 0 <= document < len(roots) or roots[document] is None:
        raise EditError(f"document {document + 1} not found")
    node = cast(Node, roots[document])  # (None refused above)
    for depth, key in enumerate(path):
        node, _ = _child(node, key, "".join(f"{k}." for k in path[:depth]))
    return node


def find_value(text: str, path: tuple[str | int, ...], document: int = 0) -> Span:
    """Where the scalar at `path` is written (its quotes included)."""
    return _editable(text, path, document)[1]


def _editable(text: str, path: tuple[str | int, ...], document: int) -> tuple[ScalarNode, Span]:
    """The scalar node at `path` and its span, or why it cannot be edited in place."""
    node = _node(text, path, document)
    name = ".".join(map(str, path))
    if not isinstance(node, ScalarNode):
        raise EditError(f"{name} is not a single value")
    span = Span(node.start_mark.index, node.end_mark.index, node.start_mark.line + 1)
    why = refusal(text[span.start : span.end], node.style)
    if why:
        raise EditError(f"{name}: {why}; edit it by hand")
    return node, span


def refusal(token: str, style: str | None) -> str | None:
    """Why the scalar written as `token` cannot be replaced in place, or None."""
    if token.startswith(("&", "*")):
        return (
            f"the value is anchored or an alias ({token.split()[0]}): "
            "a change would reach every use of it"
        )
    if style in ("|", ">"):
        return f"the value is a block scalar ({style})"
    if "\n" in token:
        return "the value spans several lines"
    if token.startswith("!"):
        return "the value carries a tag"
    return None


def in_flow(text: str, span: Span) -> bool:
    """Whether the token stands inside [ ] or { } (a plain value there ends at ',')."""
    before = text[text.rfind("\n", 0, span.start) + 1 : span.start]
    return before.count("[") + before.count("{") > before.count("]") + before.count("}")


def quote(value: str, style: str | None, in_flow: bool = False) -> str:
    """`value` written in `style`, or double-quoted when that style cannot hold it."""
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if (
        style is None
        and _SAFE_PLAIN.match(value)
        and not (in_flow and "," in value)
        and value.lower() not in ("null", "true", "false", "yes", "no", "on", "off", "~")
        and _reads_as_text(value)
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


def _reads_as_text(value: str) -> bool:
    """Whether `value`, written plain, reads back as this text for Go (kustomize, Flux) and for
    YAML 1.1 readers alike: `0`, `1.5`, `0x1f` or `1:20` are numbers there and get quotes."""
    if plain_tag(value) != STR:
        return False
    try:
        return bool(yaml.safe_load(value) == value)
    except yaml.YAMLError:
        return False


def replace_token(text: str, span: Span, token: str) -> str:
    return text[: span.start] + token + text[span.end :]


def replace_value(text: str, path: tuple[str | int, ...], value: str, document: int = 0) -> str:
    """`text` with the scalar at `path` set to `value`, written in that token's quote style."""
    node, span = _editable(text, path, document)
    return replace_token(text, span, quote(value, node.style, in_flow(text, span)))


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _line_end(text: str, index: int) -> int:
    """The offset just after the line holding `index` (its line break included)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _last_index(node: ScalarNode | CollectionNode) -> int:
    """Where the last token of `node` ends (a block collection's own end runs on over comments)."""
    if isinstance(node, ScalarNode) or node.flow_style or not node.value:
        return cast(int, node.end_mark.index)
    last = node.value[-1]
    return _last_index(last[1] if isinstance(node, MappingNode) else last)


def _insert_line(text: str, after: int, line: str) -> str:
    """Insert `line` as a whole line after the line holding offset `after`."""
    at = _line_end(text, after)
    newline = _newline(text)
    lead = newline if at == len(text) and text and not text.endswith("\n") else ""
    tail = "" if lead else newline
    return text[:at] + lead + line + tail + text[at:]


def append_item(text: str, path: tuple[str | int, ...], item: str, document: int = 0) -> str:
    """`text` with scalar `item` appended to the sequence at `path` (created if the key is
    absent)."""
    if not path or not isinstance(path[-1], str):
        raise EditError("append_item needs a path that ends with a key")
    parent = _node(text, path[:-1], document)
    if not isinstance(parent, MappingNode):
        raise EditError(f"{'.'.join(map(str, path[:-1])) or 'the document'} is not a mapping")
    node: Node | None
    key_node: Node | None
    try:
        node, key_node = _child(parent, path[-1], "")
    except EditError:
        node = key_node = None
    if node is None or (
        isinstance(node, ScalarNode)
        and cast(str, node.tag).endswith(":null")  # (a composed node is tagged)
        and node.start_mark.index == node.end_mark.index
    ):
        return _add_key(text, parent, key_node, path[-1], item)
    if not isinstance(node, SequenceNode):
        raise EditError(f"{'.'.join(map(str, path))} is not a list")
    if node.flow_style:
        return _append_flow(text, node, item)
    first = node.value[0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    dash = text.rfind("-", line_start, first.start_mark.index)
    return _insert_line(
        text, _last_index(node), " " * (dash - line_start) + "- " + quote(item, None)
    )


def _append_flow(text: str, node: SequenceNode, item: str) -> str:
    close = node.end_mark.index - 1
    token = quote(item, None, in_flow=True)
    if not node.value:
        return text[:close] + token + text[close:]
    end = _last_index(node.value[-1])
    return text[:end] + ", " + token + text[end:]


def _add_key(text: str, parent: MappingNode, key_node: Node | None, key: str, item: str) -> str:
    """A new `key:` with one item, after the mapping's last value (or the empty key's line)."""
    newline = _newline(text)
    if key_node is not None:  # `key:` with nothing after it
        column = key_node.start_mark.column
        return _insert_line(
            text, key_node.end_mark.index, " " * (column + 2) + "- " + quote(item, None)
        )
    column = parent.value[0][0].start_mark.column if parent.value else 0
    if parent.flow_style:
        raise EditError(f"cannot add {key}: the mapping is written in flow style {{...}}")
    lines = (" " * column + f"{key}:", " " * (column + 2) + "- " + quote(item, None))
    return _insert_line(text, _last_index(parent), newline.join(lines))


def scalars(text: str) -> Iterator[Scalar]:
    """Every scalar value (not key) of every document, with its path and span."""
    for number, root in enumerate(documents(text)):
        if root is not None:
            yield from _walk(text, number, root, (), set())


def _walk(
    text: str, document: int, node: Node, path: tuple[str | int, ...], seen: set[int]
) -> Iterator[Scalar]:
    if id(node) in seen:  # an alias: reported once, where it is anchored
        return
    seen.add(id(node))
    if isinstance(node, ScalarNode):
        span = Span(node.start_mark.index, node.end_mark.index, node.start_mark.line + 1)
        yield Scalar(document, path, span, node.value, node.style)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _walk(
                text,
                document,
                value,
                (*path, key.value if isinstance(key, ScalarNode) else "?"),
                seen,
            )
    elif isinstance(node, SequenceNode):
        for index, value in enumerate(node.value):
            yield from _walk(text, document, value, (*path, index), seen)
