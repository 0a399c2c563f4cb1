#!/usr/bin/env python3
"""Schema validation throughput: already-parsed Deployment-sized resources validated per
second on one core, parsing excluded (the schema check's hot loop: catalog lookup, then
Schema.violations).

    python benchmarks/schema_speed.py [--resources 50000] [--invalid-every 0]
"""

from __future__ import annotations

import argparse
import time

from infometis.schemas.catalog import Catalog, SchemaSettings


def deployment(index: int) -> dict:
    labels = {"app.kubernetes.io/name": f"svc-{index}", "app.kubernetes.io/part-of": "bench"}
    container = {
        "name": "app",
        "image": f"registry.example.internal/svc-{index}:1.{index % 20}.0",
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 10},
        "livenessProbe": {"httpGet": {"path": "/live", "port": "http"}, "initialDelaySeconds": 30},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
        },
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"svc-{index}", "namespace": "apps", "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [container],
                    "volumes": [{"name": "config", "configMap": {"name": f"svc-{index}-config"}}],
                },
            },
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument(
        "--invalid-every", type=int, default=0, help="make every Nth resource invalid (0: none)"
    )
    args = parser.parse_args()
    resources = [deployment(i) for i in range(args.resources)]
    if args.invalid_every:
        for resource in resources[:: args.invalid_every]:
            resource["spec"]["replicas"] = "2"
    catalog = Catalog(SchemaSettings())
    catalog.find("apps/v1", "Deployment")  # compiled once, outside the timing
    started = time.perf_counter()
    invalid = sum(1 for r in resources if catalog.find(r["apiVersion"], r["kind"]).violations(r))
    elapsed = time.perf_counter() - started
    print(
        f"{args.resources} Deployments in {elapsed:.3f} s: {args.resources / elapsed:,.0f} "
        f"resources/s on one core ({invalid} invalid; target 20,000/s)"
    )


if __name__ == "__main__":
    main()
