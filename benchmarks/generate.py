#!/usr/bin/env python3
"""Write a synthetic GitOps monorepo with the layout of the sample repository:
clusters/<env>/ (one cluster per environment), infrastructure/ (Traefik, configs, modes)
and apps/<service>/ (base/, border/ for routed services, one overlay per environment).

    python benchmarks/generate.py OUT_DIR --services 200 --environments 3 [--seed S]
                                  [--layout per-service|aggregate] [--force]

The same arguments always give the same files (random.Random(seed), files written sorted).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import indent

LAYOUTS = ("per-service", "aggregate")
TOP_FOLDERS = ("clusters", "infrastructure", "apps")
REGISTRY = "registry.example.internal"
CONFIG_TYPES = ("topics", "indices", "flows")
SOURCE = "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
SETTINGS = (
    "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n"
)


@dataclass
class Service:
    name: str
    kind: str  # Deployment or StatefulSet
    port: int
    user: int
    version: tuple[int, int]  # 1.<minor>.<patch> in base
    routed: bool
    pvc: bool = False
    cronjob: bool = False
    config_file: bool = False  # a configMapGenerator reading config.properties
    desired_state: str | None = None  # one of CONFIG_TYPES
    patch_file: bool = False  # the resources patch in its own file rather than inline
    limit_patch: bool = False  # a second JSON6902 patch, raising the memory limit
    replicas: list[int] = field(default_factory=list)  # per environment


def environment_names(count: int) -> list[str]:
    return [("dev", "uat", "prod")[i] if i < 3 else f"env{i + 1}" for i in range(count)]


def make_service(rng: random.Random, index: int, environments: int) -> Service:
    kind = "StatefulSet" if rng.random() < 0.25 else "Deployment"
    s = Service(
        f"svc-{index:03d}",
        kind,
        rng.choice((3000, 8080, 8443, 9000)),
        rng.randrange(10000, 20000),
        (rng.randrange(20), rng.randrange(10)),
        routed=rng.random() < 0.5,
    )
    s.pvc = kind == "Deployment" and rng.random() < 0.2
    s.cronjob = kind == "Deployment" and rng.random() < 0.25
    s.config_file = rng.random() < 0.4
    s.desired_state = rng.choice(CONFIG_TYPES) if rng.random() < 0.35 else None
    s.patch_file, s.limit_patch = rng.random() < 0.5, rng.random() < 0.5
    top = 1 if s.pvc else rng.randrange(2, 5)  # a ReadWriteOnce volume allows one replica
    s.replicas = [
        1 if i == 0 else max(1, top - (environments - 1 - i)) for i in range(environments)
    ]
    return s


def kustomization(
    resources, comment: str = "", extra: str = "", kind: str = "Kustomization"
) -> str:
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    version = "v1alpha1" if kind == "Component" else "v1beta1"
    listed = "".join(f"  - {item}\n" for item in resources)
    return (
        f"{head}apiVersion: kustomize.config.k8s.io/{version}\nkind: {kind}\nresources:\n"
        f"{listed}{extra}"
    )


def namespaced(
    kind: str, name: str, namespace: str, body: str, api: str = "v1", comment: str = ""
) -> str:
    head = f"# {comment}\n" if comment else ""
    return (
        f"{head}apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n"
        f"  namespace: {namespace}\n{body}"
    )


def flux_kustomization(name: str, path: str, depends: str | None = None, extra: str = "") -> str:
    after = f"  dependsOn:\n    - name: {depends}\n" if depends else ""
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
        f"  name: {name}\n  namespace: flux-system\nspec:\n{after}  interval: 10m\n"
        f"  timeout: 5m\n  path: {path}\n  prune: true\n  wait: true\n"
        f"{SOURCE}{extra}{SETTINGS}"
    )


# --- clusters/<env>/ ----------------------------------------------------------------


def cluster_files(env: str, mode: str, services: list[Service], layout: str) -> dict[str, str]:
    base = f"clusters/{env}"
    files = {
        f"{base}/kustomization.yaml": kustomization(
            ["flux-system", "cluster-settings.yaml", "infrastructure.yaml", "apps"],
            f"Cluster {env}: what the flux-system Kustomization reconciles.",
        ),
        f"{base}/flux-system/kustomization.yaml": kustomization(
            ["gotk-sync.yaml"], "flux bootstrap adds gotk-components.yaml here."
        ),
        f"{base}/flux-system/gotk-sync.yaml": namespaced(
            "GitRepository",
            "flux-system",
            "flux-system",
            "spec:\n  interval: 1m\n  ref:\n    branch: main\n  secretRef:\n"
            "    name: flux-system\n  url: ssh://git@github.com/example/fleet\n",
            "source.toolkit.fluxcd.io/v1",
            "The sync of this cluster with the repository, as `flux bootstrap` writes it.",
        )
        + "---\n"
        + namespaced(
            "Kustomization",
            "flux-system",
            "flux-system",
            f"spec:\n  interval: 10m\n  path: ./clusters/{env}\n  prune: true\n{SOURCE}",
            "kustomize.toolkit.fluxcd.io/v1",
        ),
        f"{base}/cluster-settings.yaml": namespaced(
            "ConfigMap",
            "cluster-settings",
            "flux-system",
            f"data:\n  cluster: {env}\n  environment: {env}\n  mode: {mode}\n"
            f"  domain: {env}.example.internal\n",
            comment=(
                "What this cluster is; Flux Kustomizations read it through "
                "postBuild.substituteFrom."
            ),
        ),
    }
    layers = [
        ("infrastructure-configs", "./infrastructure/configs"),
        ("infrastructure-mode", f"./infrastructure/modes/{mode}", "infrastructure-configs"),
    ]
    if mode == "independent":  # a shared cluster's border belongs to whoever runs the cluster
        layers = [
            ("infrastructure-controllers", "./infrastructure/controllers"),
            (*layers[0], "infrastructure-controllers"),
            layers[1],
        ]
    files[f"{base}/infrastructure.yaml"] = f"# The border, then the {mode} mode.\n" + "---\n".join(
        flux_kustomization(*layer) for layer in layers
    )
    return files | app_kustomizations(env, mode, services, layout)


def app_kustomizations(env: str, mode: str, services: list[Service], layout: str) -> dict[str, str]:
    """clusters/<env>/apps/: one Flux Kustomization per service, or one for them all."""
    base, files = f"clusters/{env}", {}
    extra = "  targetNamespace: apps\n" + (
        "  serviceAccountName: apps-reconciler\n" if mode == "shared-cluster" else ""
    )
    if layout == "aggregate":
        files[f"{base}/apps/kustomization.yaml"] = kustomization(["apps.yaml"])
        files[f"{base}/apps/apps.yaml"] = (
            "# Every service, reconciled as one.\n"
            + flux_kustomization(
                "apps", f"./apps/_environments/{env}", "infrastructure-mode", extra
            )
        )
        files[f"apps/_environments/{env}/kustomization.yaml"] = kustomization(
            [f"../../{s.name}/{env}" for s in services], f"Every service's {env} overlay."
        )
        return files
    files[f"{base}/apps/kustomization.yaml"] = kustomization([f"{s.name}.yaml" for s in services])
    for s in services:
        files[f"{base}/apps/{s.name}.yaml"] = flux_kustomization(
            s.name, f"./apps/{s.name}/{env}", "infrastructure-mode", extra
        )
    return files


# --- infrastructure/ ----------------------------------------------------------------


POLICY = "spec:\n  podSelector: {}\n  policyTypes:\n    - Ingress\n"


def configs_files() -> dict[str, str]:
    """What every cluster has: the namespace of the apps and the border's middleware."""
    return {
        "infrastructure/configs/kustomization.yaml": kustomization(
            ["namespace.yaml", "middleware.yaml"]
        ),
        "infrastructure/configs/namespace.yaml": (
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n"
        ),
        "infrastructure/configs/middleware.yaml": namespaced(
            "Middleware",
            "security-headers",
            "apps",
            "spec:\n  headers:\n    frameDeny: true\n    contentTypeNosniff: true\n"
            "    stsSeconds: 31536000\n",
            "traefik.io/v1alpha1",
            "Headers every route of the border sends.",
        ),
    }


