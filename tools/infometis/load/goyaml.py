"""YAML as kustomize, Flux and kubectl read it (Go's yaml.v3): loaders and a dumper for PyYAML.

What a plain (unquoted) YAML scalar means, as kustomize and Flux read it,
not as PyYAML's YAML 1.1 does: `yes`/`on` are strings, `1e3`, `0o17` and `1_000` are numbers,
a date is text (kustomize writes a valid one back as an RFC 3339 string and keeps an invalid
one such as `2023-02-29` as written), an integer past 64 bits is a float."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, cast

import yaml
from yaml._yaml import CEmitter, CParser  # (what yaml.cyaml imports, under the stubs' name)
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode

STR, INT, FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
BOOL, NULL, MERGE = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"
_WORDS = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), NULL),
    **dict.fromkeys(("true", "True", "TRUE", "false", "False", "FALSE"), BOOL),
    **dict.fromkeys(
        (
            ".nan",
            ".NaN",
            ".NAN",
            ".inf",
            ".Inf",
            ".INF",
            "+.inf",
            "+.Inf",
            "+.INF",
            "-.inf",
            "-.Inf",
            "-.INF",
        ),
        FLOAT,
    ),
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
    if len(digits) > 66:  # past 64 bits in any base (and past what Python converts quickly)
        return None
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
    # Go refuses what overflows: the text stays a string
    return None if math.isinf(value) else value


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
    # value and implicit: a scalar's text and its (plain, quoted) flags; None and a bool for a
    # sequence or a mapping. (The stubs leave BaseResolver.resolve unannotated: hence the ignores.)
    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0]:
            return plain_tag(value)
        return cast(str, super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


def _construct_int(loader: SafeConstructor, node: ScalarNode) -> int | str:
    value = go_int(loader.construct_scalar(node))
    return value if value is not None else loader.construct_scalar(node)


def _construct_float(loader: SafeConstructor, node: ScalarNode) -> float | str:
    text = loader.construct_scalar(node)
    word = text.lower().lstrip("+")
    if word in (".inf", "-.inf"):
        return -math.inf if word.startswith("-") else math.inf
    if word == ".nan":
        return math.nan
    value = go_float(text)
    return value if value is not None else text


# `loader_class`, a SafeConstructor class, is Any: the stubs' add_constructor takes only PyYAML's
# own loader classes.
def go_constructors(loader_class: Any) -> None:
    """Numbers as Go reads them; a timestamp (even one tagged !!timestamp) as its text."""
    loader_class.add_constructor(INT, _construct_int)
    loader_class.add_constructor(FLOAT, _construct_float)
    loader_class.add_constructor("tag:yaml.org,2002:timestamp", loader_class.construct_yaml_str)
    loader_class.add_constructor("tag:yaml.org,2002:value", loader_class.construct_yaml_str)


class QuotingResolver(yaml.resolver.Resolver):
    """For writing: a string is quoted when YAML 1.1 (PyYAML, yamllint, older tools) or yaml.v3
    (kustomize, Flux, kubectl) would read it as anything but that string."""

    # (the stubs leave BaseResolver.resolve unannotated: hence the ignores)
    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0]:
            go = plain_tag(value)
            return go if go != STR else cast(str, super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
        return cast(str, super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


class StreamLoader(CParser, SafeConstructor, GoResolver):
    """libyaml's parser; scalars resolved as kustomize reads them."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        SafeConstructor.__init__(self)
        GoResolver.__init__(self)


go_constructors(StreamLoader)


if TYPE_CHECKING:
    _CheckedBase = SafeConstructor  # what _Checked is mixed into, for the checker
else:
    _CheckedBase = object


class _Checked(_CheckedBase):
    """Records duplicate keys as yaml.v3 finds them (the same text twice: `1` and "1" too) and a
    second merge key as kustomize refuses it, instead of keeping the last value."""

    duplicates: list[tuple[str, yaml.Mark]]  # (message, where); set by the loader's __init__

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        first: dict[str, int] = {}
        merges = 0
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == MERGE:
                merges += 1
                if merges == 2:
                    self.duplicates.append(("duplicate merge key", key_node.start_mark))
            elif key_node.value in first:
                self.duplicates.append(
                    (
                        f"mapping key {json.dumps(key_node.value, ensure_ascii=False)} already "
                        f"defined at line {first[key_node.value]}",
                        key_node.start_mark,
                    )
                )
            else:
                first[key_node.value] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


class Loader(_Checked, StreamLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, yaml.Mark]] = []


if TYPE_CHECKING:

    class _ComposerBase(yaml.composer.Composer):
        """The composer as the checker sees it: the parser it is mixed with supplies these."""

        def check_event(self, *choices: type[yaml.events.Event]) -> bool: ...
        def peek_event(self) -> Any: ...

else:
    _ComposerBase = yaml.composer.Composer


class _RedefiningComposer(_ComposerBase):
    """An anchor defined again replaces the first for the aliases after it, as in yaml.v3
    (libyaml's composer refuses it, so such a file is read again with this one)."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if not self.check_event(yaml.events.AliasEvent):
            anchor = self.peek_event().anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


class SlowLoader(
    _Checked,
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _RedefiningComposer,
    SafeConstructor,
    GoResolver,
):
    """The pure-Python loader (10 times slower), for files with an anchor defined twice."""

    def __init__(self, stream: str) -> None:
        for part in (
            yaml.reader.Reader,
            yaml.scanner.Scanner,
            yaml.parser.Parser,
            _RedefiningComposer,
        ):
            part.__init__(self, *([stream] if part is yaml.reader.Reader else []))
        SafeConstructor.__init__(self)
        GoResolver.__init__(self)
        self.duplicates = []


go_constructors(SlowLoader)


class Dumper(CEmitter, yaml.representer.SafeRepresenter, QuotingResolver):
    """Multi-line strings (scripts, JSON payloads) as literal blocks, as people write them; a
    string that any YAML reader could take for something else ("1e3", "yes", "0o17") quoted."""

    def __init__(self, stream: Any, **options: Any) -> None:
        representer_options = {
            key: options.pop(key)
            for key in ("default_style", "default_flow_style", "sort_keys")
            if key in options
        }
        CEmitter.__init__(self, stream, **options)
        yaml.representer.SafeRepresenter.__init__(self, **representer_options)
        QuotingResolver.__init__(self)


def _represent_str(dumper: Dumper, value: str) -> ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, _represent_str)
