"""The pipeline renders as Flux would: the rendered objects themselves, not just problems."""

import pytest
from conftest import validate_json
from infometis.render.pipeline import run_repository
from infometis.render.runs import Options
from test_checks import PIPELINE_CHECKS


@pytest.fixture
def semantics(fixture_repo):
    repo = fixture_repo("flux-semantics")
    run = run_repository(Options(repo, [("dev", repo / "clusters" / "dev")], jobs=2))
    renders = {rendered.kustomization.id.name: rendered for rendered in run.clusters[0].renders}
    return repo, run, renders


def test_fixture_validates_clean(semantics):
    repo, _, _ = semantics
    # the fixture is about Flux's semantics: the pipeline's checks judge it, not the guardrails
    code, report = validate_json(repo, *(a for c in PIPELINE_CHECKS for a in ("--select", c)))
    assert code == 0
    assert [(p["check"], p["level"], p["file"], p["line"]) for p in report["problems"]] == [
        ("flux-source", "info", "clusters/dev/flux-system/gotk-sync.yaml", 21)
    ]  # at the sync itself
    assert report["problems"][0]["message"].startswith(
        "GitRepository/flux-system/flux-system syncs the entry folder"
    )
    summary = report["summary"]
    assert (summary["kustomizations"], summary["rendered"], summary["resources"]) == (4, 4, 8)


def test_the_entry_sync_is_recognised_not_rendered_twice(semantics):
    _, run, renders = semantics
    cluster = run.clusters[0]
    assert [k.id.name for k in cluster.entry_syncs] == ["flux-system"]
    assert "flux-system" not in renders and set(renders) == {
        "clusters/dev",
        "apps",
        "settings",
        "web",
    }


def test_controller_side_fields_parent_patches_and_substitution(semantics):
    repo, _, renders = semantics
    web = renders["web"]
    [deployment] = web.resources
    data = deployment.data
    assert (
        str(deployment.id) == "Deployment.apps/web/dev-web"
    )  # parent's patch → targetNamespace; namePrefix
    assert data["metadata"]["labels"] == {"team": "platform"}  # commonMetadata, not in selectors
    assert data["spec"]["selector"]["matchLabels"] == {"app": "web"}
    assert data["metadata"]["annotations"] == {"added-by": "component"}  # spec.components
    container = data["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.27.3"  # spec.images
    assert {e["name"]: e["value"] for e in container["env"]} == {
        "HOST": "web.dev.example.internal",  # substituteFrom a ConfigMap rendered by a sibling
        "TOKEN": "s3cr3t",  # substituteFrom a Secret, base64-decoded
        "GREETING": "hello",  # postBuild.substitute
        "LITERAL": "${kept}",  # $${kept} is a literal
    }
    assert deployment.origin == repo / "apps" / "web" / "base" / "deployment.yaml"
    assert "config.kubernetes.io/origin" not in str(data)


def test_generated_kustomization_for_a_folder_without_one(semantics):
    repo, _, renders = semantics
    assert renders["apps"].folder == repo / "apps" / "kustomizations"
    assert sorted(r.id.name for r in renders["apps"].resources) == ["settings", "web"]


def test_jobs_do_not_change_the_result(fixture_repo):
    repo = fixture_repo("flux-semantics")
    one = validate_json(repo, "--jobs", "1")
    two = validate_json(repo, "--jobs", "2")
    assert one == two


def test_a_remote_matching_the_git_repository_url_is_this_repository(fixture_repo):
    from conftest import git

    repo = fixture_repo("flux-semantics")
    git(repo, "remote", "add", "origin", "git@git.example.internal:platform/fleet.git")
    code, report = validate_json(repo, *(a for c in PIPELINE_CHECKS for a in ("--select", c)))
    assert code == 0
    assert [p["message"] for p in report["problems"]] == [
        "GitRepository/flux-system/flux-system points at this repository's remote: "
        "its Kustomizations are rendered from the work tree"
    ]
