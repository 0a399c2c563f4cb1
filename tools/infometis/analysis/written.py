"""Where a rendered value is written. kustomize's origin annotation names the file that
defined a resource, not the patch that later replaced one of its values: an overlay's
`patches:` entry, a patch file, or the Flux Kustomization's own `spec.patches`. These
helpers find the line by the value itself, in the files the render read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from infometis.discover import closure as closures
from infometis.load.yamlio import load_stream
from infometis.model import Location

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import Rendered, RepoRun

_INDICATORS = re.compile(r"^\|[1-9]?[-+]?[1-9]?$")  # a literal block: | |- |+ |2 ...


@dataclass(frozen=True)
class TextAnchor:
    """Where a string value is written: the key's line, and (for a literal block, or a file
    read by a generator) the line holding the string's first line and its indentation."""

    file: str
    line: int
    column: int
    first: int | None = None
    indent: int = 0

    def at(self, line: int, column: int) -> Location:
        """The place of `line`:`column` (1-based) of the string; its key when unknown."""
        if self.first is None:
            return Location(self.file, self.line, self.column)
        return Location(self.file, self.first + line - 1, self.indent + column)


def value_at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def render_files(run: RepoRun, rendered: Rendered) -> list[Path]:
    """The files a render read (kustomizations, manifests, patches, generator inputs), and the
    file of the Flux Kustomization itself (its spec.patches)."""
    closure = rendered.closure or closures.walk(rendered.folder, run.cache)
    files = sorted(closure.files)
    document = rendered.kustomization.document
    if document is not None:
        files.append(run.repo / document.file)
    return files


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()
    except OSError:
        return []


def _candidates(run: RepoRun, rendered: Rendered, resource: Resource) -> list[Path]:
    first = [Path(resource.origin)] if resource.origin else []
    return first + [path for path in render_files(run, rendered) if path not in first]


def scalar_location(
    run: RepoRun, rendered: Rendered, resource: Resource, path: tuple[str | int, ...], value: Any
) -> Location:
    """Where the scalar `value` found at `path` of the rendered `resource` is written."""
    document = run.document(resource)
    if document is not None and value_at(document.data, path) == value:
        return document.location(path)
    key, text = re.escape(str(path[-1])), re.escape(str(value))
    pattern = re.compile(rf"^(\s*(?:-\s+)?){key}:\s*(['\"]?){text}\2\s*(#.*)?$")
    for candidate in _candidates(run, rendered, resource):
        for number, line in enumerate(_lines(candidate), 1):
            match = pattern.match(line)
            if match:
                return Location(run.cache.relative(candidate), number, len(match.group(1)) + 1)
    return run.locate(resource, path)


def text_anchor(
    run: RepoRun, rendered: Rendered, resource: Resource, path: tuple[str | int, ...], value: str
) -> TextAnchor | None:
    """Where the string `value` found at `path` of `resource` is written: a `key: |` block or a
    one-line scalar whose content is `value`, or a file with exactly that content (a generator's
    input named after the key). The defining document is tried first."""
    key = str(path[-1])
    document = run.document(resource)
    if document is not None and path in document.lines:
        anchor = _anchor_at(
            document.file, _lines(run.repo / document.file), document.lines[path][0] - 1, value
        )
        if anchor:
            return anchor
    pattern = re.compile(rf"^(\s*(?:-\s+)?){re.escape(key)}:(\s.*)?$")
    for candidate in _candidates(run, rendered, resource):
        relative, lines = run.cache.relative(candidate), _lines(candidate)
        if candidate.name == key and "\n".join(lines).rstrip("\n") == value.rstrip("\n"):
            return TextAnchor(relative, 1, 1, first=1)
        for index, line in enumerate(lines):
            if pattern.match(line):
                anchor = _anchor_at(relative, lines, index, value)
                if anchor:
                    return anchor
    return None


def _anchor_at(file: str, lines: list[str], index: int, value: str) -> TextAnchor | None:
    """The anchor of the `key: ...` at lines[index] when what it holds is `value`."""
    if not 0 <= index < len(lines):
        return None
    line = lines[index]
    match = re.match(r"^(\s*(?:-\s+)?)([^:#]+):\s*(.*)$", line)
    if not match:
        return None
    column, rest = len(match.group(1)) + 1, re.sub(r"\s+#.*$", "", match.group(3)).strip()
    if _INDICATORS.match(rest):
        block, indent = _block(lines, index + 1, column - 1)
        if block.rstrip("\n") == value.rstrip("\n"):
            return TextAnchor(file, index + 1, column, first=index + 2, indent=indent)
        return None
    try:
        single = (load_stream(rest) or [None])[0] if rest else None  # read as kustomize reads it
    except yaml.YAMLError:
        return None
    return TextAnchor(file, index + 1, column) if single == value else None


def _block(lines: list[str], start: int, key_indent: int) -> tuple[str, int]:
    """The content of a literal block starting at lines[start], and its indentation."""
    content: list[str] = []
    indent = None
    for line in lines[start:]:
        if line.strip() == "":
            content.append("")
            continue
        width = len(line) - len(line.lstrip(" "))
        if width <= key_indent or (indent is not None and width < indent):
            break
        indent = width if indent is None else indent
        content.append(line[indent:])
    return "\n".join(content), indent or 0
