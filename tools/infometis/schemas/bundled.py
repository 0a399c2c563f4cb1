"""The schemas that ship with infometis, all offline: core Kubernetes from the files of
`kubernetes-validate`, Flux derived from the `cloudcoil-models-fluxcd` models (made strict,
plus what Flux added since), and our own Traefik schemas (package data)."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import re
from pathlib import Path

from ..cache import keep
from .flux_deltas import PROMOTED, apply_deltas
from .walk import rewrite
from .walk import strict as strict_object

TRAEFIK = Path(__file__).resolve().parent.parent / "data" / "schemas"
FLUX_MODULES = {  # API group → cloudcoil module
    "kustomize.toolkit.fluxcd.io": "kustomize", "helm.toolkit.fluxcd.io": "helm",
    "source.toolkit.fluxcd.io": "source", "notification.toolkit.fluxcd.io": "notification",
    "image.toolkit.fluxcd.io": "image",
}


def _core_root() -> Path:
    import kubernetes_validate
    return Path(kubernetes_validate.__file__).resolve().parent / "kubernetes-json-schema"


@functools.cache
def kubernetes_versions() -> tuple[str, ...]:
    """The Kubernetes minor versions the bundled core schemas cover, oldest first."""
    found = {m[1] for d in _core_root().iterdir() if (m := re.fullmatch(r"v(\d+\.\d+)\.0-local-strict", d.name))}
    return tuple(sorted(found, key=lambda v: tuple(int(p) for p in v.split("."))))


def core_folder(version: str, strict: bool) -> Path:
    return _core_root() / f"v{version}.0-local{'-strict' if strict else ''}"


@functools.cache
def core_definitions(version: str, strict: bool) -> dict:
    return json.loads((core_folder(version, strict) / "_definitions.json").read_text())


def core_schema(group: str, version: str, kind: str, k8s_version: str, strict: bool) -> dict | None:
    path = core_folder(k8s_version, strict) / _core_file_name(group, version, kind)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    api_version = f"{group}/{version}" if group else version
    allowed = ((schema.get("properties") or {}).get("apiVersion") or {}).get("enum")
    return schema if not allowed or api_version in allowed else None  # e.g. storage vs storagemigration


def traefik_schema(group: str, version: str, kind: str) -> dict | None:
    path = TRAEFIK / group / f"{kind.lower()}_{version}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def flux_schema(group: str, version: str, kind: str, strict: bool, derived: str = "") -> dict | None:
    """The bundled Flux schema; kept in the `derived` folder when given, since deriving it
    imports every pydantic model of the group (seconds, in every run otherwise)."""
    if not derived:
        return _derive_flux_schema(group, version, kind, strict)
    name = f"{_FLUX_STAMP}-{group}-{version}-{kind}-{'strict' if strict else 'loose'}.json"
    path = Path(derived) / "flux" / name
    try:
        return json.loads(path.read_text())["schema"]
    except (OSError, ValueError, KeyError, TypeError):
        schema = _derive_flux_schema(group, version, kind, strict)
        keep(path, json.dumps({"schema": schema}))
        return schema


def _flux_stamp() -> str:
    """What the derived Flux schemas depend on: the models' version and the code deriving them."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        models = version("cloudcoil-models-fluxcd")
    except PackageNotFoundError:
        models = "none"
    digest = hashlib.sha256(models.encode())
    for module in ("bundled.py", "flux_deltas.py", "walk.py"):
        digest.update((Path(__file__).resolve().parent / module).read_bytes())
    return digest.hexdigest()[:16]


_FLUX_STAMP = _flux_stamp()


def _derive_flux_schema(group: str, version: str, kind: str, strict: bool) -> dict | None:
    model = _flux_model(group, PROMOTED.get((group, version, kind), version), kind)
    schema = rewrite(model.model_json_schema(by_alias=True), _simplify) if model else None
    schema = apply_deltas(group, version, kind, schema)
    return rewrite(schema, strict_object) if strict and schema else schema


def _flux_model(group: str, version: str, kind: str):
    if group not in FLUX_MODULES or not re.fullmatch(r"v\d+(alpha|beta)?\d*", version):
        return None
    try:
        module = importlib.import_module(f"cloudcoil.models.fluxcd.{FLUX_MODULES[group]}.{version}")
    except ImportError:
        return None
    model = getattr(module, kind, None)
    return model if hasattr(model, "model_json_schema") else None


def _simplify(node: dict) -> dict:
    """Pydantic writes every optional field as anyOf [X, null]; nulls are dropped before
    validation, so X alone gives errors at the field itself rather than 'no anyOf matched'."""
    node = {key: value for key, value in node.items() if key not in ("title", "default")}
    options = node.get("anyOf")
    if isinstance(options, list):
        kept = [option for option in options if option != {"type": "null"}]
        if len(kept) == 1 and len(kept) < len(options):
            rest = {key: value for key, value in node.items() if key != "anyOf"}
            return {**rest, **kept[0]}
    return node


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
                if path.name == _core_file_name(*split_api_version(api), kind):  # not DeleteOptions in every group
                    kinds.add((api, kind))
    return sorted(kinds)


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def _core_file_name(group: str, version: str, kind: str) -> str:
    prefix = "-" + group.split(".")[0] if group else ""
    return f"{kind.lower()}{prefix}-{version}.json"



def flux_kinds() -> list[tuple[str, str]]:
    """(apiVersion, kind) of every Flux kind the bundled schemas cover, deltas included."""
    import pkgutil
    kinds = {("source.extensions.fluxcd.io/v1beta1", "ArtifactGenerator")}
    kinds |= {(f"{group}/{version}", kind) for (group, version, kind) in PROMOTED}
    for group, module_name in FLUX_MODULES.items():
        package = importlib.import_module(f"cloudcoil.models.fluxcd.{module_name}")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, model in vars(module).items():
                fields = getattr(model, "model_fields", {})
                if "kind" in fields and "spec" in fields and fields["kind"].default == name:
                    kinds.add((f"{group}/{info.name}", name))
    return sorted(kinds)
