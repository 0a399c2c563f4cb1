"""border: a core base (apps/<service>/base) holds no route, exposure, hostname or environment
name."""

from __future__ import annotations

import pytest
from conftest import problems, shared_or_skip, validate_json
from test_corpus import CORPUS


@pytest.fixture
def border(fixture_repo):
    def run(case: str, *args: str) -> tuple[int, dict]:
        return validate_json(fixture_repo(case), "--select", "border", *args)

    return run


def messages(report: dict) -> dict[tuple, str]:
    return {
        (p["file"], p["line"]): p["message"] for p in report["problems"] if p["check"] == "border"
    }


def test_good_base_routes_nothing_and_names_no_environment(border):
    # in-cluster names (kafka-0.kafka-headless, orders.shop, *.svc.cluster.local,
    # http://elasticsearch:9200), an image of the platform's registry, mountPath /dev/shm,
    # "development"/"production" and a route at the border are all fine
    code, report = border("border-good")
    assert problems(report, check="border") == [] and code == 0


def test_bad_base_every_problem_at_its_line(border):
    code, report = border("border-bad")
    assert problems(report, check="border") == [
        (
            "border",
            "error",
            "apps/podinfo/base/helmrelease.yaml",
            17,
        ),  # values.service.type: LoadBalancer
        (
            "border",
            "error",
            "apps/podinfo/base/helmrelease.yaml",
            18,
        ),  # values.ingress.enabled: true
        (
            "border",
            "error",
            "apps/podinfo/base/helmrelease.yaml",
            21,
        ),  # values.ingress.hosts[0].host
        ("border", "error", "apps/shop/base/app.properties", 3),  # a generator input: ${domain}
        ("border", "error", "apps/shop/base/app.properties", 4),  # profile=dev
        (
            "border",
            "error",
            "apps/shop/base/catalog.yaml",
            14,
        ),  # inside the JSON block: orders.prod-audit
        ("border", "error", "apps/shop/base/deployment.yaml", 6),  # label environment: dev
        (
            "border",
            "error",
            "apps/shop/base/deployment.yaml",
            37,
        ),  # https://shop.dev.fleet.internal/
        ("border", "error", "apps/shop/base/ingressroute.yaml", 2),  # an IngressRoute in the base
        ("border", "error", "apps/shop/base/ingressroute.yaml", 11),  # Host(`shop.fleet.internal`)
        ("border", "error", "apps/shop/base/service.yaml", 6),  # type: NodePort
        ("border", "error", "apps/shop/base/service.yaml", 13),  # nodePort: 30080
    ]
    assert code == 1


def test_bad_base_messages_name_the_field_and_the_value(border):
    _, report = border("border-bad")
    said = messages(report)
    assert said[("apps/shop/base/service.yaml", 6)] == (
        "spec.type: NodePort exposes the service outside the cluster in the core base of shop"
    )
    assert said[("apps/shop/base/deployment.yaml", 37)] == (
        "spec.template.spec.containers[0].env[2].value: 'shop.dev.fleet.internal' is a hostname in "
        "the core base of shop"
    )
    assert said[("apps/shop/base/deployment.yaml", 6)] == (
        "metadata.labels.environment: 'dev' names the environment dev in the core base of shop"
    )
    assert (
        said[("apps/shop/base/ingressroute.yaml", 2)]
        == "IngressRoute shop-direct routes traffic, in the core base of shop"
    )
    hints = {
        p["hint"] for p in report["problems"] if p["file"] == "apps/shop/base/ingressroute.yaml"
    }
    assert any("apps/shop/border/" in hint for hint in hints)


def test_options_add_domains_and_environments(fixture_repo):
    repo = fixture_repo("border-good")
    (repo / ".infometis.yaml").write_text(
        "checks:\n  border:\n    domains: [svc.cluster.local]\n    environments: [shop]\n"
    )
    _, report = validate_json(repo, "--select", "border")
    found = problems(report, check="border")
    assert (
        "border",
        "error",
        "apps/shop/base/endpoints.yaml",
        8,
    ) in found  # elasticsearch.search.svc.cluster.local
    assert (
        "border",
        "error",
        "apps/shop/base/kustomization.yaml",
        6,
    ) in found  # app.kubernetes.io/name: shop


def test_base_problems_are_found_even_when_no_cluster_reaches_the_base(fixture_repo):
    repo = fixture_repo("border-bad")
    for cluster in ("dev", "prod"):
        path = repo / "clusters" / cluster / "kustomization.yaml"
        path.write_text(path.read_text().replace("  - podinfo.yaml\n", ""))
    _, report = validate_json(repo, "--select", "border")
    assert ("border", "error", "apps/podinfo/base/helmrelease.yaml", 17) in problems(
        report, check="border"
    )


@pytest.mark.parametrize("name", ["fluxcd__flux2-kustomize-helm-example", "bjw-s-labs__home-ops"])
def test_corpus_without_the_layout_has_nothing_to_judge(name):
    repo = shared_or_skip("corpus", name)
    args = CORPUS[name][0]  # as SOURCES.md enters it
    _, report = validate_json(repo, "--select", "border", *args)
    assert problems(report, check="border") == []
