"""What one cluster holds, as the references check needs it: the objects its renders define
(and those that SealedSecrets, ExternalSecrets and Certificates make), the names its
HelmReleases' charts may use, the namespaces left partly unrendered, and what Kubernetes and
Flux make without a definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from infometis.analysis.reference_fields import Ref, dig
from infometis.model import as_list
from infometis.model.kinds import (
    BOOTSTRAP_SOURCE_KINDS,
    CHART_SOURCE_KINDS,
    GATEWAY_GROUP,
    TRAEFIK_GROUPS,
)

if TYPE_CHECKING:
    from infometis.render.kustomize import Resource
    from infometis.render.runs import ClusterRun

KNOWN = ("Secret", "ConfigMap", "ServiceAccount", "Service")  # core kinds that can be named
FLUX_NAMESPACE = "flux-system"
FLUX_ACCOUNTS = (
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "source-watcher",
)
FLUX_SERVICES = ("webhook-receiver", "notification-controller", "source-controller")
FLUX_SERVICE_PORTS = [{"name": "http", "port": 80}]
EVERYWHERE = {("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")}
HELM_MADE = ("Secret", "ConfigMap", "ServiceAccount", "Service")
SOURCE_GROUP = "source.toolkit.fluxcd.io"
# the source that `flux bootstrap` or a FluxInstance makes for the repository itself
BOOTSTRAP_SOURCES = {(kind, "flux-system") for kind in BOOTSTRAP_SOURCE_KINDS}


@dataclass
class Inventory:
    """What one cluster (one target) holds, as the references check needs it."""

    # (kind, namespace, name) → data (None: exists, content unknown)
    objects: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    # namespace → name prefixes its HelmReleases' charts may use
    helm: dict[str, set[str]] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)  # namespaces partly unrendered; "*" for any

    def add(self, kind: str, namespace: str, name: Any, data: Any = None) -> None:
        if isinstance(name, str) and name:
            self.objects.setdefault((kind, namespace, name), data)

    def chart_namespace(self, ref: Ref) -> bool:
        """Charts make Services (cilium's hubble-ui) and Gateways of any name in their namespace."""
        return ref.kind in ("Service", "Gateway") and ref.namespace in self.helm

    def helm_made(self, ref: Ref) -> bool:
        return ref.kind in HELM_MADE and any(
            ref.name == prefix or ref.name.startswith(prefix + "-")
            for prefix in self.helm.get(ref.namespace, ())
        )


def namespace_of(resource: Resource) -> str:
    return resource.id.namespace or "default"


def _index(inventory: Inventory, resource: Resource) -> None:
    rid, data, ns = resource.id, resource.data, namespace_of(resource)
    if rid.group == "" and rid.kind in KNOWN:
        inventory.add(rid.kind, ns, rid.name, data)
    elif rid.group in TRAEFIK_GROUPS or (rid.group, rid.kind) == (GATEWAY_GROUP, "Gateway"):
        inventory.add(rid.kind, ns, rid.name, data)
    elif rid.group == SOURCE_GROUP and rid.kind in CHART_SOURCE_KINDS:
        inventory.add(rid.kind, ns, rid.name)
    elif rid.kind == "ArtifactGenerator":
        for artifact in as_list(dig(data, "spec", "artifacts")):
            inventory.add("ExternalArtifact", ns, dig(artifact, "name"))
    elif rid.kind == "SealedSecret" and rid.group == "bitnami.com":
        inventory.add("Secret", ns, rid.name)
    elif rid.kind == "ExternalSecret" and rid.group == "external-secrets.io":
        inventory.add("Secret", ns, dig(data, "spec", "target", "name") or rid.name)
    elif rid.kind == "Certificate" and rid.group == "cert-manager.io":
        inventory.add("Secret", ns, dig(data, "spec", "secretName"))
    elif rid.kind == "HelmRelease" and rid.group == "helm.toolkit.fluxcd.io":
        _index_helm(inventory, data, ns, rid.name)


def _index_helm(inventory: Inventory, data: dict[str, Any], ns: str, name: str) -> None:
    spec = cast("dict[str, Any]", data.get("spec") if isinstance(data.get("spec"), dict) else {})
    target = str(spec.get("targetNamespace") or ns)
    release = spec.get("releaseName") or (
        f"{spec['targetNamespace']}-{name}" if spec.get("targetNamespace") else name
    )
    prefixes = {str(release), name, dig(spec, "values", "fullnameOverride")}
    inventory.helm.setdefault(target, set()).update(p for p in prefixes if isinstance(p, str) and p)


def inventories(cluster: ClusterRun) -> dict[str, Inventory]:
    """target → Inventory, for every target of the cluster's renders."""
    found: dict[str, Inventory] = {}
    for rendered in cluster.renders:
        inventory = found.setdefault(rendered.target, Inventory())
        for resource in rendered.resources:
            if isinstance(resource.data, dict):
                _index(inventory, resource)
    done = {r.kustomization for r in cluster.renders} | {k for k in cluster.entry_syncs}
    for k in cluster.kustomizations.values():
        if k not in done:  # skipped or failed: what it would make is unknown
            target = found.setdefault(k.kube_config_target or k.target, Inventory())
            target.unknown.add(str(k.spec.get("targetNamespace") or "*"))
    return found


def implicit(ref: Ref) -> bool:
    """Whether Kubernetes or Flux makes the object `ref` names without a definition."""
    if (
        (ref.kind, ref.name) in EVERYWHERE
        or (ref.kind, ref.namespace) in BOOTSTRAP_SOURCES
        and ref.name == FLUX_NAMESPACE
    ):
        return True
    return ref.namespace == FLUX_NAMESPACE and (
        (ref.kind == "ServiceAccount" and ref.name in FLUX_ACCOUNTS)
        or (ref.kind == "Service" and ref.name in FLUX_SERVICES)
    )
