"""The units of `validate --shard` and the shard of each: a deterministic split of a repository's
services, decided from its files before anything is rendered.

Services are the folders `services:` names in .infometis.yaml (default apps/*); in a repository
with none of those, the folders that hold the definition of a Flux Kustomization whose spec.path
lies below them (kubernetes/apps/<namespace>/<app>/ks.yaml beside app/, as many home-ops
repositories are laid out). A unit is one service, or several joined: when a kustomization of one
reads the folder of another, or when they read the same files outside every service (a shared
component) that no kustomization outside the services reads. Files outside the services that one
unit alone reads belong to it, so that every problem at them is found and said by one shard.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from infometis.discover import closure as closures
from infometis.load.config import DEFAULT_SERVICES
from infometis.load.filecache import FileCache
from infometis.model import Location
from infometis.run.shard.scan import Scan, scan, services


@dataclass(frozen=True)
class Split:
    """The services of a repository, their units, and the shard of each unit."""

    repo: Path
    count: int
    unit_of: dict[
        str, str
    ]  # service (its folder from the repository root) → its unit (named after its first service)
    shard_of: dict[str, int]  # unit → shard, 1..count
    owned: dict[
        str, str
    ]  # a file or folder outside the services that one unit alone reads → that unit
    found: Scan

    def followed(self, kind: str, name: str, unit: str) -> bool:
        """Whether a source that `unit` renders can change another unit's render: a Flux
        Kustomization follows it, or a HelmRelease of another unit (or of none) takes its chart."""
        if self.found.wild or (kind, name) in self.found.followed:
            return True
        files = [
            *self.found.charts.get((kind, name), ()),
            *(
                file
                for pattern, file in self.found.wild_charts
                if pattern.fullmatch(f"{kind}/{name}")
            ),
        ]
        return any(self.owner(file) != unit for file in files)

    def service(self, path: Path | str | None) -> str | None:
        """The service whose folder holds `path` (absolute, or relative to the repository)."""
        relative = self.relative(path)
        if relative is None:
            return None
        for folder in (relative, *relative.parents):
            if str(folder) in self.unit_of:
                return str(folder)
        return None

    def unit(self, path: Path | str | None) -> str | None:
        service = self.service(path)
        return self.unit_of[service] if service else None

    def owner(self, path: Path | str | None) -> str | None:
        """The unit of `path`: its service's, else the one unit that reads it (or its folder)."""
        unit = self.unit(path)
        relative = self.relative(path) if unit is None else None
        if relative is not None:
            unit = self.owned.get(str(relative)) or self.owned.get(str(relative.parent))
        return unit

    def shards(self) -> dict[int, list[str]]:
        """Shard → its services, sorted."""
        found: dict[int, list[str]] = {number: [] for number in range(1, self.count + 1)}
        for service, unit in sorted(self.unit_of.items()):
            found[self.shard_of[unit]].append(service)
        return found

    def relative(self, path: Path | str | None) -> PurePosixPath | None:
        """`path` from the repository root; None when it lies outside."""
        if path is None:
            return None
        path = Path(path)
        if path.is_absolute():
            try:
                path = path.relative_to(self.repo)
            except ValueError:
                return None
        return PurePosixPath(os.path.normpath(path).replace(os.sep, "/"))


# ---------------------------------------------------------------- units


class _Joined:
    """Union-find over names: the smallest name of a set names it."""

    def __init__(self, names: Iterable[str]) -> None:
        self.parent = {name: name for name in names}

    def find(self, name: str) -> str:
        while self.parent[name] != name:
            self.parent[name] = self.parent[self.parent[name]]
            name = self.parent[name]
        return name

    def join(self, one: str, other: str) -> None:
        first, second = sorted((self.find(one), self.find(other)))
        self.parent[second] = first


def _closure(folder: Path, components: tuple[str, ...], cache: FileCache) -> set[Path]:
    """What a build of `folder` reads, with these spec.components (relative to it)."""
    closure = closures.walk(folder, cache)
    closures.add_components(folder, [(c, Location()) for c in components], cache, closure)
    return closure.folders | closure.files | closure.manifests


def _reads(repo: Path, service: str, cache: FileCache, found: Scan) -> set[Path]:
    """What builds of the kustomizations below the service's folder read, with the spec.components
    of the Flux Kustomizations its files define."""
    read: set[Path] = set()
    for current, subdirs, _ in os.walk(repo / service):
        subdirs.sort()
        if closures.kustomization_file(Path(current)):
            read |= _closure(Path(current), (), cache)
    for where, path, components in sorted(found.kustomizations):
        if (
            components
            and (where == service or where.startswith(service + "/"))
            and (repo / path).is_dir()
        ):
            read |= _closure(repo / path, components, cache)
    return read


def units(
    repo: Path, names: list[str], entries: list[Path], found: Scan
) -> tuple[dict[str, str], dict[str, str]]:
    """(service → unit, outside path → the unit that alone reads it)."""
    joined = _Joined(names)
    layout = Split(repo, 1, {name: name for name in names}, {}, {}, found)
    cache = FileCache(repo)  # kustomization files read to follow them, not validated here
    outside: dict[str, set[str]] = {}  # a path outside the services → the services reading it
    for name in names:
        for path in _reads(repo, name, cache, found):
            other = layout.service(path)
            if other is not None and other != name:
                joined.join(name, other)
            elif other is None and (relative := layout.relative(path)) is not None:
                outside.setdefault(str(relative), set()).add(name)
    reads = _outside_reads(repo, layout, cache, entries, found)
    shared = set(outside) if reads is None else {str(layout.relative(path)) for path in reads}
    for held, readers in outside.items():
        if held not in shared:
            for reader in readers:
                joined.join(min(readers), reader)
    unit_of = {name: joined.find(name) for name in names}
    owned = {path: unit_of[min(readers)] for path, readers in outside.items() if path not in shared}
    return unit_of, owned


def _outside_reads(
    repo: Path, layout: Split, cache: FileCache, entries: list[Path], found: Scan
) -> set[Path] | None:
    """What the builds outside the services read: the clusters' entry folders and every Flux
    Kustomization's path outside them, with its spec.components; None when a path cannot be read
    (${variables})."""
    if any("${" in path for _, path, _ in found.kustomizations):
        return None
    roots: list[tuple[Path, tuple[str, ...]]] = [(entry, ()) for entry in entries]
    roots += [
        (repo / path, components)
        for _, path, components in sorted(found.kustomizations)
        if layout.service(path) is None
    ]
    read: set[Path] = set()
    for root, components in roots:
        if root.is_dir():
            read |= _closure(root, components, cache)
    return read


def assign(costs: dict[str, int], count: int) -> dict[str, int]:
    """Unit → shard: largest first, each to the lightest shard (ties: name, shard number)."""
    loads = [0] * count
    found = {}
    for unit in sorted(costs, key=lambda u: (-costs[u], u)):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        found[unit] = lightest + 1
        loads[lightest] += costs[unit]
    return found


def split(
    repo: Path,
    count: int,
    patterns: tuple[str, ...] = DEFAULT_SERVICES,
    entries: Sequence[Path] = (),
) -> Split:
    """`entries`: the clusters' entry folders (what they read is no unit's)."""
    found = scan(repo)
    files = services(repo, patterns, found)
    unit_of, owned = units(repo, sorted(files), list(entries), found)
    costs: dict[str, int] = {}
    for service, unit in unit_of.items():
        costs[unit] = costs.get(unit, 0) + files[service]
    return Split(repo, count, unit_of, assign(costs, count), owned, found)
