"""references: Services and their ports, Traefik objects, ConfigMaps, Secrets and
ServiceAccounts named by rendered resources exist in the cluster, or are declared external."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from conftest import git, problems, validate_json
from infometis.analysis.reference_fields import Ref, refs_of
from infometis.checks.reference_inventory import Inventory
from infometis.checks.references import resolve

ID = "references"


def validate(repo: Path, *args: str):
    return validate_json(repo, "--select", ID, *args)


def with_config(repo: Path, text: str) -> Path:
    (repo / ".infometis.yaml").write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    return repo


BAD = [
    (ID, "error", "apps/shop/base/deployment.yaml", 15),  # serviceAccountName shop-api
    (ID, "error", "apps/shop/base/deployment.yaml", 17),  # imagePullSecrets registry-credentials
    (ID, "error", "apps/shop/base/deployment.yaml", 38),  # secretKeyRef db-credential
    (ID, "error", "apps/shop/border/ingressroute.yaml", 12),  # Middleware compression
    (ID, "error", "apps/shop/border/ingressroute.yaml", 17),  # port 8080 of Service shop
    (ID, "error", "apps/shop/border/ingressroute.yaml", 18),  # ServersTransport shop-backend
    (ID, "error", "apps/shop/border/ingressroute.yaml", 21),  # TLSOption moden
    (ID, "error", "clusters/dev/infrastructure.yaml", 18),  # decryption Secret sops-age
    (ID, "error", "clusters/dev/shop.yaml", 15),  # Kustomization serviceAccountName
]


def test_good_has_no_problem(fixture_repo):
    # SOPS Secret in another render, optional envFrom, kube-root-ca.crt, name@file middleware,
    # port by name, Flux's webhook-receiver, bootstrap's flux-system Secret, sops-age external
    code, report = validate(fixture_repo("references-good"))
    assert problems(report, check=ID) == []
    assert code == 0


def test_bad_reports_each_reference_where_it_is_written(fixture_repo):
    code, report = validate(fixture_repo("references-bad"))
    assert problems(report, check=ID) == BAD
    assert code == 1


def test_bad_messages_name_the_field_and_the_missing_object(fixture_repo):
    _, report = validate(fixture_repo("references-bad"))
    found = {(p["file"], p["line"]): p["message"] for p in report["problems"]}
    assert found[("apps/shop/border/ingressroute.yaml", 17)] == (
        "spec.routes[0].services[0].port: Service shop/shop has no port 8080 (its ports: 80/http)"
    )
    assert found[("clusters/dev/shop.yaml", 15)] == (
        "spec.serviceAccountName: ServiceAccount flux-system/shop-reconciller is not defined in "
        "this cluster"
    )
    assert found[("apps/shop/base/deployment.yaml", 38)] == (
        "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name: "
        "Secret shop/db-credential is not defined in this cluster"
    )
    hints = {
        p["hint"] for p in report["problems"] if p["file"] == "clusters/dev/infrastructure.yaml"
    }
    assert hints == {
        "define it, fix the name, or, if it is made out of band, declare it in "
        ".infometis.yaml: external: [Secret/flux-system/sops-age]"
    }


def test_external_declarations_silence_references(fixture_repo):
    repo = with_config(
        fixture_repo("references-bad"),
        (
            "external:\n"
            "  - Secret/flux-system/sops-age\n"
            "  - Secret/shop/registry-credentials\n"
            "checks:\n"
            "  references:\n"
            "    external:\n"
            "      - Middleware/shop/compression\n"
        ),
    )
    code, report = validate(repo)
    silenced = {
        ("clusters/dev/infrastructure.yaml", 18),
        ("apps/shop/base/deployment.yaml", 17),
        ("apps/shop/border/ingressroute.yaml", 12),
    }
    assert problems(report, check=ID) == [p for p in BAD if p[2:] not in silenced]
    assert code == 1


# ------------------------------------------------------------ the rules, on plain data


def refs(kind: str, group: str, data: dict, namespace: str = "apps") -> list[tuple]:
    return [
        (r.kind, r.namespace, r.name, r.optional) for r in refs_of(group, kind, data, namespace)
    ]


def test_cron_job_pod_template_and_projected_secret():
    data = {
        "spec": {
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "serviceAccount": "backup",
                            "containers": [
                                {"envFrom": [{"secretRef": {"name": "s3", "optional": True}}]}
                            ],
                            "volumes": [
                                {
                                    "projected": {
                                        "sources": [
                                            {"secret": {"name": "ca"}},
                                            {"serviceAccountToken": {}},
                                        ]
                                    }
                                }
                            ],
                        }
                    }
                }
            }
        }
    }
    assert refs("CronJob", "batch", data) == [
        ("Secret", "apps", "s3", True),
        ("Secret", "apps", "ca", False),
        ("ServiceAccount", "apps", "backup", False),
    ]


def test_traefik_references_keep_their_own_namespace_and_skip_other_providers():
    data = {
        "spec": {
            "routes": [
                {
                    "middlewares": [{"name": "auth", "namespace": "edge"}, {"name": "gzip@file"}],
                    "services": [
                        {"name": "api@internal", "kind": "TraefikService"},
                        {"name": "web", "namespace": "shop", "port": 80, "serversTransport": "tls"},
                    ],
                }
            ],
            "tls": {"options": {"name": "modern", "namespace": "edge"}, "secretName": "web-tls"},
        }
    }
    assert refs("IngressRoute", "traefik.containo.us", data) == [
        ("Middleware", "edge", "auth", False),
        ("Service", "shop", "web", False),
        ("ServersTransport", "shop", "tls", False),
        ("TLSOption", "edge", "modern", False),
        ("Secret", "apps", "web-tls", False),
    ]


def test_flux_references_and_the_bootstrap_secret():
    sync = {"metadata": {"name": "flux-system"}, "spec": {"secretRef": {"name": "flux-system"}}}
    assert refs("GitRepository", "source.toolkit.fluxcd.io", sync, "flux-system") == []
    release = {
        "spec": {
            "valuesFrom": [
                {"kind": "ConfigMap", "name": "values"},
                {"kind": "Secret", "name": "extra", "optional": True},
            ],
            "serviceAccountName": "deployer",
            "kubeConfig": {"secretRef": {"name": "spoke"}},
        }
    }
    # the HelmRelease impersonates its account in the remote cluster, which is not rendered
    assert refs("HelmRelease", "helm.toolkit.fluxcd.io", release) == [
        ("Secret", "apps", "spoke", False),
        ("ConfigMap", "apps", "values", False),
        ("Secret", "apps", "extra", True),
    ]


def test_odd_input_gives_no_reference():
    for data in (
        {},
        {"spec": None},
        {"spec": {"template": "x"}},
        {"spec": {"routes": ["x", {"services": 3}]}},
    ):
        for kind, group in (
            ("Deployment", "apps"),
            ("IngressRoute", "traefik.io"),
            ("Kustomization", "kustomize.toolkit.fluxcd.io"),
        ):
            assert refs(kind, group, data) == []


# a run whose configuration declares nothing external
_Run = SimpleNamespace(
    config=SimpleNamespace(
        is_external=lambda kind, namespace, name: False, options=lambda check_id: {}
    )
)


def message(inventory: Inventory, ref: Ref) -> str | None:
    wrong = resolve(_Run, inventory, ref)
    return wrong[0] if wrong else None


def test_helm_releases_may_make_services_and_unrendered_namespaces_are_not_judged():
    inventory = Inventory(helm={"web": {"grafana"}}, unknown={"tenant"})
    assert message(inventory, Ref("Service", "web", "grafana-headless", ())) is None
    assert message(inventory, Ref("Service", "tenant", "anything", ())) is None
    assert message(inventory, Ref("Secret", "web", "grafanas", ())) == (
        "Secret web/grafanas is not defined in this cluster"
    )
    # charts may make Services of any name (cilium's hubble-ui beside the cilium release): a
    # warning there, neither silence (a typo would pass) nor an error (it may be no mistake)
    assert resolve(_Run, inventory, Ref("Service", "web", "hubble-ui", ()))[::2] == (
        "Service web/hubble-ui is not defined in this cluster, unless a chart installed in web "
        "makes it",
        "warning",
    )
    assert resolve(_Run, inventory, Ref("Service", "api", "hubble-ui", ()))[::2] == (
        "Service api/hubble-ui is not defined in this cluster",
        "error",
    )


def test_ports_by_number_or_name_and_implicit_objects():
    inventory = Inventory(
        objects={("Service", "web", "api"): {"spec": {"ports": [{"name": "http", "port": 8080}]}}}
    )
    assert message(inventory, Ref("Service", "web", "api", (), port=8080)) is None
    assert message(inventory, Ref("Service", "web", "api", (), port="http")) is None
    assert message(inventory, Ref("Service", "web", "api", (), port=80)) == (
        "Service web/api has no port 80 (its ports: 8080/http)"
    )
    assert message(inventory, Ref("ServiceAccount", "web", "default", ())) is None
    assert message(inventory, Ref("ConfigMap", "web", "kube-root-ca.crt", ())) is None
    assert (
        resolve(_Run, inventory, Ref("Service", "flux-system", "webhook-receiver", (), port=80))
        is None
    )
    assert (
        resolve(_Run, inventory, Ref("Service", "flux-system", "webhook-receiver", (), port=9292))
        is not None
    )


def test_a_gateway_a_chart_may_make_is_not_judged_but_a_missing_listener_is():
    gateway = {"spec": {"listeners": [{"name": "http"}, {"name": "https"}]}}
    inventory = Inventory(
        objects={("Gateway", "network", "internal"): gateway}, helm={"envoy": {"envoy-gateway"}}
    )
    assert message(inventory, Ref("Gateway", "envoy", "public", ())).endswith(
        "unless a chart installed in envoy makes it"
    )
    assert (
        message(
            inventory,
            Ref("Gateway", "network", "internal", ("spec", "parentRefs", 0, "name"), port="https"),
        )
        is None
    )
    assert message(
        inventory,
        Ref("Gateway", "network", "internal", ("spec", "parentRefs", 0, "name"), port="htps"),
    ) == ("Gateway network/internal has no listener htps (its listeners: http, https)")
