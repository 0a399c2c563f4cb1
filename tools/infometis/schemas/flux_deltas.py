"""What Flux added after the 2.5 models that the bundled Flux schemas are derived from,
written from the Flux API reference: new fields, new source kinds, promoted versions."""

from __future__ import annotations

# A version Flux promoted later, served with the schema of the version the models know.
PROMOTED = {("source.toolkit.fluxcd.io", "v1", "OCIRepository"): "v1beta2"}

_STRATEGY = {  # HelmRelease install/upgrade.strategy (Flux 2.7)
    "type": "object",
    "properties": {"name": {"type": "string", "enum": ["RemediateOnFailure", "RetryOnFailure"]},
                   "retryInterval": {"type": "string"}},
    "required": ["name"],
}
_SOURCE_REFERENCE = {
    "type": "object",
    "properties": {"alias": {"type": "string"}, "kind": {"type": "string", "enum": ["GitRepository", "OCIRepository", "Bucket"]},
                   "name": {"type": "string"}, "namespace": {"type": "string"}},
    "required": ["alias", "kind", "name"],
}
_COPY = {
    "type": "object",
    "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "exclude": {"type": "array", "items": {"type": "string"}},
                   "strategy": {"type": "string", "enum": ["Overwrite", "Merge", "Extract"]}},
    "required": ["from", "to"],
}
ARTIFACT_GENERATOR = {  # source.extensions.fluxcd.io/v1beta1 (Flux 2.7)
    "type": "object",
    "properties": {
        "apiVersion": {"const": "source.extensions.fluxcd.io/v1beta1"},
        "kind": {"const": "ArtifactGenerator"},
        "metadata": {"type": "object"},
        "spec": {"type": "object", "required": ["sources", "artifacts"], "properties": {
            "sources": {"type": "array", "items": _SOURCE_REFERENCE},
            "artifacts": {"type": "array", "items": {"type": "object", "required": ["name", "copy"], "properties": {
                "name": {"type": "string"}, "revision": {"type": "string"}, "originRevision": {"type": "string"},
                "copy": {"type": "array", "items": _COPY}}}},
        }},
        "status": {"type": "object", "additionalProperties": True},
    },
    "required": ["apiVersion", "kind", "spec"],
}


# Kinds notification-controller accepts as event sources and receiver targets since Flux 2.6/2.7.
_NEW_EVENT_KINDS = ("ArtifactGenerator", "ExternalArtifact", "FluxInstance", "ResourceSet", "ResourceSetInputProvider")


def _add_kind(definition: dict, field: str, *kinds: str) -> None:
    allowed = definition["properties"][field].get("enum")
    if isinstance(allowed, list):
        allowed += [kind for kind in kinds if kind not in allowed]


def apply_deltas(group: str, version: str, kind: str, schema: dict | None) -> dict | None:
    """`schema` (derived from the models, or None when they lack the kind) brought up to date."""
    key = (group, version, kind)
    if key == ("source.extensions.fluxcd.io", "v1beta1", "ArtifactGenerator"):
        return ARTIFACT_GENERATOR
    if schema is None:
        return None
    definitions = schema.get("$defs", {})
    if key in PROMOTED:
        schema["properties"]["apiVersion"] = {"const": f"{group}/{version}", "type": "string"}
    if key == ("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"):
        definitions["KustomizationSpec"]["properties"]["ignoreMissingComponents"] = {"type": "boolean"}
        _add_kind(definitions["SourceRef"], "kind", "ExternalArtifact")
    if key == ("helm.toolkit.fluxcd.io", "v2", "HelmRelease"):
        _add_kind(definitions["ChartRef"], "kind", "ExternalArtifact")
        for name in ("Install", "Upgrade"):
            definitions[name]["properties"]["strategy"] = _STRATEGY
        # helm-controller reads values into a map: anything else fails the release, not the apply
        definitions["HelmReleaseSpec"]["properties"]["values"] = {"type": ["object", "null"]}
    if key == ("notification.toolkit.fluxcd.io", "v1beta3", "Alert"):
        _add_kind(definitions["EventSource"], "kind", *_NEW_EVENT_KINDS)
    if key == ("notification.toolkit.fluxcd.io", "v1", "Receiver"):
        _add_kind(definitions["ResourceModel"], "kind", *_NEW_EVENT_KINDS)
    return schema
