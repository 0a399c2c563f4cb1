"""The quick start on a fresh machine: the Makefile picks the Python it installs with."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def _plan(tmp_path: Path, bin_folder: Path, *args: str) -> subprocess.CompletedProcess:
    """What `make install` would run with only `bin_folder` on PATH (into a venv that does not
    exist)."""
    # a make of our own, not a sub-make of `make test` (which would print "Entering directory")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    return subprocess.run(
        [MAKE, "-n", "install", f"VENV={tmp_path / 'venv'}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(environment, PATH=str(bin_folder)),
    )


def _folder_with(tmp_path: Path, **programs: str) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, target in programs.items():
        (folder / name).symlink_to(target)
    return folder


def test_the_first_python_of_311_or_newer_on_path_is_taken(tmp_path):
    # the interpreter running the tests, by its versioned name
    own = f"python3.{sys.version_info.minor}"
    old = tmp_path / "old-python"
    old.write_text("#!/bin/sh\nexit 1\n")  # answers every version question with "too old"
    old.chmod(0o755)
    done = _plan(tmp_path, _folder_with(tmp_path, **{own: sys.executable, "python3": str(old)}))
    assert done.returncode == 0, done.stderr
    assert f"{own} -m venv {tmp_path / 'venv'}" in done.stdout


def test_no_python_new_enough_stops_at_once_with_one_sentence(tmp_path):
    old = tmp_path / "old-python"
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    done = _plan(tmp_path, _folder_with(tmp_path, python3=str(old), python=str(old)))
    assert done.returncode != 0 and done.stdout == ""
    assert "infometis needs Python 3.11 or newer and none is on PATH: install one" in done.stderr


def test_python_named_by_the_user_wins(tmp_path):
    done = _plan(tmp_path, _folder_with(tmp_path), f"PYTHON={sys.executable}")
    assert done.returncode == 0 and f"{sys.executable} -m venv" in done.stdout
