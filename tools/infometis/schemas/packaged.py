"""The schemas generate.py made from the Flux, Traefik and Gateway API CRDs (package data):
a bundle is read when a kind of its groups is first met, and each schema is parsed only then."""

from __future__ import annotations

import functools
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from infometis.model.errors import ConfigError

FOLDER = Path(__file__).resolve().parent.parent / "data" / "schemas"
FLUX = "flux-"
# None: Flux
_GROUPS = (
    (".fluxcd.io", None),
    ("traefik.io", "traefik"),
    ("gateway.networking.k8s.io", "gateway-api"),
)


@dataclass(frozen=True)
class Bundle:
    title: str
    release: str
    texts: dict[
        str, dict[str, str]
    ]  # "strict" | "loose" → "group/version/Kind" → the schema as JSON text

    @property
    def origin(self) -> str:
        return f"{self.title} {self.release} (bundled)"

    def schema(self, group: str, version: str, kind: str, strict: bool) -> dict[str, Any] | None:
        text = self.texts["strict" if strict else "loose"].get(f"{group}/{version}/{kind}")
        return json.loads(text) if text else None

    def kinds(self) -> list[tuple[str, str]]:
        """(apiVersion, kind) of every schema in the bundle."""
        return sorted(
            cast("tuple[str, str]", tuple(key.rsplit("/", 1))) for key in self.texts["strict"]
        )


@functools.cache
def load(name: str) -> Bundle:
    data = json.loads(gzip.decompress((FOLDER / f"{name}.json.gz").read_bytes()))
    return Bundle(
        data["title"], data["release"], {mode: data[mode] for mode in ("strict", "loose")}
    )


@functools.cache
def flux_lines() -> tuple[str, ...]:
    """The Flux release lines (X.Y) bundled, oldest first."""
    found = [path.name[len(FLUX) : -len(".json.gz")] for path in FOLDER.glob(f"{FLUX}*.json.gz")]
    return tuple(sorted(found, key=lambda line: tuple(int(part) for part in line.split("."))))


def flux_line(version: str) -> str:
    """The bundled release line of a Flux version given as 2.8, v2.8 or 2.8.3; empty: the newest."""
    lines = flux_lines()
    if not version:
        return lines[-1]
    match = re.fullmatch(r"v?(\d+\.\d+)(\.\d+)?", version.strip())
    if not match or match[1] not in lines:
        raise ConfigError(
            f"Flux version {version}: the bundled Flux schemas are of the release lines "
            f"{', '.join(lines)}; "
            "pick one of those (--flux-version X.Y or flux.version in .infometis.yaml)"
        )
    return match[1]


def bundle_names(line: str) -> list[str]:
    """Every bundle a run with this Flux release line consults."""
    return [FLUX + line, *(name for _, name in _GROUPS if name)]


def other_flux_lines(api_version: str, kind: str, line: str) -> str:
    """What to say when Flux release `line` lacks a Flux kind that other bundled lines have (""
    if none do)."""
    group, _, version = api_version.rpartition("/")
    if not group.endswith(".fluxcd.io"):
        return ""
    serving = [
        other
        for other in flux_lines()
        if other != line and load(FLUX + other).schema(group, version, kind, True)
    ]
    if not serving:
        return ""
    return (
        f"Flux {line} does not serve {api_version} {kind}; Flux {' and '.join(serving)} did "
        f"(--flux-version {serving[-1]} validates against it)"
    )


def find(
    group: str, version: str, kind: str, strict: bool, line: str
) -> tuple[str, dict[str, Any] | None]:
    """(where it comes from, the schema or None) from the one bundle that holds the group."""
    for suffix, name in _GROUPS:
        if group == suffix or group.endswith(suffix if suffix.startswith(".") else "." + suffix):
            bundle = load(name or FLUX + line)
            return bundle.origin, bundle.schema(group, version, kind, strict)
    return "", None
