"""Writers that lose nothing: a promote killed while it writes leaves each file wholly old or
wholly new, and two writers never run at once."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import git, init_repo, invoke, load_generator
from infometis.load.config import Config
from infometis.write import promote as promotion


def _generated(tmp_path: Path, services: int) -> Path:
    repo = tmp_path / "repo"
    load_generator().generate(repo, services, 3)
    return init_repo(repo)


def _expected(repo: Path, tmp_path: Path) -> dict[str, tuple[bytes, bytes]]:
    """Each file the promotion writes: (old bytes, new bytes), computed on a copy."""
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy)
    plan = promotion.plan(copy, Config(), "dev", "uat")
    old = {name: (copy / name).read_bytes() for name in plan.files()}
    promotion.apply(copy, plan)
    return {name: (old[name], (copy / name).read_bytes()) for name in plan.files()}


def _kill_while_writing(repo: Path, files: dict, delay: float) -> bool:
    """Start a promote, SIGKILL it `delay` seconds after its first write; False if it finished
    first."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infometis.commands.main",
            "promote",
            "dev",
            "uat",
            "--repo",
            str(repo),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while process.poll() is None:
            if any((repo / name).read_bytes() != old for name, (old, _) in files.items()):
                time.sleep(delay)
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.001)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigkill_at_random_points_leaves_each_file_old_or_new(tmp_path):
    repo = _generated(tmp_path, 12)
    files = _expected(repo, tmp_path)
    assert len(files) == 12
    rng = random.Random(7)
    outcomes = []
    for _ in range(4):
        killed = _kill_while_writing(repo, files, rng.uniform(0, 0.02))
        states = [
            {old: "old", new: "new"}.get((repo / name).read_bytes(), "torn")
            for name, (old, new) in files.items()
        ]
        assert "torn" not in states
        outcomes.append((killed, states.count("new")))
        git(repo, "checkout", "-q", "--", ".")
        git(
            repo, "clean", "-fdq"
        )  # a killed writer's temp file, if it was between write and rename
    assert any(
        killed for killed, _ in outcomes
    )  # the kills did land while files were being written


def test_a_second_writer_is_refused_and_a_dead_writers_lock_taken_over(tmp_path):
    repo = _generated(tmp_path, 2)
    lock = repo / ".git" / "infometis.lock"
    holder = (
        "from filelock import FileLock\nimport os, sys, time\n"
        f"lock = FileLock({str(lock)!r}, timeout=0)\n"
        "lock.acquire()\nopen(sys.argv[1], 'w').write(f'pid {os.getpid()}: promote dev uat')\n"
        "print('held', flush=True)\ntime.sleep(600)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", holder, str(lock) + ".holder"], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline() == "held\n"  # another writer, alive, holds the lock
    held = invoke("promote", "dev", "uat", "--repo", str(repo))
    assert held.exit_code == 1
    assert (
        f"another infometis is writing this repository (pid {writer.pid}: promote dev uat)"
        in held.stderr
    )
    assert git(repo, "status", "--porcelain") == ""

    writer.kill()  # it dies holding the lock: the lock goes with it, its holder file stays behind
    writer.wait()
    taken = invoke("promote", "dev", "uat", "--repo", str(repo))
    assert taken.exit_code == 0, taken.output
    assert not (repo / ".git" / "infometis.lock.holder").exists()
    assert len(git(repo, "status", "--porcelain").splitlines()) == 2
