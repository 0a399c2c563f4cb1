"""The Kafka test as plain functions: the core objects of each service (rendered from
apps/<service>/base/) in each cluster, and the terms their comparison is told in (absent,
present, a named list item, a difference). masking.py sets aside what an environment may
set; comparison.py finds where the clusters still differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from infometis.discover.closure import KUSTOMIZATION_FILES
from infometis.model import layout
from infometis.render.kustomize import Resource

if TYPE_CHECKING:
    from infometis.render.runs import RepoRun

ObjectKey = tuple[str, str, str]  # kind, API group, name: namespaces may differ by cluster
DEFAULT_SETTINGS = ("domain", "cluster", "environment")
_GENERATED_SUFFIX = re.compile(r"^(.+)-[a-z0-9]{10}$")  # kustomize's content hash


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING = _Sentinel("absent")  # the field (or object) is not there
PRESENT = _Sentinel("present")  # the object is there (path () of an object-level difference)
UNKNOWN = _Sentinel("unknown")  # no reference value to judge by
NAMESPACE = "${namespace}"  # the name a service's own Namespace object is matched by


class Item(int):
    """A list index that knows the name of its item: lists of named items (containers, env,
    ports, volumes) are matched by name, as kustomize merges them, whatever their order."""

    name: str

    def __new__(cls, index: int, name: str) -> Item:
        item = super().__new__(cls, index)
        item.name = name
        return item


@dataclass(frozen=True)
class Difference:
    service: str
    object: ObjectKey
    path: tuple[str | int, ...]  # () when the object itself is missing somewhere
    values: dict[str, Any]  # cluster → value (MISSING, or PRESENT for the object itself)


def object_key(resource: Resource) -> ObjectKey:
    """(kind, group, name); a generated ConfigMap or Secret without its content hash, which
    differs whenever the content does (the content is compared instead)."""
    name = resource.id.name
    generated = resource.origin is not None and resource.origin.name in KUSTOMIZATION_FILES
    if (
        generated
        and resource.id.kind in ("ConfigMap", "Secret")
        and (match := _GENERATED_SUFFIX.match(name))
    ):
        name = match.group(1)
    return resource.id.kind, resource.id.group, name


def core_objects(run: RepoRun) -> dict[str, dict[str, dict[ObjectKey, Resource]]]:
    """service → cluster → object → the rendered resource, for every object whose origin is
    under apps/<service>/base/ (objects of border components and overlays are not core). The
    objects a HelmRelease's chart renders are left out: the HelmRelease is compared, and its
    chart version is a pin each environment moves on its own."""
    found: dict[str, dict[str, dict[ObjectKey, Resource]]] = {}
    for cluster in run.clusters:
        for rendered in cluster.renders:
            for resource in rendered.resources:
                if resource.via is not None:
                    continue
                service = (
                    layout.core_service(run.cache.relative(resource.origin))
                    if resource.origin
                    else None
                )
                if service is not None and isinstance(resource.data, dict):
                    by_cluster = found.setdefault(service, {}).setdefault(rendered.target, {})
                    # a duplicate is duplicate-resource's
                    by_cluster.setdefault(object_key(resource), resource)
    for objects_by_cluster in found.values():
        for objects in objects_by_cluster.values():
            namespace = namespace_of(objects.values())
            key = ("Namespace", "", namespace)
            if namespace and key in objects:  # the service's own namespace, whatever its name here
                objects[("Namespace", "", NAMESPACE)] = objects.pop(key)
    return found


def namespace_of(objects: Iterable[Any]) -> str:
    """The namespace most of a service's objects are in, in one cluster ('' if none)."""
    counts: dict[str, int] = {}
    for obj in objects:
        data = getattr(obj, "data", obj)
        metadata = data.get("metadata") if isinstance(data, dict) else None
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        if isinstance(namespace, str) and namespace:
            counts[namespace] = counts.get(namespace, 0) + 1
    return max(counts, key=cast("Callable[[str], int]", counts.get)) if counts else ""
