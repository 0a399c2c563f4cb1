"""`infometis new service NAME`: base, border, an overlay per environment, a Flux
Kustomization per cluster, each registered in its cluster's apps list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from infometis.generate import templates
from infometis.generate.cluster import add_app
from infometis.generate.plan import GenerateError, Plan, refuse_existing
from infometis.generate.repo import check_name, clusters, environments
from infometis.model import imageref

KINDS = {"deployment": "Deployment", "statefulset": "StatefulSet"}
# Flux Kustomizations every cluster has: a service's own would clash with them
TAKEN = {
    "infrastructure-controllers",
    "infrastructure-configs",
    "infrastructure-mode",
    "notifications",
}
DOCUMENTS = {
    "topics": {"prune": False, "topics": []},
    "indices": {"indices": []},
    "flows": {"flows": []},
}


@dataclass(frozen=True)
class Service:
    name: str
    repository: str
    tag: str
    port: int = 8080
    route: bool = False
    kind: str = "Deployment"
    config_type: str | None = None

    @property
    def image(self) -> str:
        return f"{self.repository}:{self.tag}"


def parse_image(text: str) -> tuple[str, str]:
    """REPOSITORY:TAG, pinned: a tag that is not `latest` (digests are for overlays' images)."""
    reference = imageref.parse(text)
    if reference is None or "@" in text:
        raise GenerateError(
            f"--image {text!r} is not an image reference of the form REPOSITORY:TAG "
            "(e.g. nginx:1.27.4)"
        )
    if not reference.tag:
        raise GenerateError(f"--image {text!r} has no tag: pin a version, e.g. {text}:1.0.0")
    if reference.tag == "latest":
        raise GenerateError(f"--image {text!r} is not pinned: use a version tag instead of latest")
    return text.rpartition(":")[0], reference.tag


def service(
    name: str, image: str, port: int | None, route: bool, kind: str, config_type: str | None
) -> Service:
    # room for -headless and -<type>-desired
    check_name(name, "service", longest=50, letter_first=True)
    if name in TAKEN:
        raise GenerateError(
            f"service name {name!r} is the name of a cluster's own Flux Kustomization: "
            "choose another"
        )
    repository, tag = parse_image(image)
    if port is not None and not 1 <= port <= 65535:
        raise GenerateError(f"--port {port} is not a port number (1-65535)")
    return Service(name, repository, tag, port or 8080, route, KINDS[kind], config_type)


def plan_service(root: Path, spec: Service, force: bool) -> Plan:
    plan = Plan(root)
    named = environments(root)
    if not named:
        raise GenerateError(
            "the repository has no environment yet: create a cluster first "
            "(infometis new cluster NAME --environment ENV --mode MODE)"
        )
    for path, text in base_files(spec).items():
        plan.create(f"apps/{spec.name}/{path}", text)
    for environment in named:
        plan.create(
            f"apps/{spec.name}/{environment}/kustomization.yaml", overlay(spec, environment)
        )
    for cluster in clusters(root):
        add_app(plan, cluster, spec.name)
    refuse_existing(plan, force, f"service {spec.name}")
    plan.notes.append("next: infometis validate; then commit and open a pull request")
    return plan


def base_files(spec: Service) -> dict[str, str]:
    values = dict(service=spec.name, port=spec.port, kind=spec.kind, image=spec.image)
    workload = "statefulset.yaml" if spec.kind == "StatefulSet" else "deployment.yaml"
    stateful = spec.kind == "StatefulSet"
    workload_spec = templates.Block(f"  serviceName: {spec.name}-headless\n" if stateful else "")
    files = {
        f"base/{workload}": templates.render(
            "service/base/workload.yaml", **values, workload_spec=workload_spec
        ),
        "base/services.yaml" if stateful else "base/service.yaml": templates.render(
            "service/base/service.yaml", **values
        )
        + (templates.render("service/base/headless.yaml", **values) if stateful else ""),
    }
    if spec.config_type:
        document = json.dumps(DOCUMENTS[spec.config_type])
        files[f"base/{spec.config_type}-desired.yaml"] = templates.render(
            "service/base/desired.yaml",
            service=spec.name,
            config_type=spec.config_type,
            document=document,
        )
    resources = "".join(f"  - {path.removeprefix('base/')}\n" for path in files)
    files["base/kustomization.yaml"] = templates.render(
        "service/base/kustomization.yaml", service=spec.name, resources=resources
    )
    if spec.route:
        for path in ("kustomization.yaml", "ingressroute.yaml"):
            files[f"border/{path}"] = templates.render(f"service/border/{path}", **values)
    return files


def overlay(spec: Service, environment: str) -> str:
    components = templates.Block(
        templates.read("service/overlay/components.txt") if spec.route else ""
    )
    return templates.render(
        "service/overlay/kustomization.yaml",
        service=spec.name,
        environment=environment,
        repository=spec.repository,
        tag=spec.tag,
        kind=spec.kind,
        components=components,
    )


def refuse_unknown(config_type: str | None) -> None:
    if config_type and config_type not in DOCUMENTS:
        raise GenerateError(
            f"--config-type {config_type} is unknown (known: {', '.join(DOCUMENTS)})"
        )
