#!/usr/bin/env python3
"""The fixed cost of the bundled schemas in a fresh process: importing the catalog, then finding
(reading and compiling) the schema of each kind a Flux + Traefik + Gateway API repository meets,
and validating one resource of each. Each repeat runs in a new interpreter; best and median.

    python benchmarks/schema_load.py [--repeat 5] [--flux-version 2.9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

KINDS = [
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
    ("source.toolkit.fluxcd.io/v1", "GitRepository"),
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"),
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"),
    ("notification.toolkit.fluxcd.io/v1beta3", "Alert"),
    ("traefik.io/v1alpha1", "IngressRoute"),
    ("traefik.io/v1alpha1", "Middleware"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("apps/v1", "Deployment"),
    ("v1", "ConfigMap"),
]

PROBE = """
import json, sys, time
start = time.perf_counter()
from infometis.schemas.catalog import Catalog, SchemaSettings
imported = time.perf_counter()
catalog = Catalog(SchemaSettings(flux_version=sys.argv[1]))
for api_version, kind in json.loads(sys.argv[2]):
    schema = catalog.find(api_version, kind)
    assert schema is not None, kind
    schema.violations({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}})
done = time.perf_counter()
print(json.dumps({"import": imported - start, "schemas": done - imported, "total": done - start}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--flux-version", default="")
    args = parser.parse_args()
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", PROBE, args.flux_version, json.dumps(KINDS)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for _ in range(args.repeat)
    ]
    print(
        f"{len(KINDS)} kinds found, compiled and used once each, in a fresh process ({args.repeat} "
        "runs)"
    )
    for part in ("import", "schemas", "total"):
        values = [run[part] for run in runs]
        print(
            f"  {part:<8} best {min(values) * 1000:7.1f} ms   median "
            f"{statistics.median(values) * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()