def independent_files() -> dict[str, str]:
    """A cluster of its own: its own Traefik, and the apps open to it."""
    traefik = "infrastructure/controllers/traefik"
    return {
        "infrastructure/controllers/kustomization.yaml": kustomization(["traefik"]),
        f"{traefik}/kustomization.yaml": kustomization(
            ["namespace.yaml", "helmrepository.yaml", "helmrelease.yaml"]
        ),
        f"{traefik}/namespace.yaml": (
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: traefik\n"
        ),
        f"{traefik}/helmrepository.yaml": namespaced(
            "HelmRepository",
            "traefik",
            "traefik",
            "spec:\n  interval: 12h\n  url: https://traefik.github.io/charts\n",
            "source.toolkit.fluxcd.io/v1",
        ),
        f"{traefik}/helmrelease.yaml": namespaced(
            "HelmRelease",
            "traefik",
            "traefik",
            (
                "spec:\n  interval: 30m\n  chart:\n    spec:\n      chart: traefik\n"
                '      version: "37.1.1"\n'
                "      sourceRef:\n        kind: HelmRepository\n        name: traefik\n"
                "  values:\n    service:\n      type: NodePort\n"
            ),
            "helm.toolkit.fluxcd.io/v2",
            "Traefik at the border: the one entry point of the cluster.",
        ),
        "infrastructure/modes/independent/kustomization.yaml": kustomization(
            ["networkpolicy.yaml"]
        ),
        "infrastructure/modes/independent/networkpolicy.yaml": namespaced(
            "NetworkPolicy",
            "allow-from-traefik",
            "apps",
            POLICY + "  ingress:\n    - from:\n        - namespaceSelector:\n"
            "            matchLabels:\n              kubernetes.io/metadata.name: traefik\n",
            "networking.k8s.io/v1",
        ),
    }


