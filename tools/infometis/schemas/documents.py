"""Manifests read straight from files, as kubeconform takes them: files, folders or stdin,
`List` kinds expanded, each document with the lines its fields sit on."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infometis.load.yamlio import MAX_FILE_BYTES, is_regular, load_text
from infometis.model import Document, Location, Problem
from infometis.model.errors import ConfigError
from infometis.schemas.crd import convert_crd, is_crd

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Manifest:
    data: Any  # a mapping, unless the file holds something else (a List's item, a scalar)
    document: Document
    # where it sits in its document: ("items", 3) for a List item
    prefix: tuple[str | int, ...] = ()

    def location(self, path: tuple[str | int, ...] = ()) -> Location:
        return self.document.location((*self.prefix, *path))


def files_under(
    paths: list[str], skip: Callable[[str], bool] = lambda relative: False
) -> list[Path | str]:
    """Each path as given: '-' (stdin), a file, or every manifest under a folder (hidden ones
    skipped)."""
    found: list[Path | str] = []
    for text in paths:
        path = Path(text)
        if text == "-":
            found.append("-")
        elif path.is_file():
            found.append(path)
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d for d in dirs if not d.startswith(".") and not skip(os.path.join(folder, d))
                )
                found += [
                    Path(folder) / f
                    for f in sorted(files)
                    if f.endswith(SUFFIXES) and is_regular(Path(folder) / f)
                ]
        else:
            raise ConfigError(f"{text}: no such file or folder")
    return found


def read(source: Path | str, display: str | None = None) -> tuple[list[Manifest], list[Problem]]:
    """The manifests of one file (or of stdin), and its syntax problems."""
    try:  # past the size limit nothing more is read: load_text refuses it as too large
        data = (
            sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            if source == "-"
            else _read_limited(Path(source))
        )
    except OSError as err:
        raise ConfigError(f"{source}: cannot read it ({err.strerror or err})") from None
    loaded = load_text(data, display or ("(stdin)" if source == "-" else str(source)))
    manifests: list[Manifest] = []
    for document in loaded.documents:
        manifests += list(_expand(document))
    return manifests, list(loaded.problems)


def _read_limited(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(MAX_FILE_BYTES + 1)


def _expand(document: Document) -> Iterator[Manifest]:
    data = document.data
    if data is None:
        return
    if (
        isinstance(data, dict)
        and str(data.get("kind", "")).endswith("List")
        and isinstance(data.get("items"), list)
    ):
        for index, item in enumerate(data["items"]):
            yield Manifest(item, document, ("items", index))
        return
    yield Manifest(data, document)


def crd_schemas(
    manifests: Iterable[Manifest], strict: bool, origin: Callable[[Manifest], str]
) -> tuple[dict[tuple[str, str, str], tuple[dict[str, Any], str]], list[tuple[Manifest, str]]]:
    """The schemas of the CRDs among `manifests`: (group, version, kind) → (schema, origin),
    and the CRDs that could not be read, with why."""
    found: dict[tuple[str, str, str], tuple[dict[str, Any], str]]
    broken: list[tuple[Manifest, str]]
    found, broken = {}, []
    for manifest in manifests:
        if not is_crd(manifest.data):
            continue
        try:
            for converted in convert_crd(manifest.data, strict=strict):
                found.setdefault(
                    (converted.group, converted.version, converted.kind),
                    (converted.schema, origin(manifest)),
                )
        except ValueError as err:
            broken.append((manifest, str(err)))
    return found, broken
