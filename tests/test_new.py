"""`infometis init` and `infometis new …`: golden files per generator (the exact files each
writes and the exact diff of the files it edits, under tests/fixtures/new/<case>/;
UPDATE_EXPECTED=1 rewrites them), refusals, --dry-run, and a property test: any sequence of
generators on a fresh repository validates clean, and running a command again changes nothing."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import git, invoke, validate_json
from filelock import FileLock
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = Path(__file__).parent / "fixtures" / "new"
BIN = Path(sys.executable).parent
URL = "ssh://git@github.com/example/fleet"


def snapshot(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def changes(before: dict[str, str], after: dict[str, str]) -> tuple[dict[str, str], str]:
    """(files created, unified diff of the files edited)."""
    created = {path: text for path, text in after.items() if path not in before}
    edited = "".join(
        "".join(
            difflib.unified_diff(
                before[path].splitlines(keepends=True),
                after[path].splitlines(keepends=True),
                f"a/{path}",
                f"b/{path}",
            )
        )
        for path in sorted(before)
        if path in after and before[path] != after[path]
    )
    assert set(before) <= set(after), "a generator never deletes a file"
    return created, edited


def assert_golden(case: str, created: dict[str, str], edited: str) -> None:
    """The files and the edit diff equal tests/fixtures/new/<case>/ (files/ and edits.diff)."""
    folder = EXPECTED / case
    if os.environ.get("UPDATE_EXPECTED"):
        shutil.rmtree(folder, ignore_errors=True)
        for path, text in created.items():
            (folder / "files" / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / "files" / path).write_text(text)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "edits.diff").write_text(edited)
    assert created == snapshot(folder / "files") if (folder / "files").is_dir() else created == {}
    assert edited == (folder / "edits.diff").read_text()


def run(*args: str, ok: bool = True):
    result = invoke(*args)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def init(tmp_path: Path, clusters: str = "dev,uat,prod") -> Path:
    repo = tmp_path / "fleet"
    run("init", str(repo), "--clusters", clusters, "--url", URL)
    return repo


def assert_clean(repo: Path, allowed_warnings: tuple[str, ...] = ()) -> dict:
    code, report = validate_json(repo)
    serious = [
        p
        for p in report["problems"]
        if p["level"] == "error" or (p["level"] == "warning" and p["check"] not in allowed_warnings)
    ]
    assert code == 0 and not serious, serious
    return report


def generate(repo: Path, case: str, *args: str, allowed_warnings: tuple[str, ...] = ()) -> None:
    """Run `new …` in `repo`, compare with the golden case, and validate."""
    before = snapshot(repo)
    run("new", *args, "--repo", str(repo))
    assert_golden(case, *changes(before, snapshot(repo)))
    assert_clean(repo, allowed_warnings)


def sample(tmp_path: Path) -> Path:
    """The project's own hand-written monorepo, as a git repository."""
    target = tmp_path / "sample"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml", ".sops.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, target / part)
    git(target, "init", "-q", "-b", "main")
    return target


# --- golden files, one case per generator ---------------------------------------------------


def test_init_writes_every_part_and_validates_clean(tmp_path):
    repo = init(tmp_path)
    assert_golden("init", snapshot(repo), "")
    report = assert_clean(repo)
    assert report["summary"]["clusters"] == 3 and report["summary"]["warnings"] == 0


def test_new_service_routed(tmp_path):
    repo = init(tmp_path)
    generate(
        repo,
        "service-routed",
        "service",
        "web",
        "--image",
        "nginxinc/nginx-unprivileged:1.27.4",
        "--port",
        "8080",
        "--route",
    )


def test_new_service_statefulset_with_desired_state(tmp_path):
    repo = init(tmp_path)
    generate(
        repo,
        "service-statefulset",
        "service",
        "events",
        "--image",
        "apache/kafka:4.1.0",
        "--port",
        "9092",
        "--kind",
        "statefulset",
        "--config-type",
        "topics",
    )


