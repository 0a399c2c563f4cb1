"""promote and drift on a real git copy of the sample monorepo: the branch holds exactly the
planned lines, validates clean, and `git revert` of it is the rollback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import git, init_repo, invoke

ROOT = Path(__file__).resolve().parents[1]
NIFI_DEV = "apps/nifi/dev/kustomization.yaml"
NIFI_UAT = "apps/nifi/uat/kustomization.yaml"


@pytest.fixture
def sample(tmp_path) -> Path:
    repo = tmp_path / "repo"
    for part in ("clusters", "infrastructure", "apps"):
        shutil.copytree(ROOT / part, repo / part)
    for name in (".infometis.yaml", ".sops.yaml"):
        shutil.copy(ROOT / name, repo / name)
    return init_repo(repo)


def _set_dev_nifi(repo: Path, tag: str) -> None:
    path = repo / NIFI_DEV
    path.write_text(path.read_text().replace("newTag: 2.6.0", f"newTag: {tag}"))
    git(repo, "commit", "-qam", f"nifi {tag} in dev")


def _changed_lines(repo: Path, *revisions: str) -> list[str]:
    diff = git(repo, "diff", "-U0", *revisions)
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_promote_commit_is_exactly_the_plan_and_revert_rolls_back(sample):
    _set_dev_nifi(sample, "2.7.0")
    before = (sample / NIFI_UAT).read_bytes()
    planned = invoke(
        "promote", "dev", "uat", "--repo", str(sample), "--service", "nifi", "--dry-run"
    )
    assert planned.exit_code == 0
    assert f"{NIFI_UAT}:10  images[apache/nifi].newTag  2.5.0 → 2.7.0" in planned.stdout
    assert git(sample, "status", "--porcelain") == ""  # --dry-run writes nothing

    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--service", "nifi", "--commit")
    assert result.exit_code == 0, result.output
    branch = git(sample, "symbolic-ref", "--short", "HEAD").strip()
    assert branch.startswith("promote/dev-to-uat/")
    assert _changed_lines(sample, "HEAD~1", "HEAD") == ["-    newTag: 2.5.0", "+    newTag: 2.7.0"]
    trailers = git(sample, "log", "-1", "--format=%(trailers:only,unfold)")
    source = git(sample, "rev-parse", "HEAD~1").strip()
    assert trailers.split("\n")[:3] == [
        "Promoted-From: dev",
        "Promoted-To: uat",
        f"Source-Commit: {source}",
    ]
    assert "images[apache/nifi].newTag  2.5.0 → 2.7.0" in git(sample, "log", "-1", "--format=%B")
    validated = invoke("validate", "--repo", str(sample))
    assert validated.exit_code == 0, validated.output

    git(sample, "revert", "--no-edit", "HEAD")
    assert (sample / NIFI_UAT).read_bytes() == before
    drift = invoke("drift", "dev", "uat", "--repo", str(sample), "-o", "json")
    pending = json.loads(drift.stdout)["pairs"][0]["pending"]
    assert {
        "service": "nifi",
        "file": NIFI_UAT,
        "line": 10,
        "field": "images[apache/nifi].newTag",
        "from": "2.5.0",
        "to": "2.7.0",
    } in pending


def test_promotion_that_introduces_an_error_is_refused_and_restored(sample):
    _set_dev_nifi(sample, "latest")  # the images check refuses a moving tag: dev is already wrong
    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--service", "nifi")
    assert result.exit_code == 1
    assert "introduces 1 error; the files are restored" in result.stderr
    assert "apps/nifi/uat" in result.stderr or "uat" in result.stderr
    assert git(sample, "status", "--porcelain") == ""


def _pin_nifi_image_by_patch(repo: Path, env: str, image: str) -> None:
    """The environment's NiFi image set by a patch file with a marked pin: the image check
    then finds a moving tag at the base's line, the same file and line in every cluster."""
    overlay = repo / "apps/nifi" / env
    (overlay / "image.yaml").write_text(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: nifi\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: nifi\n"
        f"          image: {image}  # infometis:promote\n"
    )
    text = re.sub(
        r"images:\n  - name: apache/nifi\n    newTag: .*\n",
        "",
        (overlay / "kustomization.yaml").read_text(),
    )
    (overlay / "kustomization.yaml").write_text(
        text.replace("patches:\n", "patches:\n  - path: image.yaml\n", 1)
    )


