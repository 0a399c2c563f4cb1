"""The release: the version the command reports, the licence and changelog that ship with it,
and the release workflow that builds and publishes a tag."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import infometis
from conftest import invoke

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_version_is_the_package_version_and_runs_nothing(monkeypatch):
    def no_process(*args, **kwargs):
        raise AssertionError(f"--version started a process: {args[:1]}")
    monkeypatch.setattr(subprocess.Popen, "__init__", no_process)
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.output == f"infometis {PYPROJECT['project']['version']}\n"
    assert infometis.__version__ == PYPROJECT["project"]["version"]


def test_the_licence_file_is_the_licence_pyproject_names():
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_changelog_has_an_entry_for_this_version():
    versions = re.findall(r"^## \[?v?(\d+\.\d+\.\d+[^\]\s]*)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert versions and versions[0] == PYPROJECT["project"]["version"]
