"""A repository made by `infometis init`: its CI workflow (under act) and its pre-commit hooks (the
real pre-commit) run green, against a release of this project published as a tag."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke
from infometis import __version__
from workflow_harness import git, push_event

BIN = Path(sys.executable).parent
SLUG = "acme/fleet"
COMMIT = "3f2c9e1d0a7b4c5d6e8f90a1b2c3d4e5f6a7b8c9"


@pytest.fixture
def generated(tmp_path):
    result = invoke("init", str(tmp_path / "fleet"), "--git")
    assert result.exit_code == 0, result.output
    return tmp_path / "fleet"


@pytest.fixture
def fleet(act_session, generated):
    act_session.origin(SLUG, generated)
    return generated


def test_init_pins_this_release_by_default(generated):
    fleet = generated
    workflow = (fleet / ".github/workflows/validate.yaml").read_text()
    assert (
        f"uses: infometis/infometis@v{__version__}  # zizmor: ignore[unpinned-uses] a release tag;"
        in workflow
    )
    hooks = (fleet / ".pre-commit-config.yaml").read_text()
    assert f"repo: https://github.com/infometis/infometis\n    rev: v{__version__}\n" in hooks
    assert (
        f'pip install "git+https://github.com/infometis/infometis@v{__version__}"'
        in (fleet / "README.md").read_text()
    )


def test_init_takes_a_mirror_and_a_ref(tmp_path):
    result = invoke(
        "init",
        str(tmp_path / "fleet"),
        "--infometis-repo",
        "https://git.corp.example/platform/infometis.git",
        "--infometis-ref",
        COMMIT,
    )
    assert result.exit_code == 0, result.output
    assert (
        f"uses: platform/infometis@{COMMIT}\n"
        in (tmp_path / "fleet/.github/workflows/validate.yaml").read_text()
    )
    hooks = (tmp_path / "fleet/.pre-commit-config.yaml").read_text()
    assert f"repo: https://git.corp.example/platform/infometis.git\n    rev: {COMMIT}\n" in hooks


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        (
            "--infometis-repo",
            "https://git.corp.example",
            "is not the URL of a repository OWNER/NAME",
        ),
        ("--infometis-ref", "v1 2", "is not a tag or commit"),
    ],
)
def test_init_refuses_what_names_no_release(tmp_path, option, value, said):
    result = invoke("init", str(tmp_path / "fleet"), option, value)
    assert result.exit_code == 2 and said in result.output
    assert not (tmp_path / "fleet").exists()


@pytest.mark.act
def test_the_generated_workflow_runs_green(
    act_session, github_api, infometis_release, fleet, tmp_path
):
    runner = act_session.checkout(SLUG, "main", tmp_path / "runner")
    done = act_session.run(
        runner,
        "push",
        push_event(fleet, "0" * 40),
        github_api,
        workflow=str(runner / ".github/workflows/validate.yaml"),
        actions={infometis_release.action: infometis_release.source},
    )
    assert done.returncode == 0, done.log
    assert re.search(rf"infometis {re.escape(__version__)}$", done.log, re.M)
    assert "infometis: 0 errors, 0 warnings" in done.log


@pytest.mark.act
def test_the_generated_hooks_run_green(act_session, infometis_release, fleet, tmp_path):
    """pre-commit fetches the hooks from https://github.com/infometis/infometis at the tag: here a
    bare repository holding the release stands in for it."""
    # pre-commit passes git only GIT_CONFIG_COUNT/KEY/VALUE of the environment's git settings
    env = dict(
        os.environ,
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.{act_session.folder / 'git' / 'infometis'}/.insteadOf",
        GIT_CONFIG_VALUE_0="https://github.com/infometis/",
        PRE_COMMIT_HOME=str(act_session.folder / "pre-commit"),
        PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
        NO_COLOR="1",
    )
    done = subprocess.run(
        [str(BIN / "pre-commit"), "run", "--all-files"],
        cwd=fleet,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in ("infometis validate", "infometis secrets", "yamllint"):
        assert re.search(rf"^{hook}\.+Passed$", done.stdout, re.M), done.stdout
    assert git(fleet, "status", "--porcelain") == ""  # the hooks changed nothing
