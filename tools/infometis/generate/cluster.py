"""A cluster's files (clusters/<name>/) and the border parts its mode needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from infometis.generate import templates
from infometis.generate.plan import Plan
from infometis.generate.repo import BUILTIN_MODES, Cluster

INDEPENDENT = "independent"
TENANT_MODE = "shared-cluster"  # the mode whose services are applied as a tenant


def layers(cluster: Cluster) -> list[tuple[str, str]]:
    """(Flux Kustomization name, path) of the border, in apply order."""
    order = [
        ("infrastructure-configs", "infrastructure/configs"),
        ("infrastructure-mode", f"infrastructure/modes/{cluster.mode}"),
    ]
    if cluster.mode == INDEPENDENT:
        order.insert(0, ("infrastructure-controllers", "infrastructure/controllers"))
    return order


def infrastructure(cluster: Cluster) -> str:
    documents, previous = [], None
    for name, path in layers(cluster):
        depends = templates.Block(f"  dependsOn:\n    - name: {previous}\n" if previous else "")
        documents.append(
            templates.render("cluster/layer.yaml", name=name, path=path, depends_on=depends)
        )
        previous = name
    order = " → ".join(
        ("controllers", "configs", f"the {cluster.mode} adaptation")[-len(documents) :]
    )
    layers_text = templates.Block("---\n".join(documents))
    return templates.render(
        "cluster/infrastructure.yaml", cluster=cluster.name, order=order, layers=layers_text
    )


def app(cluster: Cluster, service: str) -> str:
    """The Flux Kustomization of one service in one cluster."""
    tenant = templates.Block(
        templates.read("cluster/tenant.txt") if cluster.mode == TENANT_MODE else ""
    )
    return templates.render(
        "cluster/app.yaml", service=service, environment=cluster.environment, tenant=tenant
    )


def add_app(plan: Plan, cluster: Cluster, service: str) -> None:
    folder = f"clusters/{cluster.name}/apps"
    plan.create(f"{folder}/{service}.yaml", app(cluster, service))
    plan.list_item(f"{folder}/kustomization.yaml", "resources", f"{service}.yaml")


def add_cluster(plan: Plan, cluster: Cluster, url: str, services: list[str]) -> None:
    """clusters/<name>/ with a Flux Kustomization for each of `services`."""
    folder = f"clusters/{cluster.name}"
    extra = "settings-independent.txt" if cluster.mode == INDEPENDENT else "settings-other.txt"
    values = dict(
        cluster=cluster.name,
        environment=cluster.environment,
        mode=cluster.mode,
        domain=cluster.domain,
        url=url,
    )
    settings = templates.Block(templates.read(f"cluster/{extra}"))
    plan.create(
        f"{folder}/cluster-settings.yaml",
        templates.render("cluster/cluster-settings.yaml", **values, mode_settings=settings),
    )
    for name in (
        "kustomization.yaml",
        "flux-system/gotk-sync.yaml",
        "flux-system/kustomization.yaml",
        "apps/kustomization.yaml",
    ):
        plan.create(f"{folder}/{name}", templates.render(f"cluster/{name}", **values))
    plan.create(f"{folder}/infrastructure.yaml", infrastructure(cluster))
    for service in services:
        add_app(plan, cluster, service)


def add_border(plan: Plan, mode: str) -> None:
    """The border parts a cluster of `mode` applies, where the repository lacks them."""
    wanted = ["infrastructure/configs", "infrastructure/modes/common"]
    if mode == INDEPENDENT:
        wanted.append("infrastructure/controllers")
    if mode in BUILTIN_MODES:
        wanted.append(f"infrastructure/modes/{mode}")
    for folder in wanted:
        if (
            plan.root / folder / "kustomization.yaml"
        ).exists() or f"{folder}/kustomization.yaml" in plan.creates:
            continue
        for path, text in templates.tree(folder).items():
            plan.create(f"{folder}/{path}", text)


def repository_url(root: Path) -> str:
    """The URL the clusters already sync from (any gotk-sync.yaml), else a placeholder."""
    for sync in sorted((root / "clusters").glob("*/flux-system/gotk-sync.yaml")):
        try:
            for document in yaml.safe_load_all(sync.read_text(encoding="utf-8")):
                if isinstance(document, dict) and document.get("kind") == "GitRepository":
                    return str(document["spec"]["url"])
        except (yaml.YAMLError, KeyError, TypeError):
            continue
    return default_url(root)


def default_url(root: Path) -> str:
    return f"ssh://git@github.com/example/{root.resolve().name}"