def test_an_error_dev_already_has_is_still_new_in_uat(sample):
    # dev renders the shared base with a moving tag: the error is at apps/nifi/base, as it
    # would be in uat after the promotion; compared cluster by cluster, it is new in uat
    _pin_nifi_image_by_patch(sample, "dev", "apache/nifi:latest")
    _pin_nifi_image_by_patch(sample, "uat", "apache/nifi:2.5.0")
    git(sample, "add", "-A")
    git(sample, "commit", "-qm", "nifi's image by patch")
    before = invoke("validate", "--repo", str(sample), "-o", "json")
    errors = [p for p in json.loads(before.stdout)["problems"] if p["level"] == "error"]
    assert [(p["cluster"], p["file"]) for p in errors] == [
        ("dev", "apps/nifi/base/statefulset.yaml")
    ]
    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--service", "nifi")
    assert result.exit_code == 1, result.output
    assert "introduces 1 error; the files are restored" in result.stderr
    assert "  uat: apps/nifi/base/statefulset.yaml:" in result.stderr
    assert git(sample, "status", "--porcelain") == ""


def test_refusals_change_nothing(sample):
    (sample / "untracked.yaml").write_text("a: 1\n")
    dirty = invoke("promote", "dev", "uat", "--repo", str(sample))
    assert dirty.exit_code == 1 and "uncommitted changes (untracked.yaml)" in dirty.stderr
    (sample / "untracked.yaml").unlink()

    skip = invoke("promote", "dev", "prod", "--repo", str(sample))
    assert skip.exit_code == 1 and "dev → prod skips uat" in skip.stderr
    assert (
        invoke("promote", "dev", "prod", "--repo", str(sample), "--force", "--dry-run").exit_code
        == 0
    )
    backwards = invoke("promote", "uat", "dev", "--repo", str(sample))
    assert backwards.exit_code == 1 and "dev comes before uat" in backwards.stderr
    unknown = invoke("promote", "dev", "staging", "--repo", str(sample))
    assert unknown.exit_code == 2 and "'staging' is not an environment" in unknown.stderr
    service = invoke("promote", "dev", "uat", "--repo", str(sample), "--service", "nfi")
    assert service.exit_code == 2 and "--service nfi" in service.stderr and "nifi" in service.stderr
    assert git(sample, "status", "--porcelain") == ""


def test_commit_without_a_git_identity_is_a_setup_error(sample, monkeypatch):
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(sample.parent))  # no ~/.gitconfig
    monkeypatch.setenv("EMAIL", "")
    probe = subprocess.run(
        ["git", "-C", str(sample), "var", "GIT_COMMITTER_IDENT"], capture_output=True
    )
    if probe.returncode == 0:
        pytest.skip("git finds an identity on this machine even without configuration")
    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--commit")
    assert result.exit_code == 2 and "git has no identity" in result.stderr
    assert git(sample, "status", "--porcelain") == ""


def test_nothing_to_promote_says_so(sample):
    git(sample, "checkout", "-q", "-b", "work")
    assert invoke("promote", "dev", "uat", "--repo", str(sample), "--commit").exit_code == 0
    again = invoke("promote", "dev", "uat", "--repo", str(sample))
    assert (
        again.exit_code == 0
        and "nothing to promote: uat already pins what dev pins" in again.stdout
    )


def test_drift_finds_a_hand_edit_beyond_the_environment_fields(sample):
    overlay = sample / "apps/kafka/uat/kustomization.yaml"
    overlay.write_text(
        overlay.read_text()
        + (
            "  - target:\n      kind: Service\n      name: kafka\n    patch: |\n"
            "      - op: replace\n        path: /spec/ports/0/port\n        value: 9999\n"
        )
    )
    git(sample, "commit", "-qam", "a hand edit in uat")
    result = invoke("drift", "dev", "uat", "--repo", str(sample), "--fail-on-drift")
    assert result.exit_code == 1
    assert (
        "kafka  apps/kafka/uat/kustomization.yaml:" in result.stdout
        and "Service/kafka spec.ports" in result.stdout
    )
    assert "9999" in result.stdout
    document = json.loads(invoke("drift", "dev", "uat", "--repo", str(sample), "-o", "json").stdout)
    assert document["version"] == 1
    (found,) = document["pairs"][0]["drift"]
    assert found["file"] == "apps/kafka/uat/kustomization.yaml"
    assert (
        "path: /spec/ports/0/port" in overlay.read_text().splitlines()[found["line"] - 1]
    )  # the patch op
    markdown = invoke("drift", "--repo", str(sample), "-o", "markdown")
    assert markdown.exit_code == 0  # without --fail-on-drift drift only informs
    assert "### dev → uat" in markdown.stdout and "### uat → prod" in markdown.stdout