def test_new_service_in_the_hand_written_sample_keeps_its_files(tmp_path):
    """Only the inserted lines change in hand-written kustomizations (comments, order kept)."""
    repo = sample(tmp_path)
    generate(
        repo,
        "service-sample",
        "service",
        "search",
        "--image",
        "registry.example.internal/search:2.1.0",
        "--config-type",
        "indices",
        "--route",
    )


def test_new_environment_copies_the_pinned_overlays(tmp_path):
    repo = init(tmp_path)
    run(
        "new",
        "service",
        "web",
        "--image",
        "nginxinc/nginx-unprivileged:1.27.4",
        "--route",
        "--repo",
        str(repo),
    )
    (repo / "apps/web/uat/kustomization.yaml").write_text(
        (repo / "apps/web/uat/kustomization.yaml")
        .read_text()
        .replace("newTag: 1.27.4", "newTag: 1.27.3")
    )
    generate(
        repo,
        "environment",
        "environment",
        "staging",
        "--from",
        "uat",
        allowed_warnings=("unreached",),
    )
    assert "newTag: 1.27.3" in (repo / "apps/web/staging/kustomization.yaml").read_text()


def test_new_cluster_takes_every_service_of_its_environment(tmp_path):
    repo = init(tmp_path)
    run(
        "new",
        "service",
        "web",
        "--image",
        "nginxinc/nginx-unprivileged:1.27.4",
        "--route",
        "--repo",
        str(repo),
    )
    generate(
        repo, "cluster", "cluster", "prod-eu", "--environment", "prod", "--mode", "shared-cluster"
    )
    assert (
        "domain: prod-eu.example.internal"
        in (repo / "clusters/prod-eu/cluster-settings.yaml").read_text()
    )


def test_new_cluster_in_the_sample(tmp_path):
    repo = sample(tmp_path)
    generate(
        repo,
        "cluster-sample",
        "cluster",
        "dev2",
        "--environment",
        "dev",
        "--mode",
        "independent",
        "--domain",
        "dev2.example.com",
    )


def test_new_mode(tmp_path):
    repo = init(tmp_path)
    generate(repo, "mode", "mode", "edge", allowed_warnings=("unreached",))
    before = snapshot(repo)
    run("new", "cluster", "edge1", "--environment", "dev", "--mode", "edge", "--repo", str(repo))
    assert (
        "path: ./infrastructure/modes/edge"
        in (repo / "clusters/edge1/infrastructure.yaml").read_text()
    )
    assert (
        "infrastructure/controllers"
        not in (repo / "clusters/edge1/infrastructure.yaml").read_text()
    )
    assert set(snapshot(repo)) > set(before)
    assert_clean(repo)


# --- init: folders, git ---------------------------------------------------------------------


def test_init_with_git_makes_one_commit(tmp_path):
    repo = tmp_path / "fleet"
    result = run("init", str(repo), "--git", "--clusters", "dev")
    assert "committed" in result.output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert_clean(repo)


def test_init_with_git_and_no_identity_writes_nothing(tmp_path, monkeypatch):
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tuseConfigOnly = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    for key in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        monkeypatch.delenv(key, raising=False)
    result = run("init", str(tmp_path / "fleet"), "--git", ok=False)
    assert result.exit_code == 2
    assert "git config --global user.email" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "fleet").exists()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "fleet").mkdir()
    (tmp_path / "fleet" / "notes.txt").write_text("mine\n")
    result = run("init", str(tmp_path / "fleet"), ok=False)
    assert result.exit_code == 2 and "not empty" in result.output
    assert snapshot(tmp_path / "fleet") == {"notes.txt": "mine\n"}


def test_init_only_writes_the_border_its_clusters_use(tmp_path):
    repo = init(tmp_path, "edge")
    assert (repo / "infrastructure/modes/independent").is_dir()
    assert not (repo / "infrastructure/modes/shared-cluster").exists()
    repo2 = tmp_path / "shared"
    run("init", str(repo2), "--clusters", "a,b")
    assert (repo2 / "infrastructure/modes/shared-cluster").is_dir() and (
        repo2 / "infrastructure/controllers"
    ).is_dir()


