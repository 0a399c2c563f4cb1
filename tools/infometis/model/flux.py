"""Flux objects as plain data: Kustomizations, their source references, and sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from infometis.model import FLUX_KUSTOMIZE_GROUP, Document, Location, ResourceId, as_list
from infometis.model.kinds import SOURCE_KINDS

SOURCE_GROUPS = ("source.toolkit.fluxcd.io", "source.extensions.fluxcd.io")


def is_flux_kustomization(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("kind") == "Kustomization"
        and str(obj.get("apiVersion", "")).startswith(FLUX_KUSTOMIZE_GROUP + "/")
    )


def is_source(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("kind") in SOURCE_KINDS
        and str(obj.get("apiVersion", "")).rpartition("/")[0] in SOURCE_GROUPS
    )


@dataclass(frozen=True, order=True)
class SourceRef:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True, eq=False)
class FluxKustomization:
    """A Flux Kustomization as found in a render (or synthesised for a cluster's entry folder).
    Equal and hashed by identity: two clusters' Kustomizations of one name are two objects, and
    maps of what happened to each (rendered, failed, skipped) key on the object itself."""

    id: ResourceId
    spec: dict[str, Any]
    target: str  # the cluster whose API receives its resources
    document: Document | None = None  # where it was written, for line numbers
    parent: ResourceId | None = None
    entry: bool = False

    @classmethod
    def parse(
        cls,
        obj: dict[str, Any],
        target: str,
        document: Document | None,
        parent: ResourceId | None,
    ) -> FluxKustomization:
        spec = cast("dict[str, Any]", obj.get("spec")) if isinstance(obj.get("spec"), dict) else {}
        return cls(ResourceId.of(obj), spec, target, document, parent)

    def where(self, *path: str | int) -> Location:
        if self.document is None:
            return Location()
        return self.document.location(path)

    @property
    def namespace(self) -> str:
        return self.id.namespace

    @property
    def path(self) -> str:
        return str(self.spec.get("path") or "")

    @property
    def source(self) -> SourceRef | None:
        ref = self.spec.get("sourceRef")
        if not isinstance(ref, dict) or not ref.get("kind") or not ref.get("name"):
            return None
        return SourceRef(
            str(ref["kind"]), str(ref.get("namespace") or self.namespace), str(ref["name"])
        )

    @property
    def depends_on(self) -> list[tuple[int, ResourceId]]:
        found: list[tuple[int, ResourceId]] = []
        for index, item in enumerate(as_list(self.spec.get("dependsOn"))):
            if isinstance(item, dict) and item.get("name"):
                namespace = str(item.get("namespace") or self.namespace)
                found.append(
                    (
                        index,
                        ResourceId(
                            "Kustomization", FLUX_KUSTOMIZE_GROUP, namespace, str(item["name"])
                        ),
                    )
                )
        return found

    @property
    def post_build(self) -> dict[str, Any] | None:
        post_build = self.spec.get("postBuild")
        return post_build if isinstance(post_build, dict) else None

    @property
    def kube_config_target(self) -> str | None:
        kube_config = self.spec.get("kubeConfig")
        if not isinstance(kube_config, dict):
            return None
        ref = kube_config.get("secretRef")  # (a malformed one is the schema check's to say)
        secret = (ref.get("name") if isinstance(ref, dict) else None) or "remote"
        return f"{self.target}->{self.namespace}/{secret}"
