"""Real-world repositories, entered as ../shared/corpus/SOURCES.md says: no traceback,
and every Flux Kustomization whose source is in the repository renders or gets a problem."""

import pytest
from conftest import shared_or_skip, validate_json

CORPUS = {
    # name: (arguments, rendering summary, {check: (errors, warnings)} of true findings, checked
    # by hand)
    "fluxcd__flux2-kustomize-helm-example": (
        [
            "--path",
            "clusters/staging",
            "--path",
            "clusters/production",
            "--source",
            "ExternalArtifact/flux-system/apps=apps",
            "--source",
            "ExternalArtifact/flux-system/infrastructure=infrastructure",
        ],
        {"clusters": 2, "kustomizations": 6, "rendered": 6, "skipped": 0},
        {"flux-hygiene": (0, 4), "schema": (0, 2)},
    ),
    "fluxcd__flux2-multi-tenancy": (
        ["--path", "clusters/staging", "--path", "clusters/production"],
        {"clusters": 2, "kustomizations": 10, "rendered": 6, "skipped": 4},
        # the error: OCIRepository v1beta2, no longer served (so no Flux 2.9 schema for it either)
        {"flux-hygiene": (1, 6), "schema": (0, 2)},
    ),
    "fluxcd__flux2-hub-spoke-example": (
        ["--path", "hub"],
        {"clusters": 1, "kustomizations": 8, "rendered": 8, "skipped": 0},
        # references: the spokes' kubeconfig Secrets, created by a script outside the repository
        {"flux-hygiene": (6, 4), "references": (10, 0), "schema": (0, 3)},
    ),
    "fluxcd__flux2-monitoring-example": (
        ["--path", "clusters/test"],
        {"clusters": 1, "kustomizations": 2, "rendered": 2, "skipped": 0},
        {"flux-hygiene": (0, 2), "schema": (0, 1)},
    ),
    "bjw-s-labs__home-ops": (
        ["--path", "kubernetes/flux/cluster"],
        {"clusters": 1, "kustomizations": 91, "rendered": 91, "skipped": 0},
        # Kustomizations without timeout; kinds without schema; kubernetes/bootstrap/kustomize,
        # which the bootstrap applies by hand and no Flux Kustomization reaches
        # and the HTTPRoute to kube-system/hubble-ui, which the cilium chart makes (a warning
        # until charts render)
        {"flux-hygiene": (0, 91), "schema": (0, 41), "unreached": (0, 1), "references": (0, 1)},
    ),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_repository_validates(name):
    repo = shared_or_skip("corpus", name)
    arguments, expected, findings = CORPUS[name]
    code, report = validate_json(repo, *arguments)
    summary = report["summary"]
    assert {key: summary[key] for key in expected} == expected
    assert summary["rendered"] + summary["skipped"] == summary["kustomizations"]
    assert summary["resources"] > summary["kustomizations"]
    found: dict[str, list[int]] = {}
    for problem in report["problems"]:
        if problem["level"] != "info":
            found.setdefault(problem["check"], [0, 0])[problem["level"] == "warning"] += 1
    assert {check: tuple(counts) for check, counts in found.items()} == findings
    # schema warnings are kinds with no schema anywhere (CRDs the corpus does not hold)
    assert all(
        p["message"].startswith("no schema for ")
        for p in report["problems"]
        if p["check"] == "schema"
    )
    assert code == (1 if summary["errors"] else 0)


def test_unmapped_external_artifacts_are_skipped_with_one_info_each():
    repo = shared_or_skip("corpus", "fluxcd__flux2-kustomize-helm-example")
    code, report = validate_json(
        repo,
        "--path",
        "clusters/staging",
        "--path",
        "clusters/production",
        "--select",
        "flux-source",
        "--select",
        "unreached",
    )
    infos = [p for p in report["problems"] if p["level"] == "info"]
    assert code == 0
    assert report["summary"]["skipped"] == 6 and len(infos) == 6
    assert all(
        p["message"].startswith("skipped: source ExternalArtifact/flux-system/") for p in infos
    )
    # their folders could be what the artifact holds: not reported as unreached
    assert report["summary"]["warnings"] == 0


def test_kube_config_kustomizations_do_not_clash_with_the_hub():
    repo = shared_or_skip("corpus", "fluxcd__flux2-hub-spoke-example")
    code, report = validate_json(repo, "--path", "hub", "--select", "duplicate-resource")
    assert code == 0 and report["problems"] == []


FLUX_LOCAL = "allenporter__flux-local-testdata"


def test_another_clusters_flux_crds_do_not_judge_this_one():
    """cluster9's gotk-components.yaml holds an older Flux's CRDs (no ExternalArtifact source); a
    run of cluster11 alone does not render it, and it says nothing of cluster11's Flux."""
    repo = shared_or_skip("corpus", FLUX_LOCAL)
    _, report = validate_json(repo, "--path", "tests/testdata/cluster11/cluster")
    schema = [p["message"] for p in report["problems"] if p["check"] == "schema"]
    assert schema and not any("ExternalArtifact" in message for message in schema), schema


def test_two_objects_of_one_render_named_alike_are_one_duplicate_of_that_render():
    """cluster-secrets gives SECRET_DOMAIN3 and SECRET_DOMAIN4 one value: two Certificates, one
    name."""
    repo = shared_or_skip("corpus", FLUX_LOCAL)
    _, report = validate_json(repo, "--path", "tests/testdata/cluster/clusters/prod")
    duplicates = [p["message"] for p in report["problems"] if p["check"] == "duplicate-resource"]
    assert duplicates == ["Certificate.cert-manager.io//SECRET-staging is rendered twice by apps"]
