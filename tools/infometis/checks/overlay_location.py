"""Where an overlay sets a field that core-invariance reports: the line of a JSON patch path,
a named list item or a key, searched in the overlay's patches, its components' and the Flux
Kustomization's inline patches, then in the kustomizations whole."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infometis.analysis.invariance import Item
from infometis.discover.closure import kustomization_file
from infometis.model import Location, as_list

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import Rendered, RepoRun

    # what one run computes once: ("masked", id(document)), ("texts", overlay file),
    # ("blocks", Flux file) and ("line", ...) → the document and its masked data, the texts,
    # the patch blocks, the line found
    Memo = dict[tuple[Any, ...], Any]
    # the line of a field in a file's lines, if found
    Needle = Callable[[list[str]], int | None]

_BLOCK_START = re.compile(r"^\s*(?:-\s+)?(?:[^\s:#][^:#]*:\s+)?[|>][-+0-9]*\s*(?:#.*)?$")


def overlay_location(
    run: RepoRun,
    rendered: Rendered,
    path: tuple[Any, ...],
    resource: Resource | None,
    name: str,
    memo: Memo,
) -> Location:
    """The line of the overlay that sets the field, else the kustomization's line 1."""
    spec = kustomization_file(rendered.folder)
    if ("texts", spec) not in memo:
        memo["texts", spec] = _overlay_texts(run, spec) if spec else []
    texts = list(memo["texts", spec])
    k = rendered.kustomization
    flux_file = None
    if k.document is not None and (k.spec.get("patches") or k.spec.get("images")):
        flux_file = run.repo / k.document.file
        if ("blocks", flux_file) not in memo:
            memo["blocks", flux_file] = _patch_blocks(_lines(flux_file))
        texts.append((flux_file, memo["blocks", flux_file]))
    # (an Item equals its index: its name goes into the key too)
    key = (
        "line",
        spec,
        flux_file,
        tuple((p, p.name) if isinstance(p, Item) else p for p in path),
        name,
    )
    if key not in memo:  # the same field of several objects of one overlay: searched once
        memo[key] = _first_line(texts, path, name)
    found = memo[key]
    if found:
        return Location(run.cache.relative(found[0]), found[1], None)
    if spec:
        return Location(run.cache.relative(spec), 1, 1)
    return run.locate(resource, path) if resource is not None else k.where("spec", "path")


def _first_line(
    texts: list[tuple[Path, list[str]]], path: tuple[Any, ...], name: str
) -> tuple[Path, int] | None:
    for needle in _needles(path, name):
        for file, lines in texts:
            line = needle(lines)
            if line:
                return file, line
    return None


def _overlay_texts(run: RepoRun, spec: Path) -> list[tuple[Path, list[str]]]:
    """(file, lines) to search, patches first: the inline patches of the overlay's kustomization
    and the patch files it lists, then its components' (one level); then these kustomizations
    whole (kustomize's own keys, such as a patch's `path:`, must not win over a patch's fields)."""
    kustomizations = [spec]
    for component in as_list(_spec_data(run, spec).get("components")):
        folder = (
            Path(os.path.normpath(spec.parent / component)) if isinstance(component, str) else None
        )
        found = kustomization_file(folder) if folder else None
        if found:
            kustomizations.append(found)
    texts: list[tuple[Path, list[str]]] = []
    for file in kustomizations:
        texts.append((file, _patch_blocks(_lines(file))))
        texts += [(patch, _lines(patch)) for patch in _patch_files(run, file)]
    return texts + [(file, _lines(file)) for file in kustomizations]


def _patch_blocks(lines: list[str]) -> list[str]:
    """Only the lines of block scalars (`patch: |`, `- |`), the others blanked: numbers kept."""
    kept, limit = [""] * len(lines), None
    for number, text in enumerate(lines):
        indent = len(text) - len(text.lstrip())
        if limit is not None and (not text.strip() or indent > limit):
            kept[number] = text
            continue
        limit = None
        if _BLOCK_START.match(text):
            limit = indent
    return kept


def _spec_data(run: RepoRun, spec: Path) -> dict[str, Any]:
    documents = run.cache.load(spec).documents
    return documents[0].data if documents and isinstance(documents[0].data, dict) else {}


def _patch_files(run: RepoRun, spec: Path) -> list[Path]:
    data = _spec_data(run, spec)
    named = [
        item.get("path") if isinstance(item, dict) else item
        for key in ("patches", "patchesJson6902", "patchesStrategicMerge")
        for item in as_list(data.get(key))
    ]
    paths = [
        Path(os.path.normpath(spec.parent / p))
        for p in named
        if isinstance(p, str) and p and "\n" not in p
    ]
    return [p for p in paths if p.is_file()]


def _lines(file: Path) -> list[str]:
    try:
        return file.read_text(errors="replace").splitlines()
    except OSError:
        return []


def _needles(path: tuple[Any, ...], name: str) -> Iterator[Needle]:
    """Ways to find the field's line, most precise first: a JSON patch path to it (or to a list
    holding it), the named list item it is in then the key below it, then its last key."""
    for depth in range(len(path), 1, -1):
        pointer = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path[:depth])
        yield _search(re.escape(pointer) + r"(?:/-)?(?![\w/.~-])")
    items = [depth for depth, part in enumerate(path) if isinstance(part, Item)]
    if items:
        keys = [p for p in path[items[-1] :] if isinstance(p, str)]
        yield _named(path[items[-1]].name, keys[-1] if keys else None)
    keys = [p for p in path if isinstance(p, str)]
    yield _search(_key(keys[-1])) if keys else _named(name, None)


def _key(key: str) -> str:
    """`key:` in YAML, or `key=` as a generator's literal."""
    return rf"^\s*(?:-\s+)?(?:[\"']?{re.escape(key)}[\"']?\s*:|{re.escape(key)}=)"


def _search(pattern: str) -> Needle:
    compiled = re.compile(pattern)

    def find(lines: list[str]) -> int | None:
        return next(
            (
                n
                for n, text in enumerate(lines, 1)
                if not text.lstrip().startswith("#") and compiled.search(text)
            ),
            None,
        )

    return find


def _named(item: str, key: str | None) -> Needle:
    """The line `name: <item>`; with `key`, the first line of that item's block holding `key:`."""
    name_line = re.compile(rf"^(\s*)(-\s+)?name:\s*[\"']?{re.escape(item)}[\"']?\s*(?:#.*)?$")
    wanted = re.compile(_key(key)) if key else None

    def find(lines: list[str]) -> int | None:
        for number, text in enumerate(lines, 1):
            match = name_line.match(text)
            if not match:
                continue
            if wanted is None:
                return number
            # the item's block: deeper than its dash, or as deep as `name:` when it has none
            limit = len(match.group(1)) - (0 if match.group(2) else 1)
            for below, following in enumerate(lines[number:], number + 1):
                if following.strip() and len(following) - len(following.lstrip()) <= limit:
                    break
                if wanted.search(following):
                    return below
        return None

    return find
