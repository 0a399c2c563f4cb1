"""What a kustomize build reads, found statically: the folders and files of a kustomization's
closure. kustomize does not say what it reads, so this errs on the side of more."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .model import Location, as_list
from .yamlio import FileCache

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAML_SUFFIXES = (".yaml", ".yml")
_REMOTE_PREFIXES = ("git::", "git@", "github.com/", "gitlab.com/", "bitbucket.org/", "ssh:", "oci:")


def kustomization_file(folder: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def is_remote(reference: str) -> bool:
    return "://" in reference or reference.startswith(_REMOTE_PREFIXES) or "?ref=" in reference


@dataclass
class Closure:
    folders: set[Path] = field(default_factory=set)
    files: set[Path] = field(default_factory=set)
    manifests: set[Path] = field(default_factory=set)  # files read as YAML (not generator inputs)
    remote: list[tuple[str, Location]] = field(default_factory=list)


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
        found.extend(here / name for name in sorted(files) if name.endswith(YAML_SUFFIXES))
    return sorted(found)


def _path_entries(spec: dict) -> list[tuple[tuple, str]]:
    """Every (field path, reference) in a kustomization that names a local file or folder."""
    refs: list[tuple[tuple, str]] = []

    def add(path: tuple, value) -> None:
        if isinstance(value, str) and value and "\n" not in value:
            refs.append((path, value.split("=", 1)[-1] if path[0].endswith("Generator") else value))

    for key in ("resources", "bases", "components", "crds", "patchesStrategicMerge",
                "generators", "transformers", "validators", "configurations"):
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
    if isinstance(spec.get("openapi"), dict):
        add(("openapi", "path"), spec["openapi"].get("path"))
    return refs


def _is_kustomize_field(path: tuple) -> bool:
    return path[0] in ("resources", "bases", "components")


def walk(folder: Path, cache: FileCache, closure: Closure | None = None) -> Closure:
    """Add to `closure` everything a build of `folder` reads (a new closure: once per folder
    and run, since many renders share a folder; each caller gets its own copy)."""
    folder = Path(os.path.normpath(folder))
    if closure is not None:
        return _walk(folder, cache, closure)
    found = cache.closures.get(folder)
    if found is None:
        found = cache.closures[folder] = _walk(folder, cache, Closure())
    return Closure(set(found.folders), set(found.files), set(found.manifests), list(found.remote))


def _walk(folder: Path, cache: FileCache, closure: Closure) -> Closure:
    folder = Path(os.path.normpath(folder))
    if folder in closure.folders or not folder.is_dir():
        return closure
    closure.folders.add(folder)
    spec_file = kustomization_file(folder)
    if spec_file is None:
        for item in generated_resources(folder):
            if item.is_dir():
                walk(item, cache, closure)
            else:
                closure.files.add(item)
                closure.manifests.add(item)
        return closure
    closure.files.add(spec_file)
    closure.manifests.add(spec_file)
    loaded = cache.load(spec_file)
    for document in loaded.documents[:1]:
        if not isinstance(document.data, dict):
            continue
        for path, reference in _path_entries(document.data):
            if is_remote(reference):
                closure.remote.append((reference, document.location(path)))
                continue
            target = Path(os.path.normpath(folder / reference))
            if target.is_dir() and _is_kustomize_field(path):
                walk(target, cache, closure)
            elif target.is_dir():
                closure.folders.add(target)
            else:
                closure.files.add(target)
                if not path[0].endswith("Generator") and path[0] != "openapi":
                    closure.manifests.add(target)
    return closure
