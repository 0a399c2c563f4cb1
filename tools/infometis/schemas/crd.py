"""CustomResourceDefinitions as JSON Schemas (draft 2020-12), one per version, as kubeconform's
openapi2jsonschema converts them, with the OpenAPI-only parts translated instead of left for a
validator to ignore or misread.

Where this differs from openapi2jsonschema, on purpose:
- strict closes the resource's top level too (its DENY_ROOT_ADDITIONAL_PROPERTIES): a misspelt
  `spce:` is an error, as kubectl's default server-side field validation reports it;
- `apiVersion` and `kind` are required and fixed by `enum` (as in the core Kubernetes schemas),
  so a schema still means one kind when used on its own; `metadata` is always an open object;
- only schemas are walked, never values: a field named `properties` or a `default` stays as written;
- branches of allOf/anyOf/oneOf/not are never closed: Kubernetes lets them repeat only some of the
  properties listed beside them, so closing a branch would reject fields the object allows;
- x-kubernetes-preserve-unknown-fields keeps an object open; x-kubernetes-embedded-resource lets an
  object hold apiVersion, kind and metadata; `x-kubernetes-list-type: set` means unique items.
x-kubernetes-validations (CEL rules) cannot be checked by a JSON Schema validator and are dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

CRD_KIND = "CustomResourceDefinition"
CRD_API_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")
DRAFT = "https://json-schema.org/draft/2020-12/schema"

_MAPS = ("properties", "patternProperties")
_LISTS = ("allOf", "anyOf", "oneOf")
_ONE = ("items", "additionalProperties", "additionalItems", "not")
_JUNCTORS = ("allOf", "anyOf", "oneOf", "not")
_OPENAPI_ONLY = ("nullable", "example", "externalDocs", "discriminator", "xml")
# a Go duration ("10m") in Kubernetes, ISO 8601 ("PT10M") in JSON Schema
_MISREAD_FORMATS = ("duration",)
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]
_EMBEDDED = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


@dataclass(frozen=True)
class CrdSchema:
    group: str
    kind: str
    version: str
    served: bool
    schema: dict[str, Any] = field(repr=False)


def is_crd(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("kind") == CRD_KIND
        and obj.get("apiVersion") in CRD_API_VERSIONS
    )


def file_name(group: str, kind: str, version: str) -> str:
    """Where a schema folder (kubeconform's, the CRDs-catalog's) keeps the schema of one kind."""
    return f"{group}/{kind.lower()}_{version}.json"


def convert_crd(crd: dict[str, Any], strict: bool = True) -> list[CrdSchema]:
    """One schema for each version that has one; ValueError for a CRD that cannot be read."""
    if not is_crd(crd):
        raise ValueError("not an apiextensions.k8s.io CustomResourceDefinition")
    meta = (
        cast("dict[str, Any]", crd.get("metadata")) if isinstance(crd.get("metadata"), dict) else {}
    )
    where = f"CustomResourceDefinition {meta.get('name') or '(unnamed)'}"
    spec = _mapping(crd.get("spec"), f"{where}: spec")
    group, kind = spec.get("group"), _mapping(spec.get("names"), f"{where}: spec.names").get("kind")
    if not group or not isinstance(group, str):
        raise ValueError(f"{where}: spec.group is missing")
    if not kind or not isinstance(kind, str):
        raise ValueError(f"{where}: spec.names.kind is missing")
    schemas: list[CrdSchema] = []
    for version, served, openapi in _versions(spec, where):
        if openapi is None:
            continue  # a version without a schema accepts anything: nothing to validate against
        if not isinstance(openapi, dict):
            raise ValueError(f"{where}: the openAPIV3Schema of version {version} is not a mapping")
        schemas.append(
            CrdSchema(
                group, kind, version, served, _resource(openapi, group, version, kind, strict)
            )
        )
    return schemas


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a mapping")
    return value


def _versions(spec: dict[str, Any], where: str) -> Iterator[tuple[str, bool, Any]]:
    """(name, served, openAPIV3Schema or None) of each version; v1beta1 may give one schema for
    all."""
    shared = _mapping(spec.get("validation"), f"{where}: spec.validation").get("openAPIV3Schema")
    versions = spec.get("versions") or (
        [{"name": spec["version"]}] if spec.get("version") else None
    )
    if not isinstance(versions, list):
        raise ValueError(f"{where}: spec.versions is {'not a list' if versions else 'missing'}")
    for entry in versions:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise ValueError(f"{where}: a version without a name")
        schema = _mapping(entry.get("schema"), f"{where}: spec.versions[{entry['name']}].schema")
        yield (
            str(entry["name"]),
            entry.get("served") is not False,
            schema.get("openAPIV3Schema", shared),
        )


def _resource(
    openapi: dict[str, Any], group: str, version: str, kind: str, strict: bool
) -> dict[str, Any]:
    """The whole resource: apiVersion and kind of exactly this kind, metadata open, the rest as
    the CRD says."""
    schema = convert_openapi(openapi, strict)
    properties = schema["properties"] = _dict(schema.get("properties"))
    properties["apiVersion"] = {
        **_dict(properties.get("apiVersion")),
        "type": "string",
        "enum": [f"{group}/{version}"],
    }
    properties["kind"] = {**_dict(properties.get("kind")), "type": "string", "enum": [kind]}
    properties["metadata"] = _open(_dict(properties.get("metadata")))
    required = (
        cast("list[Any]", schema.get("required"))
        if isinstance(schema.get("required"), list)
        else []
    )
    schema["required"] = list(dict.fromkeys(["apiVersion", "kind", *required]))
    schema.setdefault("type", "object")
    if strict and openapi.get("x-kubernetes-preserve-unknown-fields") is not True:
        # a root listing no properties keeps none but these three
        schema.setdefault("additionalProperties", False)
    return {"$schema": DRAFT, **schema}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _open(schema: dict[str, Any]) -> dict[str, Any]:
    """An object that may hold any field (metadata is checked as ObjectMeta, not by the CRD)."""
    return {**{k: v for k, v in schema.items() if k != "additionalProperties"}, "type": "object"}


def convert_openapi(schema: dict[str, Any], strict: bool) -> dict[str, Any]:
    """One openAPIV3Schema of a CRD as JSON Schema; the input is never changed."""
    return cast("dict[str, Any]", _convert(schema, strict, closable=True))  # a mapping gives one


def _convert(node: Any, strict: bool, closable: bool) -> Any:
    if not isinstance(node, dict):
        return node  # `additionalProperties: true` and the like
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key in _OPENAPI_ONLY:
            continue
        inner = closable and key not in _JUNCTORS
        if key in _MAPS and isinstance(value, dict):
            out[key] = {name: _convert(sub, strict, inner) for name, sub in value.items()}
        elif key in _LISTS and isinstance(value, list):
            out[key] = [_convert(sub, strict, inner) for sub in value]
        elif key in _ONE:
            out[key] = _convert(value, strict, inner)
        else:
            out[key] = copy.deepcopy(value)  # a default or an enum: data, not schema
    _exclusive_bounds(out)
    if out.get("format") in _MISREAD_FORMATS:
        del out["format"]
    if node.get("x-kubernetes-int-or-string") is True or out.get("format") == "int-or-string":
        _int_or_string(out)
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if node.get("x-kubernetes-embedded-resource") is True and isinstance(
        out.get("properties"), dict
    ):
        out["properties"] = {**copy.deepcopy(_EMBEDDED), **out["properties"]}
        out["properties"]["metadata"] = _open(out["properties"]["metadata"])
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    if (
        strict
        and closable
        and not preserve
        and "properties" in out
        and "additionalProperties" not in out
    ):
        out["additionalProperties"] = False
    return _nullable(out) if node.get("nullable") is True else out


def _exclusive_bounds(out: dict[str, Any]) -> None:
    """OpenAPI 3.0 flags the bound beside it (`exclusiveMinimum: true`); JSON Schema gives the
    bound itself."""
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(flag), bool) and out.pop(flag) and bound in out:
            out[flag] = out.pop(bound)


def _int_or_string(out: dict[str, Any]) -> None:
    """Kubernetes forbids a `type` here; its only allowed anyOf is the one below, which
    controller-gen writes."""
    out.pop("type", None)
    # the pre-1.11 spelling, which openapi2jsonschema also reads
    if out.get("format") == "int-or-string":
        del out["format"]
    out.setdefault("anyOf", copy.deepcopy(_INT_OR_STRING))


def _nullable(out: dict[str, Any]) -> dict[str, Any]:
    """null is accepted whatever else the schema says, as Kubernetes reads `nullable`."""
    kind = out.get("type")
    if isinstance(kind, str) and not any(key in out for key in _JUNCTORS):
        out["type"] = [kind, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [{"type": "null"}, out]}
