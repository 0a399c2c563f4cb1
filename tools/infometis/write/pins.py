"""The pinned versions written in one file: what `promote` moves and `drift` compares.

A pin is a kustomization `images:` field (newName, newTag, digest), a HelmRelease chart
version, a HelmChart version, a Flux source's ref (tag, semver, commit, digest), or any
value whose line ends with a `# infometis:promote` comment. Inline patches of a
kustomization count too: their text is parsed and each pin found there is located back in
the file. Each pin has a key that says what it pins, so that two environments' files can
be matched pin by pin, whatever their order or layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infometis.model.errors import EditError
from infometis.model.fieldpath import field_path, pointer_path
from infometis.model.kinds import PINNED_SOURCE_KINDS
from infometis.write import edit
from infometis.write.edit import Span

MARK = "infometis:promote"
IMAGE_FIELDS = ("newName", "newTag", "digest")
REF_FIELDS = ("tag", "semver", "commit", "digest")
# Where a pinned version lives in a resource of each kind (JSON patches name the same paths).
KIND_PATHS: dict[str, list[tuple[str, ...]]] = {
    "HelmRelease": [("spec", "chart", "spec", "version")],
    "HelmChart": [("spec", "version")],
    **{kind: [("spec", "ref", name) for name in REF_FIELDS] for kind in PINNED_SOURCE_KINDS},
}
# What a pin pins: ("image", name, field), (kind, name, path) or ("marked", kind, name, path)
PinKey = tuple[str | tuple[str | int, ...] | None, ...]
_MARKED = re.compile(r"[ \t]+#(.*\s)?" + re.escape(MARK) + r"(\s|$)")


@dataclass(frozen=True)
class Pin:
    # what it pins, the same in every environment: ("image", name, field) or (kind, name, path)
    key: PinKey
    field: str  # as the plan shows it
    value: str
    span: Span  # the token in the file's text
    style: str | None
    in_flow: bool
    refused: str | None = None  # why it cannot be edited in place


class _Frame:
    """Maps marks of a parsed text back to offsets in the file: the file itself, or the
    literal block of an inline patch (same lines, shifted right by its indentation)."""

    def __init__(self, text: str, first_line: int = 0, indent: int = 0):
        self.text, self.first_line, self.indent = text, first_line, indent
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def span(self, node: ScalarNode) -> Span | None:
        start, end = node.start_mark, node.end_mark
        if self.indent == 0 and self.first_line == 0:
            return Span(start.index, end.index, start.line + 1)
        if start.line != end.line or self.first_line + start.line >= len(self.starts):
            return None
        at = self.starts[self.first_line + start.line] + self.indent + start.column
        return Span(at, at + end.index - start.index, self.first_line + start.line + 1)


def pins(text: str) -> list[Pin]:
    """Every pin in `text` (a file's exact text); EditError when it is not YAML."""
    roots = edit.documents(text)
    frame = _Frame(text)
    found: list[Pin] = []
    for root in roots:
        if isinstance(root, MappingNode):
            found += _document(text, frame, root)
    seen = {pin.span for pin in found}
    found += [pin for pin in _marked(text, roots) if pin.span not in seen]
    return found


def _get(node: Node | None, *path: str | int) -> Node | None:
    for key in path:
        if isinstance(node, MappingNode) and isinstance(key, str):
            node = next(
                (v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None
            )
        elif isinstance(node, SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def _text(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def _document(text: str, frame: _Frame, root: MappingNode) -> list[Pin]:
    kind, name = _text(_get(root, "kind")), _text(_get(root, "metadata", "name"))
    found: list[Pin | None] = []
    for path in KIND_PATHS.get(kind or "", []):
        node = _get(root, *path)
        if isinstance(node, ScalarNode):
            found.append(
                _pin(text, frame, node, (kind, name, path), f"{kind}/{name} {field_path(path)}")
            )
    if (
        kind in ("Kustomization", "Component")
        and _get(root, "apiVersion") is not None
        and str(_text(_get(root, "apiVersion"))).startswith("kustomize.config.k8s.io")
    ):
        found += _images(text, frame, root)
        found += _patches(text, root)
    return [pin for pin in found if pin is not None]


def _images(text: str, frame: _Frame, root: MappingNode) -> Iterator[Pin | None]:
    images = _get(root, "images")
    for item in images.value if isinstance(images, SequenceNode) else []:
        image = _text(_get(item, "name"))
        for name in IMAGE_FIELDS:
            node = _get(item, name)
            if image and isinstance(node, ScalarNode):
                yield _pin(text, frame, node, ("image", image, name), f"images[{image}].{name}")


def _patches(text: str, root: MappingNode) -> Iterator[Pin | None]:
    """Pins inside inline patches: strategic-merge documents, or JSON 6902 operations."""
    patches = _get(root, "patches")
    for item in patches.value if isinstance(patches, SequenceNode) else []:
        block = _get(item, "patch")
        frame = _block_frame(text, block)
        if frame is None:
            continue
        try:
            inner = edit.documents(cast(ScalarNode, block).value)  # (it has a frame)
        except EditError:
            continue
        target = (_text(_get(item, "target", "kind")), _text(_get(item, "target", "name")))
        for root_node in inner:
            if isinstance(root_node, MappingNode):
                yield from _document(text, frame, root_node)
            elif isinstance(root_node, SequenceNode) and all(target):
                yield from _operations(text, frame, root_node, cast("tuple[str, str]", target))


def _operations(
    text: str, frame: _Frame, operations: SequenceNode, target: tuple[str, str]
) -> Iterator[Pin | None]:
    kind, name = target
    for operation in operations.value:
        pointer, value = _text(_get(operation, "path")), _get(operation, "value")
        if (
            _text(_get(operation, "op")) not in ("add", "replace")
            or not pointer
            or not isinstance(value, ScalarNode)
        ):
            continue
        path = pointer_path(pointer)
        if path in KIND_PATHS.get(kind, []):
            yield _pin(text, frame, value, (kind, name, path), f"{kind}/{name} {field_path(path)}")


def _block_frame(text: str, block: Node | None) -> _Frame | None:
    """The frame of a literal block scalar whose lines can be mapped back (`|`, `|-`, `|+`)."""
    if not isinstance(block, ScalarNode) or block.style != "|":
        return None
    header = text[block.start_mark.index : text.find("\n", block.start_mark.index)]
    if re.search(r"\d", header.split("#")[0]):
        return None  # an explicit indentation indicator: rare, left alone
    first = block.start_mark.line + 1
    lines = text.split("\n")
    content = next((line for line in lines[first:] if line.strip()), "")
    return _Frame(text, first, len(content) - len(content.lstrip(" ")))


def _pin(text: str, frame: _Frame, node: ScalarNode, key: PinKey, label: str) -> Pin | None:
    span = frame.span(node)
    if span is None:
        return None
    refused = edit.refusal(text[span.start : span.end], node.style)
    return Pin(key, label, node.value, span, node.style, edit.in_flow(text, span), refused)


def _marked(text: str, roots: list[Node | None]) -> Iterator[Pin]:
    """Values whose line ends with `# infometis:promote`, keyed by document and path."""
    if MARK not in text:
        return
    for scalar in edit.scalars(text):
        line_end = text.find("\n", scalar.span.end)
        rest = text[scalar.span.end : len(text) if line_end < 0 else line_end]
        if _MARKED.match(rest):
            root = roots[scalar.document]
            owner = (
                (_text(_get(root, "kind")), _text(_get(root, "metadata", "name")))
                if isinstance(root, MappingNode)
                else (None, None)
            )
            label = " ".join(filter(None, ("/".join(filter(None, owner)), field_path(scalar.path))))
            yield Pin(
                ("marked", *owner, scalar.path),
                label,
                scalar.value,
                scalar.span,
                scalar.style,
                edit.in_flow(text, scalar.span),
                edit.refusal(text[scalar.span.start : scalar.span.end], scalar.style),
            )
