"""The bad-input suite: every hostile input of tests/bad_inputs/cases.py, run through
`infometis validate` as a user runs it. Each run must end (a hang guard), with its expected exit
code and problem, no traceback, the rest of the repository still validated and no file changed.
Each case's wall time is written to <pytest temp>/bad-input-times.txt (and printed with -s)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_inputs.cases import CASES, Case
from conftest import init_repo

BASE = Path(__file__).parent / "bad_inputs" / "base"
HANG_GUARD = 120  # seconds


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes (a symlink's target, a FIFO's kind), .git left out."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(".git/") or relative == ".git":
            continue
        if path.is_symlink():
            found[relative] = "-> " + str(path.readlink())
        elif path.is_fifo():
            found[relative] = "fifo"
        elif path.is_file():
            found[relative] = path.read_bytes()
    return found


def validate(repo: Path) -> tuple[int, str, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "infometis.commands.main",
            "validate",
            "--repo",
            str(repo),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


@pytest.fixture(scope="module")
def times(tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "bad-input-times.txt"
    with open(path, "w") as out:
        yield out
    print(f"\nbad-input times: {path}")


def make_repo(tmp_path: Path, case: Case | None) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    init_repo(repo)
    if case is not None:
        case.write(repo)
    return repo


def rendered_folders(report: dict) -> set[str]:
    return {row["folder"] for row in report["summary"]["kustomizations_detail"] if row["folder"]}


def test_base_is_clean(tmp_path):
    code, stdout, stderr, _ = validate(make_repo(tmp_path, None))
    report = json.loads(stdout)
    assert code == 0, stderr
    assert rendered_folders(report) == {"clusters/dev", "apps/demo", "apps/other"}
    # the one note: the sync's GitRepository is taken to be this repository (it has no remote)
    assert [(p["check"], p["level"]) for p in report["problems"]] == [("flux-source", "info")]


def test_enough_cases():
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, tmp_path, times):
    repo = make_repo(tmp_path, case)
    before = snapshot(repo)
    code, stdout, stderr, seconds = validate(repo)
    times.write(f"{case.name}\t{code}\t{seconds:.2f} s\n")
    times.flush()
    print(f"{case.name}: exit {code} in {seconds:.2f} s")
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert code == case.exit_code, (stdout[-3000:], stderr)
    assert snapshot(repo) == before
    if code == 2:  # a setup error: one line naming the file and the line
        assert len(stderr.strip().splitlines()) == 1 and f"{case.file}:{case.line}" in stderr, (
            stderr
        )
        return
    report = json.loads(stdout)
    errors = [
        (p["check"], p["file"], p["line"]) for p in report["problems"] if p["level"] == "error"
    ]
    assert "apps/other" in rendered_folders(report), "the rest of the repository was not validated"
    if case.check is None:
        assert errors == []
        return
    assert (case.check, case.file, case.line) in errors, errors
    for problem in report["problems"]:
        assert (
            "\n" not in problem["message"] and len(problem["message"]) < 1000 and problem["file"]
        ), problem
