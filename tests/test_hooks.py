"""The pre-commit hooks, run by the real pre-commit in temporary git repositories."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import git
from infometis.checks import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def pre_commit(repo: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
        PRE_COMMIT_HOME=str(home),
        NO_COLOR="1",
    )
    return subprocess.run(
        [str(BIN / "pre-commit"), *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def copy_of_this_repository(target: Path) -> Path:
    """The project's files as git sees them (the test suite itself left out), committed."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for name in filter(None, listed):
        if name.startswith("tests/") or not (ROOT / name).is_file():
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "infometis")
    return target


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_of_this_repository(tmp_path_factory.mktemp("project"))


def test_this_repositorys_hooks_pass_on_every_file(project, tmp_path):
    done = pre_commit(project, "run", "--all-files", home=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in ("infometis validate", "yamllint", "actionlint", "zizmor", "ruff"):
        assert re.search(rf"^{re.escape(hook)}\.+Passed$", done.stdout, re.M), done.stdout


def test_a_staged_bad_overlay_fails_with_its_file_and_line(project, tmp_path):
    overlay = project / "apps/kafka/dev/kustomization.yaml"
    original = overlay.read_text()
    try:
        overlay.write_text(original.replace("newTag: 4.1.0", "newTag: latest"))
        git(project, "add", str(overlay))
        done = pre_commit(project, "run", "infometis-validate", home=tmp_path / "cache")
        assert done.returncode == 1
        assert "apps/kafka/dev/kustomization.yaml:" in done.stdout and "[images]" in done.stdout
    finally:
        overlay.write_text(original)
        git(project, "add", str(overlay))


def test_another_repository_uses_the_published_hooks(project, tmp_path):
    fleet = tmp_path / "fleet"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml", ".sops.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, fleet / part)
    git(fleet, "init", "-q", "-b", "main")
    git(fleet, "add", "-A")
    git(fleet, "commit", "-q", "-m", "fleet")
    done = pre_commit(
        fleet, "try-repo", str(project), "--all-files", home=tmp_path / "cache"
    )  # every hook it publishes
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in ("infometis validate", "infometis secrets"):
        assert re.search(rf"^{hook}\.+Passed$", done.stdout, re.M), done.stdout


def test_published_hooks_match_the_check_registry():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["infometis-validate", "infometis-secrets"]
    for hook in hooks:
        assert hook["language"] == "python" and hook["require_serial"] is True
        assert set(re.findall(r"--select (\S+)", hook["entry"])) <= set(REGISTRY)
        assert hook["entry"].startswith("infometis validate")
    assert re.search(hooks[0]["files"], "apps/x/base/config.properties") and re.search(
        hooks[0]["files"], "a/Kustomization"
    )


def test_this_repositorys_hooks_need_no_clone():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert {repo["repo"] for repo in config["repos"]} == {"local"}
