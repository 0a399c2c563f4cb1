"""Ctrl-C in the middle of a render leaves nothing behind: no temporary kustomization, no diff
worktree. The interrupt goes to the whole process group, as a terminal sends it; kustomize is
the real one, reached through a wrapper that says when it starts and lingers a moment first."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git, init_repo
from infometis.runner import kubectl

BASE = Path(__file__).parent / "bad_inputs" / "base"


def slow_kubectl(folder: Path) -> tuple[Path, Path]:
    marker = folder / "started"
    wrapper = folder / "kubectl"
    wrapper.write_text(f"#!/bin/sh\nif [ \"$1\" = kustomize ]; then\n"
                       f"  ls \"$TMPDIR\" > '{marker}.part'\n  mv '{marker}.part' '{marker}'\n  sleep 3\nfi\n"
                       f"exec '{kubectl()}' \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper, marker


def interrupt(command: list[str], tmp_path: Path) -> tuple[int, str, Path]:
    """Run `command` with a private TMPDIR; Ctrl-C it once kustomize has started (with the
    temporary folders in place, as the wrapper saw them)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    wrapper, marker = slow_kubectl(tmp_path)
    env = dict(os.environ, TMPDIR=str(temp), INFOMETIS_KUBECTL=str(wrapper))
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), process.communicate()
    assert "infometis-" in marker.read_text()
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr, temp


@pytest.fixture(autouse=True)
def _own_render_cache(monkeypatch, tmp_path):
    """A render cache of this test's own: renders found in a shared one would run no kustomize."""
    monkeypatch.setenv("INFOMETIS_CACHE_DIR", str(tmp_path / "render-cache"))


def test_ctrl_c_during_validate_leaves_no_temporary_files(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    init_repo(repo)
    code, stderr, temp = interrupt([sys.executable, "-m", "infometis.cli", "validate", "--repo", str(repo)], tmp_path)
    assert code == 130 and "Traceback" not in stderr, stderr
    assert list(temp.iterdir()) == []
    # the interrupted render was not kept in the render cache as a failure
    again = subprocess.run([sys.executable, "-m", "infometis.cli", "validate", "--repo", str(repo)], capture_output=True,
                           text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert again.returncode == 0, again.stdout + again.stderr


def test_ctrl_c_during_diff_removes_the_worktree(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    init_repo(repo)
    (repo / "apps" / "demo" / "configmap.yaml").write_text((repo / "apps" / "demo" / "configmap.yaml").read_text()
                                                            .replace("owner: demo", "owner: someone"))
    code, stderr, temp = interrupt([sys.executable, "-m", "infometis.cli", "diff", "--repo", str(repo), "--base", "main"],
                                   tmp_path)
    assert code == 130 and "Traceback" not in stderr, stderr
    assert list(temp.iterdir()) == []
    assert "infometis-diff-" in (tmp_path / "started").read_text()
    assert len(git(repo, "worktree", "list").splitlines()) == 1