def test_the_promote_workflow_opens_the_pull_request_with_a_token_that_triggers_validation():
    workflow = yaml.safe_load((ROOT / ".github/workflows/promote.yaml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"src", "dst"}
    steps = workflow["jobs"]["promote"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert '.venv/bin/infometis promote "$src" "$dst" --commit --branch "$branch"' in runs
    openers = [step for step in steps if "github-script" in step.get("uses", "")]
    assert openers and all(
        step["with"]["github-token"] == "${{ secrets.INFOMETIS_PROMOTE_TOKEN }}" for step in openers
    )
    assert workflow["jobs"]["promote"]["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("branch", ["../x", "-D", "HEAD", "x.lock", "a..b", "with space"])
def test_an_invalid_branch_is_refused_before_anything_is_written(sample, branch):
    _set_dev_nifi(sample, "2.7.0")
    head = git(sample, "rev-parse", "HEAD")
    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--commit", "--branch", branch)
    assert result.exit_code == 2 and "is not a valid branch name" in result.stderr, result.output
    assert git(sample, "status", "--porcelain") == "" and git(sample, "rev-parse", "HEAD") == head


def _refused_commit_changes_nothing(sample, result, undone: str) -> None:
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert f"undone: 1 file restored{undone}" in result.stderr
    assert git(sample, "status", "--porcelain", "--untracked-files=no") == ""
    assert git(sample, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(sample, "branch", "--list", "promote/*") == ""
    assert not (sample / ".git" / "INFOMETIS_PROMOTE_MSG").exists()


def test_a_commit_that_git_refuses_leaves_no_trace(sample):
    _set_dev_nifi(sample, "2.7.0")
    (sample / ".git" / "index.lock").write_text("")  # another git is running
    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--service", "nifi", "--commit")
    (sample / ".git" / "index.lock").unlink()
    _refused_commit_changes_nothing(sample, result, "")


def test_a_pre_commit_hook_that_refuses_leaves_no_trace(sample):
    _set_dev_nifi(sample, "2.7.0")
    hook = sample / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'hook says no' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--service", "nifi", "--commit")
    assert "hook says no" in result.stderr
    _refused_commit_changes_nothing(sample, result, ", branch promote/dev-to-uat/")


def test_a_full_disk_while_promoting_is_a_refusal_with_the_files_intact(sample, monkeypatch):
    import errno

    from infometis.load import files

    _set_dev_nifi(sample, "2.7.0")
    before = (sample / NIFI_UAT).read_bytes()

    def full(_fd):  # a disk that fills up cannot be made here: the OS's answer is played back
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    result = invoke("promote", "dev", "uat", "--repo", str(sample), "--service", "nifi")
    assert result.exit_code == 1 and "internal error" not in result.stderr, result.stderr
    assert (
        f"{NIFI_UAT}: cannot write it (No space left on device); nothing was changed"
        in result.stderr
    )
    assert (sample / NIFI_UAT).read_bytes() == before and git(sample, "status", "--porcelain") == ""


GIT_SOURCE = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: platform
  namespace: flux-system
spec:
  interval: 10m
  url: https://git.example.internal/platform.git
  ref:
    tag: {tag}
"""


def test_services_are_the_apps_and_cluster_pins_move_only_when_asked(sample):
    for cluster, tag in (("dev", "v1.1.0"), ("uat", "v1.0.0")):
        (sample / "clusters" / cluster / "platform-source.yaml").write_text(
            GIT_SOURCE.format(tag=tag)
        )
    git(sample, "add", "-A")
    git(sample, "commit", "-qm", "a cluster-level source")
    planned = invoke("promote", "dev", "uat", "--repo", str(sample), "--dry-run")
    assert planned.exit_code == 0 and "clusters/uat" not in planned.stdout
    assert {line.split()[0] for line in planned.stdout.splitlines()[1:]} <= {
        path.name for path in (sample / "apps").iterdir()
    }  # every planned line is a service of apps/
    unknown = invoke(
        "promote", "dev", "uat", "--repo", str(sample), "--service", "clusters", "--dry-run"
    )
    assert (
        unknown.exit_code == 2
        and "--service clusters: no folder dev/ beside uat/" in unknown.output
    )
    asked = invoke(
        "promote", "dev", "uat", "--repo", str(sample), "--dry-run", "--include-cluster-pins"
    )
    moved = [line.split() for line in asked.stdout.splitlines() if "clusters/uat" in line]
    assert moved == [
        [
            "clusters",
            "clusters/uat/platform-source.yaml:10",
            "GitRepository/platform",
            "spec.ref.tag",
            "v1.0.0",
            "→",
            "v1.1.0",
        ]
    ]
