"""Reading YAML fast (libyaml) while keeping what a good message needs:
the line of every field, and every duplicate key (which plain loaders silently drop)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from infometis.load.goyaml import Dumper, Loader, SlowLoader, StreamLoader
from infometis.model import ERROR, Document, Location, Problem

YAML_CHECK = "yaml"
# Limits on what a manifest may be. Beyond them a file is refused (a problem, and nothing is
# given to kustomize), because past them the tools hang or exhaust memory rather than fail:
# - etcd stores an object of at most 1.5 MiB, so a manifest file of 10 MiB is not hand-written;
# - kustomize's time grows with the square of the resources it holds (1,000: ~2 s, 10,000: minutes);
# - aliases expand in kustomize: nine levels of ten ("billion laughs") take it to 20 GB of memory.
# libyaml refuses nesting deeper than 1,000 levels itself.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 1000
MAX_EXPANDED_NODES = 100_000


@dataclass(frozen=True)
class LoadedFile:
    path: str
    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]
    # why no tool may read this file (too large, an alias bomb, not a file)
    refused: str | None = None


def field_lines(root: yaml.Node) -> dict[tuple[str | int, ...], tuple[int, int]]:
    """Map each field path (keys and list indexes) to the 1-based line and column where it sits."""
    lines: dict[tuple[str | int, ...], tuple[int, int]] = {}
    stack: list[tuple[tuple[str | int, ...], yaml.Node]] = [((), root)]
    visited: set[int] = set()
    while stack:
        path, node = stack.pop()
        if id(node) in visited:  # aliases share nodes; walk each once
            continue
        visited.add(id(node))
        children: list[tuple[tuple[str | int, ...], yaml.Node]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    child = path + (key_node.value,)
                    lines.setdefault(
                        child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    )
                    children.append((child, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = path + (index,)
                lines.setdefault(child, (item.start_mark.line + 1, item.start_mark.column + 1))
                children.append((child, item))
        stack.extend(reversed(children))  # depth-first in document order
    return lines


def expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes `root` holds once every alias is expanded (stops counting past `limit`)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else []
        )
        if children_done or not children:
            sizes[id(node)] = min(limit + 1, 1 + sum(sizes.get(id(child), 0) for child in children))
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def refusal(path: str, message: str, line: int, hint: str) -> LoadedFile:
    problem = Problem.at(YAML_CHECK, ERROR, message, Location(path, line, None), hint=hint)
    return LoadedFile(path, (), (problem,), refused=message)


def too_large(path: str, size: int) -> LoadedFile:
    return refusal(
        path,
        f"{size / 1e6:.1f} MB: larger than the {MAX_FILE_BYTES >> 20} MiB a manifest may be",
        1,
        "split it into several files; an object cannot exceed 1.5 MiB in the cluster anyway",
    )


def _problem(path: str, message: str, mark: yaml.Mark | None, hint: str | None = None) -> Problem:
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else None
    return Problem.at(YAML_CHECK, ERROR, message, Location(path, line, column), hint=hint)


def _decode(raw: bytes, path: str) -> tuple[str | None, Problem | None]:
    if b"\x00" in raw[:8192]:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, Problem.at(
            YAML_CHECK,
            ERROR,
            "binary file, not YAML",
            Location(path, line, None),
            hint="remove it or give it another extension",
        )
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return None, Problem.at(
            YAML_CHECK,
            ERROR,
            f"invalid UTF-8 at byte {err.start}",
            Location(path, line, None),
            hint="save the file as UTF-8",
        )


def load_text(raw: bytes, path: str) -> LoadedFile:
    """Parse every document of `raw`; what cannot be parsed becomes a problem, never an
    exception."""
    if len(raw) > MAX_FILE_BYTES:
        return too_large(path, len(raw))
    text, problem = _decode(raw, path)
    if problem:
        return LoadedFile(path, (), (problem,))
    return _parse(cast(str, text), path)  # decoded: there is no problem


def _parse(
    text: str, path: str, loader_class: type[Loader] | type[SlowLoader] | None = None
) -> LoadedFile:
    documents: list[Document] = []
    loader = (loader_class or Loader)(text)
    may_alias = "*" in text
    try:
        while loader.check_node():
            node = cast(yaml.Node, loader.get_node())  # check_node() said there is one
            line = node.start_mark.line + 1
            if len(documents) == MAX_DOCUMENTS:
                return refusal(
                    path,
                    f"more than {MAX_DOCUMENTS} documents",
                    line,
                    "split it into several files "
                    "(kustomize slows down with the square of the count)",
                )
            if may_alias and expanded_size(node, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
                return refusal(
                    path,
                    f"aliases expand this document to more than {MAX_EXPANDED_NODES:,} values",
                    line,
                    "write the values out, or use fewer nested aliases",
                )
            data = loader.construct_document(node)
            if data is not None:
                documents.append(Document(data, path, line, field_lines(node)))
    except yaml.MarkedYAMLError as err:
        if loader_class is None and "duplicate anchor" in str(err.context):
            return _parse(text, path, SlowLoader)
        mark = err.problem_mark or err.context_mark
        if (
            err.context_mark
            and cast(yaml.Mark, mark).line >= text.count("\n")  # (mark is context_mark or before)
            and cast(yaml.Mark, mark).column == 0
        ):
            mark = err.context_mark  # stopped at the end of input: the open construct is the place
        what = " ".join(part for part in (err.context, err.problem) if part)
        hint = "fix the syntax here (yamllint shows more)"
        if "maximum nesting depth" in what:
            what, hint = (
                "nested deeper than 1,000 levels",
                "flatten it: no manifest needs that depth",
            )
        return LoadedFile(
            path, tuple(documents), (_problem(path, f"invalid YAML: {what}", mark, hint),)
        )
    except yaml.reader.ReaderError as err:  # a character YAML does not allow: at its own line
        line = (
            text.count("\n", 0, max(0, err.position - (len(text) - len(text.lstrip("\ufeff"))))) + 1
        )
        return LoadedFile(
            path,
            tuple(documents),
            (
                Problem.at(
                    YAML_CHECK,
                    ERROR,
                    f"invalid YAML: {err.reason} (character #x{err.character:04x})",
                    Location(path, line, None),
                    hint="remove it, or write it escaped in a double-quoted string",
                ),
            ),
        )
    # whatever else the loader raises, the file becomes a problem, never the run's end
    except Exception as err:
        message = (
            "nesting too deep"
            if isinstance(err, RecursionError)
            else (str(err).splitlines() or [""])[0]
        )
        return LoadedFile(
            path,
            tuple(documents),
            (_problem(path, f"invalid YAML: {message or type(err).__name__}", None),),
        )
    finally:
        loader.dispose()
    duplicates = tuple(
        _problem(path, message, mark, "kustomize and Flux refuse the file; keep one of them")
        for message, mark in loader.duplicates
    )
    return LoadedFile(path, tuple(documents), duplicates)


def load_stream(text: str) -> list[Any]:
    """Load trusted, tool-generated YAML (kustomize output) without line bookkeeping."""
    return [
        doc
        for doc in yaml.load_all(text, Loader=StreamLoader)  # type: ignore[arg-type]  # (the stubs take PyYAML's own loaders only)
        if doc is not None
    ]


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, width=1 << 30, allow_unicode=True)


def is_regular(path: Path) -> bool:
    """A regular file (after symlinks): a FIFO, a device or a symlink loop named .yaml is never
    read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
