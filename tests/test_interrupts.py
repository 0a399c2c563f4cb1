"""Ctrl-C or SIGTERM in the middle of a render leaves nothing behind: no temporary
kustomization, no diff worktree, no writers' lock, no half-promoted file. The signal goes to the
whole process group, as a terminal (or a CI runner cancelling a job) sends it; kustomize is the
real one, reached through a stand-in that says when it starts, then waits for the signal."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git, init_repo, load_generator
from infometis.load.runner import kubectl

BASE = Path(__file__).parent / "bad_inputs" / "base"
SIGNALS = {"ctrl-c": (signal.SIGINT, 130), "sigterm": (signal.SIGTERM, 143)}


def blocking_kubectl(folder: Path, first: int = 1) -> tuple[Path, Path]:
    """A kubectl whose `first`-th kustomize call records the temporary folders, then blocks
    until a signal ends it: the test, not a timer, decides when the interrupt comes."""
    marker, count = folder / "started", folder / "calls"
    wrapper = folder / "kubectl"
    wrapper.write_text(
        f'#!/bin/sh\nif [ "$1" = kustomize ]; then\n'
        f"  echo x >> '{count}'\n"
        f"  if [ \"$(wc -l < '{count}')\" -ge {first} ]; then\n"
        f"    ls \"$TMPDIR\" > '{marker}.part'\n    mv '{marker}.part' '{marker}'\n"
        f"    while :; do sleep 1; done\n  fi\nfi\n"
        f"exec '{kubectl()}' \"$@\"\n"
    )
    wrapper.chmod(0o755)
    return wrapper, marker


def _default_interrupt() -> None:
    """Ctrl-C as a terminal gives it, even when the suite itself runs with SIGINT ignored (a
    background job of a shell without job control, nohup): Python would then ignore it too."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(
    command: list[str], tmp_path: Path, signum: int, first: int = 1
) -> tuple[int, str, Path]:
    """Run `command` with a private TMPDIR; signal its process group once kustomize has started
    (with the temporary folders in place, as the stand-in saw them)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    wrapper, marker = blocking_kubectl(tmp_path, first)
    env = dict(os.environ, TMPDIR=str(temp), INFOMETIS_KUBECTL=str(wrapper))
    process = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        preexec_fn=_default_interrupt,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), process.communicate()
    assert "infometis-" in marker.read_text()
    os.killpg(process.pid, signum)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr, temp


def count_renders(repo: Path, folder: Path) -> int:
    """How many kustomize runs a validation of `repo` with an empty render cache makes."""
    folder.mkdir()
    wrapper, _ = blocking_kubectl(folder, first=10**6)
    env = dict(
        os.environ, INFOMETIS_KUBECTL=str(wrapper), INFOMETIS_CACHE_DIR=str(folder / "cache")
    )
    subprocess.run(
        [sys.executable, "-m", "infometis.commands.main", "validate", "--repo", str(repo)],
        env=env,
        capture_output=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    return len((folder / "calls").read_text().splitlines())


@pytest.fixture(autouse=True)
def _own_render_cache(monkeypatch, tmp_path):
    """A render cache of this test's own: renders found in a shared one would run no kustomize."""
    monkeypatch.setenv("INFOMETIS_CACHE_DIR", str(tmp_path / "render-cache"))


@pytest.mark.parametrize("how", SIGNALS)
def test_an_interrupted_validate_leaves_no_temporary_files(tmp_path, how):
    signum, expected = SIGNALS[how]
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    init_repo(repo)
    code, stderr, temp = interrupt(
        [sys.executable, "-m", "infometis.commands.main", "validate", "--repo", str(repo)],
        tmp_path,
        signum,
    )
    assert code == expected and "Traceback" not in stderr, stderr
    assert list(temp.iterdir()) == []
    # the interrupted render was not kept in the render cache as a failure
    again = subprocess.run(
        [sys.executable, "-m", "infometis.commands.main", "validate", "--repo", str(repo)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.mark.parametrize("how", SIGNALS)
def test_an_interrupted_diff_removes_the_worktree(tmp_path, how):
    signum, expected = SIGNALS[how]
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    init_repo(repo)
    (repo / "apps" / "demo" / "configmap.yaml").write_text(
        (repo / "apps" / "demo" / "configmap.yaml")
        .read_text()
        .replace("owner: demo", "owner: someone")
    )
    code, stderr, temp = interrupt(
        [
            sys.executable,
            "-m",
            "infometis.commands.main",
            "diff",
            "--repo",
            str(repo),
            "--base",
            "main",
        ],
        tmp_path,
        signum,
    )
    assert code == expected and "Traceback" not in stderr, stderr
    assert list(temp.iterdir()) == []
    assert "infometis-diff-" in (tmp_path / "started").read_text()
    assert len(git(repo, "worktree", "list").splitlines()) == 1


@pytest.mark.parametrize("how", SIGNALS)
def test_an_interrupted_promote_restores_the_files_and_the_lock(tmp_path, how):
    """Interrupted while it validates the promoted files: every file is as before, no lock."""
    signum, expected = SIGNALS[how]
    repo = tmp_path / "repo"
    load_generator().generate(repo, 2, 3)
    init_repo(repo)
    before = git(repo, "rev-parse", "HEAD")
    # promote validates before it writes (every render) and after (the changed ones): block
    # the first render after the write
    renders = count_renders(repo, tmp_path / "count") + 1
    code, stderr, _ = interrupt(
        [
            sys.executable,
            "-m",
            "infometis.commands.main",
            "promote",
            "dev",
            "uat",
            "--commit",
            "--repo",
            str(repo),
        ],
        tmp_path,
        signum,
        first=renders,
    )
    assert code == expected and "Traceback" not in stderr, stderr
    assert git(repo, "status", "--porcelain") == "" and git(repo, "rev-parse", "HEAD") == before
    assert git(repo, "branch", "--list", "promote/*") == ""
    assert_lock_free(repo)


def assert_lock_free(repo):
    """No writer holds the repository's lock, and no holder is named."""
    from filelock import FileLock

    with FileLock(repo / ".git" / "infometis.lock", timeout=0):
        pass
    assert not (repo / ".git" / "infometis.lock.holder").exists()