def test_generated_workflow_and_hooks_pass_their_linters(tmp_path):
    repo = init(tmp_path)
    workflow = repo / ".github/workflows/validate.yaml"
    for command in (
        ["actionlint", str(workflow)],
        ["zizmor", "--offline", str(workflow)],
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)],
        ["pre-commit", "validate-config", str(repo / ".pre-commit-config.yaml")],
        ["yamllint", "--strict", "-c", str(repo / ".yamllint.yaml"), str(repo)],
    ):
        done = subprocess.run(
            [str(BIN / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            cwd=repo,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    hooks = (repo / ".pre-commit-config.yaml").read_text()
    assert "id: infometis-validate" in hooks and "id: infometis-secrets" in hooks
    actions = ROOT.parent / "shared" / "ACTIONS.md"
    if actions.is_file():
        verified = set(re.findall(r"\b[0-9a-f]{40}\b", actions.read_text()))
        pins = re.findall(r"uses:\s*\S+@([0-9a-f]{40}) # v\d", workflow.read_text())
        assert pins and set(pins) <= verified


# --- refusals, --force, --dry-run -----------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (("service", "Web", "--image", "nginx:1.27.4"), "not valid"),
        (("service", "9web", "--image", "nginx:1.27.4"), "starting with a letter"),
        (("service", "web", "--image", "nginx"), "no tag"),
        (("service", "web", "--image", "nginx:latest"), "not pinned"),
        (("service", "web", "--image", "nginx:1", "--port", "70000"), "not a port"),
        (("environment", "base", "--from", "dev"), "reserved"),
        (("service", "infrastructure-mode", "--image", "nginx:1"), "choose another"),
        (("environment", "qa", "--from", "nowhere"), "no environment 'nowhere'"),
        (("cluster", "x_y", "--environment", "dev", "--mode", "independent"), "not valid"),
        (("cluster", "dev", "--environment", "dev", "--mode", "independent"), "exists already"),
        (
            ("cluster", "edge1", "--environment", "dev", "--mode", "nomode"),
            "infometis new mode nomode",
        ),
        (("mode", "independent"), "exists already"),
    ],
)
def test_refusals_write_nothing(tmp_path, args, message):
    repo = init(tmp_path)
    before = snapshot(repo)
    result = run("new", *args, "--repo", str(repo), ok=False)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1
    assert snapshot(repo) == before


def test_an_existing_service_is_refused_and_force_changes_nothing(tmp_path):
    repo = init(tmp_path)
    args = ("new", "service", "web", "--image", "nginx:1.27.4", "--repo", str(repo))
    run(*args)
    before = snapshot(repo)
    refused = run(*args, ok=False)
    assert (
        refused.exit_code == 2
        and "service web exists already" in refused.output
        and "--force" in refused.output
    )
    assert "nothing to change" in run(*args, "--force").output
    assert snapshot(repo) == before


def test_a_cluster_needs_every_service_in_its_environment(tmp_path):
    repo = init(tmp_path)
    run("new", "service", "web", "--image", "nginx:1.27.4", "--repo", str(repo))
    result = run(
        "new",
        "cluster",
        "qa1",
        "--environment",
        "qa",
        "--mode",
        "shared-cluster",
        "--repo",
        str(repo),
        ok=False,
    )
    assert result.exit_code == 2 and "infometis new environment qa --from ENV" in result.output


def test_dry_run_prints_the_patch_and_writes_nothing(tmp_path):
    repo = init(tmp_path)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    args = ("new", "service", "web", "--image", "nginx:1.27.4", "--route", "--repo", str(repo))
    before = snapshot(repo)
    patch = run(*args, "--dry-run").stdout
    assert snapshot(repo) == before
    assert "+++ b/apps/web/border/ingressroute.yaml" in patch and "+  - web.yaml" in patch
    subprocess.run(["git", "-C", str(repo), "apply"], input=patch, text=True, check=True)
    applied = snapshot(repo)
    git(repo, "checkout", "-q", ".")
    git(repo, "clean", "-qfd")
    run(*args)
    assert snapshot(repo) == applied


def test_init_dry_run_writes_nothing(tmp_path):
    result = run("init", str(tmp_path / "fleet"), "--dry-run")
    assert "+++ b/clusters/dev/cluster-settings.yaml" in result.stdout
    assert not (tmp_path / "fleet").exists()


def test_crlf_lists_keep_their_line_endings(tmp_path):
    repo = init(tmp_path, "dev")
    listing = repo / "clusters/dev/apps/kustomization.yaml"
    listing.write_bytes(listing.read_bytes().replace(b"\n", b"\r\n"))
    run("new", "service", "web", "--image", "nginx:1.27.4", "--repo", str(repo))
    run("new", "service", "api", "--image", "nginx:1.27.4", "--repo", str(repo))
    assert listing.read_bytes().endswith(b"resources:\r\n  - web.yaml\r\n  - api.yaml\r\n")
    assert b"\n" not in listing.read_bytes().replace(b"\r\n", b"")


# --- property: any sequence validates clean; a command run again changes nothing --------------

NAMES = st.sampled_from(["alpha", "beta", "gamma"])
SERVICE = st.builds(
    lambda name, port, route, kind, config: (
        "service",
        name,
        "--image",
        f"registry.example.internal/{name}:1.0.{port % 7}",
        "--port",
        str(port),
        *(["--route"] if route else []),
        "--kind",
        kind,
        *(["--config-type", config] if config else []),
    ),
    NAMES,
    st.integers(1024, 9999),
    st.booleans(),
    st.sampled_from(["deployment", "statefulset"]),
    st.sampled_from([None, "topics", "indices", "flows"]),
)
ENVIRONMENT = st.builds(
    lambda name, source: ("environment", name, "--from", source),
    st.sampled_from(["qa", "staging"]),
    st.sampled_from(["dev", "prod", "qa"]),
)
CLUSTER = st.builds(
    lambda name, environment, mode: ("cluster", name, "--environment", environment, "--mode", mode),
    st.sampled_from(["east", "west"]),
    st.sampled_from(["dev", "prod", "qa", "staging"]),
    st.sampled_from(["independent", "shared-cluster", "edge"]),
)
MODE = st.builds(lambda name: ("mode", name), st.sampled_from(["edge", "shared-cluster"]))
COMMANDS = st.lists(st.one_of(SERVICE, ENVIRONMENT, CLUSTER, MODE), min_size=1, max_size=5)


@settings(max_examples=6, deadline=None)
@given(COMMANDS)
def test_any_sequence_of_generators_validates_clean(commands):
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder) / "fleet"
        run("init", str(repo), "--clusters", "dev,prod", "--url", URL)
        for command in commands:
            before = snapshot(repo)
            result = run("new", *command, "--repo", str(repo), ok=False)
            assert result.exit_code in (0, 2), result.output
            if result.exit_code == 2:  # refused: a clear line, nothing written
                assert snapshot(repo) == before and result.output.startswith("infometis: error: ")
        assert_clean(
            repo, allowed_warnings=("unreached",)
        )  # a mode or an environment no cluster uses yet
        after = snapshot(repo)
        again = run("new", *commands[-1], "--repo", str(repo), ok=False)
        assert again.exit_code in (0, 2) and snapshot(repo) == after
        if result.exit_code == 0:  # written once: writing it again with --force changes nothing
            forced = run("new", *commands[-1], "--repo", str(repo), "--force")
            assert snapshot(repo) == after, forced.output