def shared_cluster_files() -> dict[str, str]:
    """A cluster run by someone else: apps reconcile as apps-reconciler, confined to namespace
    apps."""
    shared = "infrastructure/modes/shared-cluster"
    binding = (
        "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: admin\n"
        "subjects:\n  - kind: ServiceAccount\n    name: apps-reconciler\n"
        "    namespace: flux-system\n"
    )
    return {
        f"{shared}/kustomization.yaml": kustomization(
            ["rbac.yaml", "networkpolicy.yaml"],
            "Apps reconcile as apps-reconciler, in namespace apps only.",
        ),
        f"{shared}/networkpolicy.yaml": namespaced(
            "NetworkPolicy",
            "default-deny",
            "apps",
            POLICY,
            "networking.k8s.io/v1",
            "Deny by default: the cluster is shared.",
        ),
        f"{shared}/rbac.yaml": namespaced("ServiceAccount", "apps-reconciler", "flux-system", "")
        + "---\n"
        + namespaced(
            "RoleBinding", "apps-reconciler", "apps", binding, "rbac.authorization.k8s.io/v1"
        ),
    }


# --- apps/<service>/ ----------------------------------------------------------------


def container(s: Service, name: str, job: bool = False) -> str:
    """The service's container; a job's has no ports, probes or volumes."""
    text = (
        f"- name: {name}\n  image: {REGISTRY}/{s.name}:1.{s.version[0]}.{s.version[1]}\n"
        + ("" if job else f"  ports:\n    - name: http\n      containerPort: {s.port}\n")
        + "  securityContext:\n    allowPrivilegeEscalation: false\n"
        "    readOnlyRootFilesystem: true\n  resources:\n    requests:\n      cpu: 50m\n"
        "      memory: 64Mi\n    limits:\n      memory: 128Mi\n"
    )
    for probe, path in (
        (("readinessProbe", "/ready"), ("livenessProbe", "/healthz")) if not job else ()
    ):
        text += (
            f"  {probe}:\n    httpGet:\n      path: {path}\n      port: http\n"
            "    periodSeconds: 10\n"
        )
    mounts = [("data", "/var/lib/app")] if (s.pvc or s.kind == "StatefulSet") and not job else []
    mounts += [("config", "/etc/app")] if s.config_file and not job else []
    return (
        text
        + ("  volumeMounts:\n" if mounts else "")
        + "".join(f"    - name: {n}\n      mountPath: {p}\n" for n, p in mounts)
    )


