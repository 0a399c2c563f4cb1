"""The pod templates of workload resources and their containers, each with its field path,
for the checks that judge what runs (images, workloads)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infometis.model import as_list
from infometis.model.kinds import CONTAINER_LISTS, POD_SPECS
from infometis.render.kustomize import Resource


@dataclass(frozen=True)
class Container:
    role: str  # which list it is in: containers, initContainers or ephemeralContainers
    index: int
    data: dict[str, Any]
    path: tuple[str | int, ...]  # from the resource's root

    @property
    def label(self) -> str:
        """e.g. containers[0] (nifi)"""
        name = self.data.get("name")
        return f"{self.role}[{self.index}]" + (
            f" ({name})" if isinstance(name, str) and name else ""
        )


def pod_spec(resource: Resource) -> tuple[tuple[str, ...], dict[str, Any]] | None:
    """(path, pod spec) of a workload resource, or None for any other resource."""
    path = POD_SPECS.get((resource.id.group, resource.id.kind))
    if path is None:
        return None
    node: Any = resource.data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return (path, node) if isinstance(node, dict) else None


def containers(
    spec: dict[str, Any], path: tuple[str | int, ...], roles: tuple[str, ...] = CONTAINER_LISTS
) -> Iterator[Container]:
    """The containers of a pod spec, in `roles` order; entries that are not maps are skipped."""
    for role in roles:
        items = spec.get(role)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield Container(role, index, item, path + (role, index))


def pod_images(
    spec: dict[str, Any], path: tuple[str | int, ...]
) -> Iterator[tuple[str, str, tuple[str | int, ...]]]:
    """(where, image, field path) of every image a pod spec runs: containers of every list and
    image volumes (volumes[].image.reference)."""
    for container in containers(spec, path, CONTAINER_LISTS):
        image = container.data.get("image")
        if isinstance(image, str) and image:
            yield container.label, image, container.path + ("image",)
    for index, volume in enumerate(as_list(spec.get("volumes"))):
        source = volume.get("image") if isinstance(volume, dict) else None
        reference = source.get("reference") if isinstance(source, dict) else None
        if isinstance(reference, str) and reference:
            name = volume.get("name")
            label = f"volumes[{index}]" + (f" ({name})" if isinstance(name, str) and name else "")
            yield label, reference, path + ("volumes", index, "image", "reference")
