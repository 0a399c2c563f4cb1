"""Reading YAML fast (libyaml) while keeping what a good message needs:
the line of every field, and every duplicate key (which plain loaders silently drop)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from .model import ERROR, Document, Location, Problem

YAML_CHECK = "yaml"
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StreamLoader(_Base):
    """Safe loader that reads a lone '=' (YAML 1.1's value tag) as the string it is."""


_StreamLoader.add_constructor("tag:yaml.org,2002:value", _StreamLoader.construct_yaml_str)


class _Loader(_StreamLoader):
    """Safe loader that records duplicate keys instead of keeping the last value."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[str, yaml.Mark]] = []

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            if key in seen:
                self.duplicates.append((str(key), key_node.start_mark))
            seen.add(key)
        return super().construct_mapping(node, deep)


@dataclass(frozen=True)
class LoadedFile:
    path: str
    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]


def field_lines(root: yaml.Node) -> dict[tuple, tuple[int, int]]:
    """Map each field path (keys and list indexes) to the 1-based line and column where it sits."""
    lines: dict[tuple, tuple[int, int]] = {}
    stack = [((), root)]
    visited: set[int] = set()
    while stack:
        path, node = stack.pop()
        if id(node) in visited:  # aliases share nodes; walk each once
            continue
        visited.add(id(node))
        children = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    child = path + (key_node.value,)
                    lines.setdefault(child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                    children.append((child, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = path + (index,)
                lines.setdefault(child, (item.start_mark.line + 1, item.start_mark.column + 1))
                children.append((child, item))
        stack.extend(reversed(children))  # depth-first in document order
    return lines


def _problem(path: str, message: str, mark: yaml.Mark | None, hint: str | None = None) -> Problem:
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return Problem.at(YAML_CHECK, ERROR, message, Location(path, line, column), hint=hint)


def _decode(raw: bytes, path: str) -> tuple[str | None, Problem | None]:
    if b"\x00" in raw[:8192]:
        return None, _problem(path, "binary file, not YAML", None, "remove it or give it another extension")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return None, Problem.at(YAML_CHECK, ERROR, f"invalid UTF-8 at byte {err.start}",
                                Location(path, line, None), hint="save the file as UTF-8")


def load_text(raw: bytes, path: str) -> LoadedFile:
    """Parse every document of `raw`; what cannot be parsed becomes a problem, never an exception."""
    text, problem = _decode(raw, path)
    if problem:
        return LoadedFile(path, (), (problem,))
    documents: list[Document] = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node)
            if data is not None:
                documents.append(Document(data, path, node.start_mark.line + 1, field_lines(node)))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        if err.context_mark and mark.line >= text.count("\n") and mark.column == 0:
            mark = err.context_mark  # stopped at the end of input: the open construct is the place
        what = " ".join(part for part in (err.context, err.problem) if part)
        return LoadedFile(path, tuple(documents), (_problem(path, f"invalid YAML: {what}", mark),))
    except (yaml.YAMLError, RecursionError, TypeError, ValueError) as err:
        message = "nesting too deep" if isinstance(err, RecursionError) else str(err).splitlines()[0]
        return LoadedFile(path, tuple(documents), (_problem(path, f"invalid YAML: {message}", None),))
    finally:
        loader.dispose()
    duplicates = tuple(
        _problem(path, f"duplicate key '{key}'", mark, "YAML keeps only one of the values; remove the other")
        for key, mark in loader.duplicates
    )
    return LoadedFile(path, tuple(documents), duplicates)


def load_stream(text: str) -> list:
    """Load trusted, tool-generated YAML (kustomize output) without line bookkeeping."""
    return [doc for doc in yaml.load_all(text, Loader=_StreamLoader) if doc is not None]


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Multi-line strings (scripts, JSON payloads) as literal blocks, as people write them."""


def _represent_str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=1 << 30, allow_unicode=True)


class FileCache:
    """Each file is read and parsed once per run."""

    def __init__(self, root: Path, known: dict | None = None):
        self.root = root
        self._files: dict[Path, LoadedFile] = {}
        self.known = known  # (name, sha256 of the bytes) → LoadedFile, from the cache; None: none
        self.parsed: dict[tuple[str, bytes], LoadedFile] = {}  # what this run read, to keep for the next
        self._lines: dict[Path, list[str]] = {}
        self.closures: dict = {}  # folder → what a build of it reads (closure.walk), once per run

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def load(self, path: Path) -> LoadedFile:
        path = Path(path)
        if path not in self._files:
            name = self.relative(path)
            try:
                raw = path.read_bytes()
            except OSError as err:
                loaded = LoadedFile(name, (), (_problem(name, f"cannot read: {err.strerror}", None),))
            else:
                loaded = self.parse(raw, name)
            self._files[path] = loaded
        return self._files[path]

    def parse(self, raw: bytes, name: str) -> LoadedFile:
        """`raw` (the text of `name`, or a part of it) parsed; from `known` (a previous run's)
        when the bytes are the same."""
        if self.known is None:
            return load_text(raw, name)
        key = (name, hashlib.sha256(raw).digest())
        loaded = self.known.get(key)
        if loaded is None:
            loaded = load_text(raw, name)
        self.parsed[key] = loaded
        return loaded

    def lines(self, path: Path) -> list[str]:
        """The file's text lines (undecodable bytes replaced), read once per run; [] if unreadable."""
        path = Path(path)
        found = self._lines.get(path)
        if found is None:
            try:
                found = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                found = []
            self._lines[path] = found
        return found

    def loaded(self) -> list[LoadedFile]:
        return list(self._files.values())
