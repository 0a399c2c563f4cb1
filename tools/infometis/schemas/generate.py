"""The bundled Flux, Traefik and Gateway API schemas, generated from the projects' own
CustomResourceDefinitions by our CRD converter (crd.py) and kept as package data, one gzip'd
JSON bundle per release line:

    python -m infometis.schemas.generate [ROOT] [--out DIR]

ROOT holds the CRDs as `crds/fluxcd/<controller>/<tag>/`, `crds/gateway-api/<tag>/` and
`charts/traefik-<chart>/crds/` (default: ../shared next to the repository). Only served
versions are kept: the API server refuses the others. Descriptions are dropped (validation
never reads them); each schema is stored as JSON text so that a run parses only the kinds it meets.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, cast

from infometis.load.yamlio import load_stream
from infometis.schemas.crd import convert_crd, is_crd
from infometis.schemas.packaged import FOLDER as OUT
from infometis.schemas.walk import rewrite


@dataclass(frozen=True)
class Source:
    """One bundle: what it is called, its release, and the CRD folders it is made from (under
    ROOT)."""

    title: str
    release: str
    folders: tuple[str, ...]
    group_suffix: (
        str  # only CRDs of groups ending so (the Traefik chart also carries Gateway API's)
    )


def _flux(release: str, tags: dict[str, str]) -> Source:
    return Source(
        "Flux",
        release,
        tuple(f"crds/fluxcd/{controller}/{tag}" for controller, tag in tags.items()),
        ".fluxcd.io",
    )


# Which controller tags make a Flux release (from fluxcd/flux2's manifests/bases at each tag;
# where a tag was not available, the nearest one of the same minor line).
SOURCES = {
    "flux-2.7": _flux(
        "v2.7.5",
        {
            "kustomize-controller": "v1.7.3",
            "source-controller": "v1.7.4",
            "helm-controller": "v1.4.5",
            "notification-controller": "v1.7.5",
            "image-reflector-controller": "v1.0.4",
            "image-automation-controller": "v1.0.4",
        },
    ),
    "flux-2.8": _flux(
        "v2.8.8",
        {
            "kustomize-controller": "v1.8.5",
            "source-controller": "v1.8.5",
            "helm-controller": "v1.5.5",
            "notification-controller": "v1.8.4",
            "image-reflector-controller": "v1.1.2",
            "image-automation-controller": "v1.1.4",
        },
    ),
    "flux-2.9": _flux(
        "v2.9.4",
        {
            "kustomize-controller": "v1.9.4",
            "source-controller": "v1.9.1",
            "helm-controller": "v1.6.3",
            "notification-controller": "v1.9.3",
            "image-reflector-controller": "v1.2.0",
            "image-automation-controller": "v1.2.1",
        },
    ),
    "traefik": Source("Traefik", "chart 37.1.1", ("charts/traefik-37.1.1/crds",), "traefik.io"),
    "gateway-api": Source(
        "Gateway API", "v1.6.1 standard", ("crds/gateway-api/v1.6.1",), "gateway.networking.k8s.io"
    ),
}


# Where a cluster's verdict is not the CRD's text, and what the bundled schema says instead:
# - lists of kinds that installations extend: Flux documents patching these enums for third-party
#   controllers, and the Flux Operator adds its own kinds, so the kind is left open;
# - values the CRD admits as any JSON but the controller reads into a map: anything else fails
#   every reconciliation, so only a mapping is valid.
# A CRD in the repository still says exactly what its cluster accepts.
# (where in the schema: property names, [] for a list's items; the change)
_Adjustment: TypeAlias = "tuple[tuple[str | list[Any], ...], str]"
ADJUSTED: dict[tuple[str, str], list[_Adjustment]] = {  # (group, kind) → [(where, change)]
    ("notification.toolkit.fluxcd.io", "Alert"): [
        (("spec", "eventSources", [], "kind"), "open enum")
    ],
    ("notification.toolkit.fluxcd.io", "Receiver"): [
        (("spec", "resources", [], "kind"), "open enum")
    ],
    ("helm.toolkit.fluxcd.io", "HelmRelease"): [(("spec", "values"), "mapping")],
}


def adjusted(schema: dict[str, Any], group: str, kind: str) -> dict[str, Any]:
    """The schema with the changes ADJUSTED lists for its kind."""
    for path, change in ADJUSTED.get((group, kind), ()):
        node: Any = schema
        for step in path:
            node = node.get("items") if step == [] else (node.get("properties") or {}).get(step)
            if not isinstance(node, dict):
                break
        else:
            if change == "open enum":
                node.pop("enum", None)
            else:
                node["type"] = "object"
    return schema


def compact(schema: dict[str, Any]) -> dict[str, Any]:
    """A converted schema without what validation never reads."""
    return cast(  # (rewrite gives a mapping for a mapping)
        "dict[str, Any]",
        rewrite(
            schema,
            lambda node: {key: value for key, value in node.items() if key != "description"},
        ),
    )


def crds_of(root: Path, source: Source) -> list[dict[str, Any]]:
    """The CRDs of one bundle, in file order."""
    found: list[dict[str, Any]] = []
    for folder in source.folders:
        path = root / folder
        if not path.is_dir():
            raise FileNotFoundError(f"{path}: no such folder")
        for file in sorted(path.glob("*.y*ml")):
            found += [
                d
                for d in load_stream(file.read_text())
                if is_crd(d) and str(d["spec"].get("group", "")).endswith(source.group_suffix)
            ]
    return found


def schemas_of(crds: list[dict[str, Any]], strict: bool) -> dict[str, dict[str, Any]]:
    """ "group/version/Kind" → the converted, compacted schema of each served version."""
    found: dict[str, dict[str, Any]] = {}
    for crd in crds:
        for converted in convert_crd(crd, strict=strict):
            if converted.served:
                schema = adjusted(compact(converted.schema), converted.group, converted.kind)
                found[f"{converted.group}/{converted.version}/{converted.kind}"] = schema
    return found


def build(root: Path, name: str) -> dict[str, Any]:
    """One bundle's content: where it comes from, and each schema as JSON text, strict and not."""
    source = SOURCES[name]
    crds = crds_of(root, source)
    return {
        "title": source.title,
        "release": source.release,
        "sources": list(source.folders),
        **{
            mode: {
                key: json.dumps(schema, sort_keys=True, separators=(",", ":"))
                for key, schema in sorted(schemas_of(crds, mode == "strict").items())
            }
            for mode in ("strict", "loose")
        },
    }


def write(bundle: dict[str, Any], path: Path) -> None:
    """Byte for byte the same output for the same input (no gzip timestamp)."""
    text = json.dumps(bundle, sort_keys=True, indent=0).encode()
    path.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infometis.schemas.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "root",
        nargs="?",
        default=str(Path.cwd().resolve().parent / "shared"),
        help="folder holding crds/ and charts/ (default: ../shared)",
    )
    parser.add_argument(
        "--out", default=str(OUT), help="where the bundles are written (default: the package data)"
    )
    args = parser.parse_args(argv)
    for name in SOURCES:
        try:
            bundle = build(Path(args.root), name)
        except (OSError, ValueError) as err:
            print(f"error: {name}: {err}", file=sys.stderr)
            return 1
        target = Path(args.out) / f"{name}.json.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        write(bundle, target)
        print(
            f"wrote {target} ({len(bundle['strict'])} schemas, {target.stat().st_size // 1024} KiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