def test_new_finds_the_repository_from_a_subfolder(tmp_path, monkeypatch):
    repo = init(tmp_path, "dev")
    monkeypatch.chdir(repo / "clusters" / "dev")
    run("new", "service", "web", "--image", "nginx:1.27.4")
    assert (repo / "apps/web/dev/kustomization.yaml").is_file()
    monkeypatch.chdir(tmp_path)
    result = run("new", "mode", "edge", ok=False)
    assert result.exit_code == 2 and "has no clusters/ folder" in result.output


def test_one_writer_at_a_time(tmp_path):
    repo = init(tmp_path, "dev")
    git(repo, "init", "-q", "-b", "main")
    before = snapshot(repo)
    with FileLock(repo / ".git" / "infometis.lock", timeout=0):  # another writer, holding the lock
        (repo / ".git" / "infometis.lock.holder").write_text("pid 1: promote dev uat\n")
        result = run(
            "new", "service", "web", "--image", "nginx:1.27.4", "--repo", str(repo), ok=False
        )
    assert (
        result.exit_code == 2
        and "another infometis is writing this repository (pid 1: promote dev uat)" in result.output
    )
    assert snapshot(repo) == before
    run("new", "service", "web", "--image", "nginx:1.27.4", "--repo", str(repo))
    assert not (repo / ".git" / "infometis.lock.holder").exists()