def workload(s: Service) -> str:
    volumes = (
        [f"- name: data\n  persistentVolumeClaim:\n    claimName: {s.name}-data\n"] if s.pvc else []
    )
    volumes += (
        [f"- name: config\n  configMap:\n    name: {s.name}-config\n"] if s.config_file else []
    )
    pod = (
        f"securityContext:\n  runAsNonRoot: true\n  runAsUser: {s.user}\n  fsGroup: {s.user}\n"
        f"containers:\n{indent(container(s, s.name), '  ')}"
        + ("volumes:\n" + indent("".join(volumes), "  ") if volumes else "")
    )
    extra = "  strategy:\n    type: Recreate\n" if s.pvc else ""
    if s.kind == "StatefulSet":
        extra = (
            f"  serviceName: {s.name}-headless\n  volumeClaimTemplates:\n    - metadata:\n"
            "        name: data\n      spec:\n        accessModes: [ReadWriteOnce]\n"
            "        resources:\n          requests:\n"
            "            storage: 1Gi\n"
        )
    return (
        f"# The {s.name} workload, as it runs in every environment.\napiVersion: apps/v1\n"
        f"kind: {s.kind}\nmetadata:\n  name: {s.name}\nspec:\n  replicas: 1\n"
        f"{extra}  selector:\n    matchLabels:\n"
        f"      app.kubernetes.io/component: server\n  template:\n    metadata:\n      labels:\n"
        f"        app.kubernetes.io/component: server\n    spec:\n{indent(pod, '      ')}"
    )


def service_yaml(s: Service, headless: bool = False) -> str:
    name, address = (
        (f"{s.name}-headless", "  clusterIP: None\n")
        if headless
        else (s.name, "  type: ClusterIP\n")
    )
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n{address}  selector:\n"
        "    app.kubernetes.io/component: server\n  ports:\n    - name: http\n"
        f"      port: {s.port}\n      targetPort: http\n"
    )


def desired_state(s: Service, rng: random.Random) -> str:
    names = [
        f"{s.name}.{word}"
        for word in sorted(rng.sample(["alerts", "audit", "events", "metrics", "orders"], 2))
    ]
    document = {
        "topics": {
            "topics": [
                {
                    "name": n,
                    "partitions": rng.choice((3, 6, 12)),
                    "replicationFactor": 3,
                    "config": {"retention.ms": "604800000"},
                }
                for n in names
            ]
        },
        "indices": {
            "indices": [
                {
                    "name": n,
                    "shards": rng.choice((1, 2)),
                    "replicas": 1,
                    "mappings": {"properties": {"@timestamp": {"type": "date"}}},
                }
                for n in names
            ]
        },
        "flows": {
            "flows": [
                {"name": n, "version": rng.randrange(1, 9), "parameters": {"kafka.topic": n}}
                for n in names
            ]
        },
    }[s.desired_state]
    return (
        f"# The {s.desired_state} that {s.name} wants to exist, applied by its reconciler.\n"
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {s.name}-{s.desired_state}\n"
        f"  labels:\n    infometis.component: {s.name}\n"
        f"    infometis.config-type: {s.desired_state}\ndata:\n"
        f"  {s.desired_state}.json: |\n"
        f"{indent(json.dumps(document, indent=2, sort_keys=True), '    ')}\n"
    )


