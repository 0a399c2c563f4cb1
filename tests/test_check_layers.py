"""layers: environment overlays change only allowed fields, mode adaptations hold only border
kinds, and each cluster names one environment and one mode, and applies that mode."""

from __future__ import annotations

import pytest
from conftest import git, problems, shared_or_skip, validate_json
from infometis.analysis import patches
from infometis.model.fieldpath import under
from test_corpus import CORPUS


@pytest.fixture
def layers(fixture_repo):
    def run(case: str, *args: str) -> tuple[int, dict]:
        return validate_json(fixture_repo(case), "--select", "layers", *args)

    return run


def messages(report: dict) -> dict[tuple, str]:
    return {
        (p["file"], p["line"]): p["message"] for p in report["problems"] if p["check"] == "layers"
    }


def test_good_overlays_modes_and_settings(layers):
    # JSON 6902 (with a test op), strategic-merge patches inline and in a file, images,
    # replicas, labels, a shared modes/common folder that is no mode
    code, report = layers("layers-good")
    assert problems(report, check="layers") == [] and code == 0


def test_bad_every_problem_at_its_line(layers):
    code, report = layers("layers-bad")
    assert problems(report, check="layers") == [
        ("layers", "error", "apps/shop/dev/kustomization.yaml", 6),  # resources: debug.yaml
        (
            "layers",
            "error",
            "apps/shop/dev/kustomization.yaml",
            9,
        ),  # components: ../../../components/tracing
        ("layers", "error", "apps/shop/dev/kustomization.yaml", 16),  # configMapGenerator
        ("layers", "error", "apps/shop/dev/kustomization.yaml", 31),  # op add .../containers/0/args
        ("layers", "error", "apps/shop/dev/kustomization.yaml", 39),  # metadata.labels.tier
        (
            "layers",
            "error",
            "apps/shop/dev/strategy.yaml",
            8,
        ),  # spec.strategy.type (the resources beside it are fine)
        (
            "layers",
            "error",
            "clusters/dev/infrastructure.yaml",
            42,
        ),  # dev also applies shared-cluster
        (
            "layers",
            "error",
            "clusters/prod/cluster-settings.yaml",
            9,
        ),  # mode: shared is no adaptation
        ("layers", "error", "clusters/uat/cluster-settings.yaml", 8),  # environment: uat, prod
        (
            "layers",
            "error",
            "clusters/uat/cluster-settings.yaml",
            9,
        ),  # shared-cluster is not applied...
        ("layers", "error", "clusters/uat/infrastructure.yaml", 25),  # ...independent is
        (
            "layers",
            "error",
            "infrastructure/modes/independent/traefik-config.yaml",
            2,
        ),  # a ConfigMap
        (
            "layers",
            "error",
            "infrastructure/modes/shared-cluster/kustomization.yaml",
            9,
        ),  # a configMapGenerator
    ]
    assert code == 1


def test_bad_messages(layers):
    _, report = layers("layers-bad")
    said = messages(report)
    assert said[("apps/shop/dev/kustomization.yaml", 31)] == (
        "a patch of shop/dev sets spec.template.spec.containers[0].args: not an allowed "
        "environment field (allowedEnvironmentFields in .infometis.yaml)"
    )
    assert said[("clusters/dev/infrastructure.yaml", 42)] == (
        "cluster dev applies the mode adaptation shared-cluster, but its cluster-settings say mode "
        "independent"
    )
    assert said[("clusters/prod/cluster-settings.yaml", 9)] == (
        "cluster-settings of prod: mode 'shared' is not a mode adaptation (infrastructure/modes/: "
        "independent, shared-cluster)"
    )
    assert said[("infrastructure/modes/independent/traefik-config.yaml", 2)] == (
        "ConfigMap shop-tuning in the mode adaptation independent: not a border kind"
    )
    hint = next(p["hint"] for p in report["problems"] if p["line"] == 31)
    assert "spec.template.spec.containers[*].args to allowedEnvironmentFields" in hint


def test_allowed_environment_fields_and_mode_kinds_are_configurable(fixture_repo):
    repo = fixture_repo("layers-bad")
    (repo / ".infometis.yaml").write_text(
        "allowedEnvironmentFields:\n  - spec.template.spec.containers[*].args\n"
        "  - spec.strategy\nchecks:\n  layers:\n    modeKinds: [ConfigMap]\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "configure")
    _, report = validate_json(repo, "--select", "layers")
    files = [p[2:] for p in problems(report, check="layers")]
    assert ("apps/shop/dev/kustomization.yaml", 31) not in files
    assert ("apps/shop/dev/strategy.yaml", 8) not in files
    assert ("infrastructure/modes/independent/traefik-config.yaml", 2) not in files
    assert ("infrastructure/modes/shared-cluster/kustomization.yaml", 9) not in files
    assert ("apps/shop/dev/kustomization.yaml", 39) in files


def test_a_cluster_without_settings(fixture_repo):
    repo = fixture_repo("layers-good")
    path = repo / "clusters/dev/kustomization.yaml"
    path.write_text(path.read_text().replace("  - cluster-settings.yaml\n", ""))
    git(repo, "commit", "-qam", "no settings")
    _, report = validate_json(repo, "--select", "layers")
    assert problems(report, check="layers") == [
        ("layers", "error", "clusters/dev/kustomization.yaml", 1)
    ]


@pytest.mark.parametrize(
    "path, allowed",
    [
        (("spec", "template", "spec", "containers", 0, "resources"), True),
        (("spec", "template", "spec", "containers", "-", "resources", "limits", "memory"), True),
        (("spec", "template", "spec", "containers", 0), False),  # the whole container
        (("spec", "template", "spec", "containers", 0, "resourcesX"), False),
        (("spec", "replicas"), True),
        (("spec",), False),
        (("metadata", "labels", "environment"), True),
        (("metadata", "labels", "app.kubernetes.io/name"), False),
    ],
)
def test_field_patterns(path, allowed):
    patterns = (
        "spec.replicas",
        "spec.template.spec.containers[*].resources",
        "metadata.labels.environment",
    )
    assert under(path, patterns) is allowed


def test_what_patches_set():
    smp = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "a", "namespace": "b"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "web", "resources": {"limits": {"cpu": 1}}},
                        {"name": "gone", "$patch": "delete"},
                    ]
                }
            }
        },
    }
    assert [path for path, _ in patches.touched(smp)] == [
        ("spec", "template", "spec", "containers", 0, "resources", "limits", "cpu"),
        ("spec", "template", "spec", "containers", 1),
    ]
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "move", "from": "/metadata/labels/a~1b", "path": "/spec/x"},
    ]
    assert [path for path, _ in patches.touched(ops)] == [
        ("metadata", "labels", "a/b"),
        ("spec", "x"),
    ]
    assert patches.touched("not a patch") == [] and patches.touched([1, None]) == []


@pytest.mark.parametrize("name", ["fluxcd__flux2-multi-tenancy", "bjw-s-labs__home-ops"])
def test_corpus_without_the_layout_has_nothing_to_judge(name):
    repo = shared_or_skip("corpus", name)
    args = CORPUS[name][0]  # as SOURCES.md enters it
    _, report = validate_json(repo, "--select", "layers", *args)
    assert problems(report, check="layers") == []