def test_a_generated_service_promotes_along_the_init_order(tmp_path):
    repo = init(tmp_path, "dev,prod")
    run("new", "service", "web", "--image", "nginx:1.27.4", "--repo", str(repo))
    overlay = repo / "apps/web/dev/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("newTag: 1.27.4", "newTag: 1.27.5"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fleet")
    result = run("promote", "dev", "prod", "--dry-run", "--repo", str(repo))
    assert (
        "apps/web/prod/kustomization.yaml:8  images[nginx].newTag  1.27.4 → 1.27.5" in result.output
    )


@pytest.mark.parametrize(
    "image, tag",
    [
        ("postgres:16.4", '"16.4"'),
        ("redis:7", '"7"'),
        ("python:3.10", '"3.10"'),
        ("nginx:1.27.4", "1.27.4"),
        ("busybox:yes", '"yes"'),
    ],
)
def test_a_tag_yaml_would_read_as_a_number_is_written_quoted(tmp_path, image, tag):
    repo = init(tmp_path, "dev")
    run("new", "service", "db", "--image", image, "--port", "5432", "--repo", str(repo))
    overlay = (repo / "apps/db/dev/kustomization.yaml").read_text()
    assert f"    newTag: {tag}\n" in overlay
    assert yaml.safe_load(overlay)["images"][0]["newTag"] == image.split(":")[1]
    assert_clean(repo)


def test_values_with_newlines_or_quotes_never_change_the_structure(tmp_path):
    result = run(
        "init",
        str(tmp_path / "a"),
        "--clusters",
        "dev",
        "--url",
        'https://x.example/r.git\nignore: "/*"',
        ok=False,
    )
    assert result.exit_code == 2 and "a newline or control character" in result.stderr
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())
    repo = tmp_path / "b"
    run("init", str(repo), "--clusters", "dev", "--url", 'ssh://git@x.example/r"q.git')
    sync = list(yaml.safe_load_all((repo / "clusters/dev/flux-system/gotk-sync.yaml").read_text()))
    assert (
        sync[0]["spec"]["url"] == 'ssh://git@x.example/r"q.git' and "ignore" not in sync[0]["spec"]
    )


def test_a_tag_written_unquoted_by_hand_is_an_error_at_its_line_with_the_fix(tmp_path):
    repo = init(tmp_path, "dev")
    run("new", "service", "db", "--image", "python:3.10", "--port", "5432", "--repo", str(repo))
    overlay = repo / "apps/db/dev/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace('newTag: "3.10"', "newTag: 3.10  # by hand"))
    code, report = validate_json(repo)
    found = [
        (p["file"], p["line"], p["message"], p["hint"])
        for p in report["problems"]
        if p["check"] == "kustomize-build"
    ]
    assert found == [
        (
            "apps/db/dev/kustomization.yaml",
            8,
            "images[0].newTag: YAML reads 3.10 as a number (3.1), and kustomize needs a string "
            "here",
            'quote it as written: newTag: "3.10"',
        )
    ]
    assert code == 1