def base_files(s: Service, rng: random.Random) -> dict[str, str]:
    base = f"apps/{s.name}/base"
    files = {f"{base}/{s.kind.lower()}.yaml": workload(s), f"{base}/service.yaml": service_yaml(s)}
    if s.kind == "StatefulSet":
        files[f"{base}/service.yaml"] += (
            "---\n# Stable identities for the StatefulSet's pods.\n"
            + service_yaml(s, headless=True)
        )
    if s.pvc:
        files[f"{base}/pvc.yaml"] = (
            f"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {s.name}-data\n"
            "spec:\n  accessModes:\n    - ReadWriteOnce\n  resources:\n    requests:\n"
            "      storage: 5Gi\n"
        )
    if s.cronjob:
        files[f"{base}/cronjob.yaml"] = (
            "# Nightly compaction.\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n"
            f'  name: {s.name}-compact\nspec:\n  schedule: "{rng.randrange(60)} 3 * * *"\n'
            "  concurrencyPolicy: Forbid\n  jobTemplate:\n    spec:\n"
            "      template:\n        spec:\n          restartPolicy: OnFailure\n"
            "          securityContext:\n            runAsNonRoot: true\n"
            f"            runAsUser: {s.user}\n          containers:\n"
            + indent(container(s, "compact", job=True), " " * 12)
        )
    if s.desired_state:
        files[f"{base}/desired-state.yaml"] = desired_state(s, rng)
    extra = (
        f"labels:\n  - pairs:\n      app.kubernetes.io/name: {s.name}\n"
        "      app.kubernetes.io/part-of: fleet\n"
        "    includeSelectors: true\n"
    )
    if s.config_file:
        files[f"{base}/config.properties"] = (
            f"# {s.name} settings shared by every environment\nserver.port={s.port}\n"
            f"log.format=json\ncache.size={rng.choice((64, 128, 256))}\n"
        )
        extra += (
            f"configMapGenerator:\n  - name: {s.name}-config\n    files:\n"
            "      - application.properties=config.properties\n"
        )
    resources = sorted(path.rsplit("/", 1)[1] for path in files if path.endswith(".yaml"))
    files[f"{base}/kustomization.yaml"] = kustomization(
        resources, f"{s.name}: the core, environment-free.", extra
    )
    return files


def border_files(s: Service) -> dict[str, str]:
    route = (
        f"apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: {s.name}\nspec:\n"
        "  entryPoints:\n    - websecure\n  routes:\n    - kind: Rule\n"
        f"      match: Host(`{s.name}.${{domain}}`)\n"
        f"      services:\n        - name: {s.name}\n          port: {s.port}\n      middlewares:\n"
        "        - name: security-headers\n"
    )
    return {
        f"apps/{s.name}/border/kustomization.yaml": kustomization(
            ["ingressroute.yaml"],
            "The route at the border, for the overlays that publish it.",
            kind="Component",
        ),
        f"apps/{s.name}/border/ingressroute.yaml": route,
    }


