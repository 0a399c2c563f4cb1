"""The core Kubernetes schemas that ship with infometis, offline: the files of
`kubernetes-validate`, one folder per minor version (the CRD-made bundles are packaged.py's)."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any, cast

from infometis.model.errors import SetupError


@functools.cache
def _core_root() -> Path:
    """The package's schema folder, found without importing it (its import pulls in jsonschema:
    half a second)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise SetupError("the kubernetes-validate package is missing: reinstall infometis")
    return Path(spec.submodule_search_locations[0]).resolve() / "kubernetes-json-schema"


@functools.cache
def kubernetes_versions() -> tuple[str, ...]:
    """The Kubernetes minor versions the bundled core schemas cover, oldest first."""
    found = {
        m[1]
        for d in _core_root().iterdir()
        if (m := re.fullmatch(r"v(\d+\.\d+)\.0-local-strict", d.name))
    }
    return tuple(sorted(found, key=lambda v: tuple(int(p) for p in v.split("."))))


def core_folder(version: str, strict: bool) -> Path:
    return _core_root() / f"v{version}.0-local{'-strict' if strict else ''}"


@functools.cache
def core_definitions(version: str, strict: bool) -> dict[str, Any]:
    return cast(
        "dict[str, Any]",
        json.loads((core_folder(version, strict) / "_definitions.json").read_text()),
    )


def core_schema(
    group: str, version: str, kind: str, k8s_version: str, strict: bool
) -> dict[str, Any] | None:
    path = core_folder(k8s_version, strict) / _core_file_name(group, version, kind)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    api_version = f"{group}/{version}" if group else version
    allowed = ((schema.get("properties") or {}).get("apiVersion") or {}).get("enum")
    # e.g. storage vs storagemigration
    return schema if not allowed or api_version in allowed else None


def core_kinds(k8s_version: str) -> list[tuple[str, str]]:
    """(apiVersion, kind) of every top-level kind in the bundled core schemas."""
    kinds = set()
    for path in core_folder(k8s_version, True).glob("*.json"):
        properties = json.loads(path.read_text()).get("properties") or {}
        api_versions = (properties.get("apiVersion") or {}).get("enum") or []
        for api in api_versions:
            for kind in (properties.get("kind") or {}).get("enum") or []:
                if kind.endswith("List"):
                    continue
                # not DeleteOptions in every group
                if path.name == _core_file_name(*split_api_version(api), kind):
                    kinds.add((api, kind))
    return sorted(kinds)


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def _core_file_name(group: str, version: str, kind: str) -> str:
    prefix = "-" + group.split(".")[0] if group else ""
    return f"{kind.lower()}{prefix}-{version}.json"
