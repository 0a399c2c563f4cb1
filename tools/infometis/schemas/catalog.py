"""Where the schema of a kind comes from, in order: the repository's schema folder, the
CustomResourceDefinitions in the repository, the bundled schemas (core Kubernetes; Flux of the
chosen release line, Traefik and Gateway API, made from their CRDs), then --schema-location
templates (kubeconform's syntax)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from infometis.model.errors import ConfigError
from infometis.schemas import bundled, packaged
from infometis.schemas.bundled import split_api_version
from infometis.schemas.engine import Schema
from infometis.schemas.locations import checked, expand, is_url

if TYPE_CHECKING:
    import jsonschema_rs

MISSING_LEVELS = ("error", "warning", "ignore")


@dataclass(frozen=True)
class SchemaSettings:
    kubernetes_version: str = ""  # X.Y or X.Y.Z; empty: the newest bundled
    strict: bool = True
    locations: tuple[str, ...] = ()
    missing: str = "warning"
    online: bool = False
    folder: str = "schemas"  # the repository's own, <group>/<kind>_<version>.json
    engine: str = "builtin"  # or kubeconform
    flux_version: str = ""  # a bundled Flux release line, X.Y; empty: the newest

    def version(self) -> str:
        """The minor version (X.Y) of the bundled core schemas."""
        versions = bundled.kubernetes_versions()
        given = re.fullmatch(r"v?(\d+\.\d+)(\.\d+)?", self.kubernetes_version.strip())
        chosen = given[1] if given else self.kubernetes_version or versions[-1]
        if chosen not in versions:
            raise ConfigError(
                f"Kubernetes version {self.kubernetes_version}: the bundled schemas cover "
                f"{versions[0]} to {versions[-1]}; pick one of those "
                "(--kubernetes-version X.Y[.Z] or kubernetesVersion in .infometis.yaml)"
            )
        return chosen

    def full_version(self) -> str:
        """X.Y.Z, as kubeconform's templates and -kubernetes-version take it (X.Y given: X.Y.0)."""
        given = re.fullmatch(r"v?(\d+\.\d+\.\d+)", self.kubernetes_version.strip())
        return given[1] if given else f"{self.version()}.0"

    def flux_line(self) -> str:
        return packaged.flux_line(self.flux_version)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "infometis" / "schemas"


@dataclass
class Catalog:
    settings: SchemaSettings
    repo: Path | None = None
    # (group, version, kind) → (schema, origin)
    crds: dict[tuple[str, str, str], tuple[dict[str, Any], str]] = field(default_factory=dict)
    _found: dict[tuple[str, str, str], Schema | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.k8s_version = self.settings.version()
        self.flux_line = self.settings.flux_line()
        self.templates = [
            checked(location, self.settings.online)
            for location in self.settings.locations
            if location != "default"
        ]

    def find(self, api_version: str, kind: str) -> Schema | None:
        key = (*split_api_version(api_version), kind)
        if key not in self._found:
            self._found[key] = self._first(*key)
        return self._found[key]

    def _first(self, group: str, version: str, kind: str) -> Schema | None:
        for origin, schema, registry in self._candidates(group, version, kind):
            if schema is not None:
                return Schema(schema, origin, registry)
        return None

    def _candidates(
        self, group: str, version: str, kind: str
    ) -> Iterator[tuple[str, dict[str, Any] | None, jsonschema_rs.Registry | None]]:
        """(origin, schema or None, the registry its references need) of each place in turn."""
        strict, k8s = self.settings.strict, self.k8s_version
        if self.repo is not None:
            path = self.repo / self.settings.folder / group / f"{kind.lower()}_{version}.json"
            yield f"{self.settings.folder}/{group}/{path.name}", _read_json(path), None
        schema, origin = self.crds.get((group, version, kind), (None, ""))
        yield origin, schema, None
        registry = _core_registry(k8s, strict)
        yield (
            f"Kubernetes {k8s} (bundled)",
            bundled.core_schema(group, version, kind, k8s, strict),
            registry,
        )
        yield *packaged.find(group, version, kind, strict, self.flux_line), None
        for (
            template
        ) in self.templates:  # kubeconform's "default" is the Kubernetes schemas: bundled above
            where = expand(template, group, version, kind, self.settings.full_version(), strict)
            yield where, self._fetch(where), None

    def _fetch(self, where: str) -> dict[str, Any] | None:
        if not is_url(where):
            return _read_json(Path(where))
        cached = cache_dir() / (hashlib.sha256(where.encode()).hexdigest() + ".json")
        if not cached.is_file():
            import urllib.request  # (only online: its HTTP and TLS modules cost every other run)

            try:
                with urllib.request.urlopen(where, timeout=30) as response:  # noqa: S310 (only with --online)
                    body = response.read()
            except urllib.error.HTTPError as err:
                if err.code == 404:
                    return None
                raise ConfigError(f"schema location {where}: HTTP {err.code}") from err
            except OSError as err:
                raise ConfigError(f"schema location {where}: {err}") from err
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(body)
            partial.replace(cached)  # atomic: concurrent runs never read half a file
        return _read_json(cached)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return cast("dict[str, Any]", json.loads(path.read_text()))  # (a schema is a mapping)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise ConfigError(f"{path}: not a JSON schema ({err})") from err


_REGISTRIES: dict[tuple[str, bool], jsonschema_rs.Registry] = {}


def _core_registry(version: str, strict: bool) -> jsonschema_rs.Registry:
    """The core schemas' shared definitions, loaded once per version."""
    import jsonschema_rs

    key = (version, strict)
    if key not in _REGISTRIES:
        definitions = bundled.core_definitions(version, strict)
        _REGISTRIES[key] = jsonschema_rs.Registry(
            [("json-schema:///api/_definitions.json", definitions)]
        )
    return _REGISTRIES[key]
