"""images: fixtures, the sample monorepo, and the image reference parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import problems, validate_json
from infometis.checks.images import verdict
from infometis.model.imageref import allowed, parse

ID = "images"
ROOT = Path(__file__).resolve().parents[1]
DIGEST = "sha256:" + "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"


def messages(report: dict) -> list[str]:
    return [p["message"] for p in report["problems"] if p["check"] == ID]


def test_good_has_no_problem(fixture_repo):
    # a registry with a port and a tag, a digest, a tag set by the overlay's images:, a
    # CronJob, Helm values with a tag, without one (the chart's appVersion) and without a
    # registry (the chart's choice), all under an allow-list of registries
    code, report = validate_json(fixture_repo("images-good"), "--select", ID)
    assert problems(report) == []
    assert code == 0


def test_bad_reports_each_image_at_the_line_that_sets_it(fixture_repo):
    code, report = validate_json(fixture_repo("images-bad"), "--select", ID)
    assert problems(report) == [
        (ID, "error", "apps/shop/base/cronjob.yaml", 17),
        (ID, "error", "apps/shop/base/deployment.yaml", 21),
        (ID, "error", "apps/shop/base/deployment.yaml", 50),
        (ID, "error", "apps/shop/base/deployment.yaml", 68),
        (ID, "error", "apps/shop/base/deployment.yaml", 83),
        (ID, "error", "apps/shop/base/helmrelease.yaml", 17),
        (ID, "error", "apps/shop/base/helmrelease.yaml", 21),
        (ID, "error", "apps/shop/dev/kustomization.yaml", 8),  # newTag: latest in the overlay
    ]
    assert messages(report) == [
        "spec.jobTemplate.spec.template.spec.containers[0].image: 'alpine' has no tag, which means "
        "'latest': it moves",
        "spec.template.spec.initContainers[0].image: 'registry:5000/tools/migrate' has no tag, "
        "which means 'latest': it moves",
        "spec.template.spec.containers[1].image: 'busybox:latest' uses the tag 'latest': it moves",
        "spec.template.spec.containers[2].image: 'quay.io/prometheus/node-exporter:v1.8.2' comes "
        "from quay.io, which is not an allowed registry (ghcr.io/acme, registry:5000, "
        "docker.io/library)",
        "spec.template.spec.containers[3].image: 'ghcr.io/acme/Worker:2.0.0' is not a valid image "
        "reference",
        "spec.values.image.tag: the image tag is 'latest': it moves",
        "spec.values.initChownData.image.registry: 'quay.io/prometheus/busybox' comes from "
        "quay.io, which is not an allowed registry (ghcr.io/acme, registry:5000, "
        "docker.io/library)",
        "spec.template.spec.containers[0].image: 'ghcr.io/acme/shop:latest' uses the tag 'latest': "
        "it moves (the tag is set here, by images:)",
    ]
    assert {p["resource"] for p in report["problems"]} == {
        "CronJob.batch/shop/shop-report",
        "Deployment.apps/shop/shop",
        "HelmRelease.helm.toolkit.fluxcd.io/shop/dashboards",
    }
    assert {p["cluster"] for p in report["problems"]} == {"dev"}
    assert code == 1


def test_without_an_allow_list_any_registry_is_fine(fixture_repo):
    repo = fixture_repo("images-bad")
    (repo / ".infometis.yaml").unlink()
    _, report = validate_json(repo, "--select", ID)
    assert not [m for m in messages(report) if "allowed registry" in m]
    assert len(problems(report)) == 6


def test_flux_kustomization_images_are_where_the_tag_comes_from(fixture_repo):
    repo = fixture_repo("images-good")
    sync = repo / "clusters/dev/shop.yaml"
    sync.write_text(
        sync.read_text() + "  images:\n    - name: ghcr.io/acme/shop\n      newTag: latest\n"
    )
    _, report = validate_json(repo, "--select", ID)
    line = sync.read_text().splitlines().index("      newTag: latest") + 1
    assert problems(report) == [(ID, "error", "clusters/dev/shop.yaml", line)]


def test_sample_monorepo_images_are_pinned():
    code, report = validate_json(ROOT, "--select", ID)
    assert problems(report) == []
    assert code == 0


@pytest.mark.parametrize(
    ("text", "registry", "path", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", None, None),
        ("nginx:1.27", "docker.io", "library/nginx", "1.27", None),
        ("registry:5000/app", "registry:5000", "app", None, None),
        ("registry:5000/app:1.0", "registry:5000", "app", "1.0", None),
        ("localhost/app", "localhost", "app", None, None),
        ("index.docker.io/bitnami/redis:7", "docker.io", "bitnami/redis", "7", None),
        ("[::1]:5000/team/app:2", "[::1]:5000", "team/app", "2", None),
        (f"ghcr.io/acme/app:1.0@{DIGEST}", "ghcr.io", "acme/app", "1.0", DIGEST),
    ],
)
def test_parse(text, registry, path, tag, digest):
    reference = parse(text)
    assert (reference.registry, reference.path, reference.tag, reference.digest) == (
        registry,
        path,
        tag,
        digest,
    )


@pytest.mark.parametrize(
    "text", ["ghcr.io/acme/App:1", "app:", "app@sha256:short", "a b", "app:-x", ""]
)
def test_invalid_references(text):
    assert parse(text) is None
    assert "not a valid image reference" in verdict(text, [])


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("app:1.0", True),
        (f"app@{DIGEST}", True),
        (f"app:latest@{DIGEST}", True),
        ("app", False),
        ("app:latest", False),
        ("registry:5000/app", False),
        ("registry:5000/app:latest", False),
    ],
)
def test_pinned(text, pinned):
    assert (verdict(text, []) is None) is pinned


@pytest.mark.parametrize(
    ("name", "registries", "expected"),
    [
        ("docker.io/library/nginx", ["docker.io"], True),
        ("docker.io/library/nginx", ["index.docker.io/library"], True),
        ("ghcr.io/acme/app", ["ghcr.io/acme"], True),
        ("ghcr.io/acme-evil/app", ["ghcr.io/acme"], False),
        ("registry:5000/app", ["registry:5000/"], True),
        ("quay.io/x/y", ["https://ghcr.io"], False),
    ],
)
def test_allowed(name, registries, expected):
    assert allowed(name, registries) is expected
