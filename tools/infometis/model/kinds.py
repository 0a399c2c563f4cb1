"""The tables of kinds and API groups the stages share, each in one copy."""

from __future__ import annotations

# ------------------------------------------------------------------ workloads

_TEMPLATE = ("spec", "template", "spec")
# (API group, kind) → where the pod spec sits. Only the built-in kinds: a custom resource
# that happens to be called Deployment has a shape of its own.
POD_SPECS = {
    ("apps", "Deployment"): _TEMPLATE,
    ("apps", "StatefulSet"): _TEMPLATE,
    ("apps", "DaemonSet"): _TEMPLATE,
    ("apps", "ReplicaSet"): _TEMPLATE,
    ("extensions", "Deployment"): _TEMPLATE,
    ("extensions", "DaemonSet"): _TEMPLATE,
    ("extensions", "ReplicaSet"): _TEMPLATE,
    ("batch", "Job"): _TEMPLATE,
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
    ("", "Pod"): ("spec",),
    ("", "ReplicationController"): _TEMPLATE,
}
BATCH_KINDS = ("Job", "CronJob")  # run to completion: no liveness or readiness to speak of
# The lists of a pod spec that hold containers, in the order they start.
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

# ------------------------------------------------------------------ the border

TRAEFIK_GROUPS = ("traefik.io", "traefik.containo.us")  # the CRDs' group now, and before Traefik v3
GATEWAY_GROUP = "gateway.networking.k8s.io"
GATEWAY_GROUPS = (GATEWAY_GROUP, "gateway.networking.x-k8s.io")  # standard and experimental
BORDER_GROUPS = frozenset(TRAEFIK_GROUPS + GATEWAY_GROUPS)

# ------------------------------------------------------------------ Flux sources

# What a Flux Kustomization's spec.sourceRef may name.
KUSTOMIZATION_SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket", "ExternalArtifact")
# The source-controller kinds that are sources of a Kustomization or a HelmRelease.
SOURCE_KINDS = KUSTOMIZATION_SOURCE_KINDS + ("HelmRepository",)
# What a HelmRelease's chart comes from: spec.chart.spec.sourceRef (HelmRepository, GitRepository,
# Bucket) or spec.chartRef (OCIRepository, HelmChart, ExternalArtifact).
CHART_SOURCE_KINDS = (
    "HelmRepository",
    "GitRepository",
    "Bucket",
    "OCIRepository",
    "HelmChart",
    "ExternalArtifact",
)
# Sources whose revision is pinned in spec.ref (tag, semver, commit, digest).
PINNED_SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket")
# The kinds of the source `flux bootstrap` writes (named flux-system, with a Secret of that name).
BOOTSTRAP_SOURCE_KINDS = ("GitRepository", "OCIRepository")
