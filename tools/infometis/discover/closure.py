"""What a kustomize build reads, found statically: the folders and files of a kustomization's
closure. kustomize does not say what it reads, so this errs on the side of more."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from infometis.discover.boundary import ESCAPE_HINTS, escape, is_remote
from infometis.load.filecache import FileCache
from infometis.model import Location, as_list

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAML_SUFFIXES = (".yaml", ".yml")
# Where a kustomization names a file: its top-level key first, then keys and list indexes.
EntryPath: TypeAlias = "tuple[str, *tuple[str | int, ...]]"


def kustomization_file(folder: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


@dataclass
class Closure:
    folders: set[Path] = field(default_factory=set)
    files: set[Path] = field(default_factory=set)
    manifests: set[Path] = field(default_factory=set)  # files read as YAML (not generator inputs)
    remote: list[tuple[str, Location]] = field(default_factory=list)
    # unsafe to build: why, where, what to do
    refused: list[tuple[str, Location, str]] = field(default_factory=list)
    # named but absent: the build fails there
    missing: list[tuple[str, Location]] = field(default_factory=list)
    cut: set[Path] = field(default_factory=set)  # folders of a cycle still being walked further out


def generated_resources(folder: Path) -> list[Path]:
    """The resources of the kustomization Flux generates for a folder that has none:
    every YAML file below it, and each sub-folder that has its own kustomization."""
    found: list[Path] = []
    for current, subdirs, files in os.walk(folder):
        here = Path(current)
        for name in sorted(subdirs):
            if kustomization_file(here / name):
                found.append(here / name)
        subdirs[:] = sorted(name for name in subdirs if not kustomization_file(here / name))
        # a FIFO or a device named .yaml would block the build: only files, and symlinks
        # (checked later)
        found.extend(
            here / name
            for name in sorted(files)
            if name.endswith(YAML_SUFFIXES)
            and ((here / name).is_file() or (here / name).is_symlink())
        )
    return sorted(found)


def _path_entries(spec: dict[str, Any]) -> list[tuple[EntryPath, str]]:
    """Every (field path, reference) in a kustomization that names a local file or folder."""
    refs: list[tuple[EntryPath, str]] = []

    def add(path: EntryPath, value: Any) -> None:
        if isinstance(value, str) and value and "\n" not in value:
            refs.append((path, value.split("=", 1)[-1] if path[0].endswith("Generator") else value))

    for key in (
        "resources",
        "bases",
        "components",
        "crds",
        "patchesStrategicMerge",
        "generators",
        "transformers",
        "validators",
        "configurations",
    ):
        for index, item in enumerate(as_list(spec.get(key))):
            add((key, index), item)
    for key in ("patches", "patchesJson6902", "replacements"):
        for index, item in enumerate(as_list(spec.get(key))):
            if isinstance(item, dict):
                add((key, index, "path"), item.get("path"))
    for key in ("configMapGenerator", "secretGenerator"):
        for index, item in enumerate(as_list(spec.get(key))):
            if isinstance(item, dict):
                for sub in ("files", "envs"):
                    for sub_index, ref in enumerate(as_list(item.get(sub))):
                        add((key, index, sub, sub_index), ref)
                add((key, index, "env"), item.get("env"))
    for index, item in enumerate(as_list(spec.get("helmCharts"))):
        if isinstance(item, dict):
            add(("helmCharts", index, "valuesFile"), item.get("valuesFile"))
            for sub_index, ref in enumerate(as_list(item.get("additionalValuesFiles"))):
                add(("helmCharts", index, "additionalValuesFiles", sub_index), ref)
    if isinstance(spec.get("openapi"), dict):
        add(("openapi", "path"), spec["openapi"].get("path"))
    return refs


def _is_kustomize_field(path: EntryPath) -> bool:
    return path[0] in ("resources", "bases", "components")


def walk(folder: Path, cache: FileCache, closure: Closure | None = None) -> Closure:
    """Everything a build of `folder` reads, added to `closure` (or a new one). Each folder's
    closure is found once per run and reused: thousands of overlays share a few bases."""
    return _visit(folder, cache, closure, ())


def _visit(
    folder: Path, cache: FileCache, closure: Closure | None, walking: tuple[Path, ...]
) -> Closure:
    """`walk`, inside the walks of the folders `walking` (outermost first)."""
    folder = Path(os.path.normpath(folder))
    if closure is None:
        found = _closure_of(folder, cache, walking)
        return Closure(
            set(found.folders),
            set(found.files),
            set(found.manifests),
            list(found.remote),
            list(found.refused),
            list(found.missing),
            set(found.cut),
        )
    if folder not in closure.folders:
        _merge(_closure_of(folder, cache, walking), closure)
    return closure


def _closure_of(folder: Path, cache: FileCache, walking: tuple[Path, ...]) -> Closure:
    found: Closure | None = cache.closures.get(folder)
    if found is not None:
        return found
    if folder in walking:  # a cycle: the walk of `folder` further out collects the rest
        return Closure(cut={folder})
    found = _walk(folder, cache, Closure(), (*walking, folder))
    found.cut.discard(folder)
    if not found.cut:  # complete: reusable (a part of a cycle is not, on its own)
        cache.closures[folder] = found
    return found


def _merge(part: Closure, closure: Closure) -> None:
    closure.folders |= part.folders
    closure.files |= part.files
    closure.manifests |= part.manifests
    closure.cut |= part.cut
    mine: list[Any]  # (remote, refused, missing: pairs or triples)
    theirs: list[Any]
    for mine, theirs in (
        (closure.remote, part.remote),
        (closure.refused, part.refused),
        (closure.missing, part.missing),
    ):
        mine += [item for item in theirs if item not in mine]


def _walk(folder: Path, cache: FileCache, closure: Closure, walking: tuple[Path, ...]) -> Closure:
    if not folder.is_dir():
        return closure
    closure.folders.add(folder)
    spec_file = kustomization_file(folder)
    if spec_file is None:
        for item in generated_resources(folder):
            where = Location(cache.relative(item), 1, None)
            if _refused(item, cache, closure, where):
                continue
            if item.is_dir():
                _visit(item, cache, closure, walking)
            else:
                _add_file(item, cache, closure, True)
        return closure
    if _refused(spec_file, cache, closure, Location(cache.relative(spec_file), 1, None)):
        return closure
    _add_file(spec_file, cache, closure, True)
    loaded = cache.load(spec_file)
    for document in loaded.documents[:1]:
        if not isinstance(document.data, dict):
            continue
        for path, reference in _path_entries(document.data):
            _reference(folder, path, reference, document.location(path), cache, closure, walking)
    return closure


def _reference(
    folder: Path,
    path: EntryPath,
    reference: str,
    where: Location,
    cache: FileCache,
    closure: Closure,
    walking: tuple[Path, ...],
) -> None:
    if is_remote(reference, folder):
        closure.remote.append((reference, where))
        return
    target = Path(os.path.normpath(folder / reference))
    if _refused(target, cache, closure, where, reference):
        return
    if not os.path.lexists(target):
        closure.missing.append((reference, where))
    if target.is_dir() and _is_kustomize_field(path):
        _visit(target, cache, closure, walking)
    elif target.is_dir():
        closure.folders.add(target)
    else:
        _add_file(
            target,
            cache,
            closure,
            not path[0].endswith("Generator") and path[0] not in ("openapi", "helmCharts"),
        )


def _refused(
    target: Path, cache: FileCache, closure: Closure, where: Location, reference: str | None = None
) -> bool:
    """Refuse (and say why) a path that leaves the repository."""
    why = escape(target, cache.root, cache.realpaths)
    if why:
        closure.refused.append(
            (f"'{reference or where.file}' {why}: refused", where, ESCAPE_HINTS[why])
        )
    return why is not None


def _add_file(path: Path, cache: FileCache, closure: Closure, manifest: bool) -> None:
    closure.files.add(path)
    if not manifest:
        # a FIFO would block kustomize
        if os.path.exists(path) and not path.is_file() and not path.is_dir():
            closure.refused.append(
                (
                    f"not rendered: {cache.relative(path)}: not a regular file",
                    Location(cache.relative(path), 1, None),
                    "replace it with a file",
                )
            )
        return
    closure.manifests.add(path)
    if os.path.lexists(path):
        loaded = cache.load(path)
        if loaded.refused:
            closure.refused.append(
                (
                    f"not rendered: {loaded.path}: {loaded.refused}",
                    Location(loaded.path, 1, None),
                    "the yaml problem of this file says what to change",
                )
            )


def add_components(
    folder: Path, components: list[tuple[str, Location]], cache: FileCache, closure: Closure
) -> None:
    """A Flux Kustomization's spec.components: folders relative to its path, inside the
    repository."""
    for reference, where in components:
        target = Path(os.path.normpath(folder / reference))
        if not _refused(target, cache, closure, where, reference):
            walk(target, cache, closure)


def generator_values(closure: Closure, cache: FileCache, limit: int = 1 << 20) -> set[str]:
    """What the closure's secretGenerators put in their Secrets (literals, env files' values,
    files' contents): kept out of any message a tool prints about them."""
    found: set[str] = set()
    for path in closure.manifests:
        if path.name not in KUSTOMIZATION_FILES or not path.is_file():
            continue
        for document in cache.load(path).documents[:1]:
            entries = (
                document.data.get("secretGenerator") if isinstance(document.data, dict) else None
            )
            for entry in (item for item in as_list(entries) if isinstance(item, dict)):
                found |= {str(item).split("=", 1)[-1] for item in as_list(entry.get("literals"))}
                for name in [
                    *as_list(entry.get("envs")),
                    entry.get("env"),
                    *as_list(entry.get("files")),
                ]:
                    source = (
                        path.parent / str(name).split("=", 1)[-1] if isinstance(name, str) else None
                    )
                    if source is not None and source.is_file() and source.stat().st_size <= limit:
                        text = source.read_text(errors="replace")
                        found.add(text.strip())
                        found |= {
                            line.split("=", 1)[1].strip()
                            for line in text.splitlines()
                            if "=" in line
                        }
    return found