def overlay_files(
    s: Service, env: str, index: int, count: int, rng: random.Random
) -> dict[str, str]:
    folder, files = f"apps/{s.name}/{env}", {}
    target = f"  - target:\n      kind: {s.kind}\n      name: {s.name}\n"
    memory = 128 * rng.randrange(2, 5)
    sizing = (
        f"apiVersion: apps/v1\nkind: {s.kind}\nmetadata:\n  name: {s.name}\nspec:\n  template:\n"
        f"    spec:\n      containers:\n        - name: {s.name}\n          resources:\n"
        f"            requests:\n              cpu: {rng.choice((100, 200, 250))}m\n"
        f"              memory: {memory // 2}Mi\n"
        f"            limits:\n              memory: {memory}Mi\n"
    )
    patches = (
        f"  # replicas: a JSON6902 patch\n{target}    patch: |-\n      - op: replace\n"
        f"        path: /spec/replicas\n        value: {s.replicas[index]}\n"
        "  # resources: a strategic-merge patch\n"
    )
    if s.patch_file:
        files[f"{folder}/resources-patch.yaml"] = f"# Sizing for {env}.\n" + sizing
        patches += "  - path: resources-patch.yaml\n"
    else:
        patches += f"  - patch: |-\n{indent(sizing, '      ')}"
    if s.limit_patch:  # only environment fields: the core stays the same everywhere
        patches += (
            f"{target}    patch: |-\n      - op: replace\n"
            "        path: /spec/template/spec/containers/0/resources/limits/memory\n"
            f"        value: {memory * 2}Mi\n"
        )
    # earlier environments run newer builds
    tag = f"1.{s.version[0]}.{s.version[1] + count - 1 - index}"
    extra = (
        ("components:\n  - ../border\n" if s.routed else "")
        + f"labels:\n  - pairs:\n      app.kubernetes.io/environment: {env}\n"
        + f'images:\n  - name: {REGISTRY}/{s.name}\n    newTag: "{tag}"\npatches:\n{patches}'
    )
    files[f"{folder}/kustomization.yaml"] = kustomization(["../base"], f"{s.name} in {env}.", extra)
    return files


# --- the repository -----------------------------------------------------------------


def build(services: int, environments: int, seed: int, layout: str) -> tuple[dict[str, str], int]:
    """Every file of the repository (path -> text), and how many Flux Kustomizations it has."""
    rng = random.Random(seed)
    envs = environment_names(environments)
    modes = ["independent"] + ["shared-cluster"] * (environments - 1)
    fleet = [make_service(rng, i, environments) for i in range(services)]
    files = (
        configs_files() | independent_files() | (shared_cluster_files() if environments > 1 else {})
    )
    for s in fleet:
        files |= base_files(s, rng) | (border_files(s) if s.routed else {})
        for index, env in enumerate(envs):
            files |= overlay_files(s, env, index, environments, rng)
    for env, mode in zip(envs, modes, strict=True):
        files |= cluster_files(env, mode, fleet, layout)
    apps = services if layout == "per-service" else 1
    return files, sum(1 + (3 if mode == "independent" else 2) + apps for mode in modes)


def generate(
    out: Path, services: int, environments: int, seed: int = 0, layout: str = "per-service"
) -> dict:
    """Write the repository into `out`; returns what was written."""
    if services < 1 or environments < 1 or layout not in LAYOUTS:
        raise ValueError(
            f"need at least 1 service and 1 environment, and a layout of {', '.join(LAYOUTS)}"
        )
    files, flux = build(services, environments, seed, layout)
    for relative in sorted(files):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[relative])
    return {
        "files": len(files),
        "services": services,
        "clusters": environments,
        "environments": environment_names(environments),
        "kustomizations": flux,
    }


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a synthetic GitOps monorepo (clusters/, infrastructure/, apps/)."
    )
    parser.add_argument("out", metavar="OUT_DIR", type=Path)
    parser.add_argument(
        "--services", type=positive, default=10, metavar="N", help="services svc-000… (default 10)"
    )
    parser.add_argument(
        "--environments",
        type=positive,
        default=3,
        metavar="E",
        help="dev, uat, prod, env4… (default 3)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="per-service",
        help="one Flux Kustomization per service and cluster, or one for all services",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty OUT_DIR, replacing its clusters/, infrastructure/ and apps/",
    )
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"{args.out} exists and is not a folder")
    if args.out.is_dir() and any(args.out.iterdir()):
        if not args.force:
            parser.error(
                f"{args.out} is not empty; pass --force to replace its clusters/, infrastructure/ "
                "and apps/"
            )
        for name in TOP_FOLDERS:
            shutil.rmtree(args.out / name, ignore_errors=True)
    counts = generate(args.out, args.services, args.environments, args.seed, args.layout)
    print(
        f"wrote {counts['files']} files to {args.out}: {counts['services']} services, "
        f"{counts['clusters']} clusters ({', '.join(counts['environments'])}), "
        f"{counts['kustomizations']} Flux Kustomizations, {args.layout} layout"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
