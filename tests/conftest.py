"""Shared test set-up: real git repositories built from tests/fixtures/<case>/,
a git environment that never depends on the machine's global identity, and the CLI."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from infometis.commands.main import main
from workflow_harness import act_session, github_api, infometis_release  # noqa: F401  (fixtures of the tests that run workflows)

FIXTURES = Path(__file__).parent / "fixtures"
GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

GIT_ENV = {
    "GIT_AUTHOR_NAME": "InfoMetis Tests",
    "GIT_AUTHOR_EMAIL": "tests@infometis.invalid",
    "GIT_COMMITTER_NAME": "InfoMetis Tests",
    "GIT_COMMITTER_EMAIL": "tests@infometis.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _isolate(patch, base: Path) -> None:
    """No test reads the developer's git config, identity or colour settings, nor the user's
    cache."""
    empty = base / "gitconfig"
    empty.touch()
    patch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    for key, value in GIT_ENV.items():
        patch.setenv(key, value)
    for key in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR"):
        patch.delenv(key, raising=False)
    patch.setenv("INFOMETIS_CACHE_DIR", str(base / "render-cache"))
    patch.setenv("XDG_CACHE_HOME", str(base / "xdg-cache"))


@pytest.fixture(autouse=True, scope="session")
def _isolated_session(tmp_path_factory):
    """For the whole session, so that module-scoped fixtures are isolated too."""
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, tmp_path_factory.getbasetemp())
        yield


@pytest.fixture(autouse=True)
def _isolated_test(monkeypatch, tmp_path_factory):
    """Again for each test: a test may change these (e.g. take the git identity away)."""
    _isolate(monkeypatch, tmp_path_factory.getbasetemp())


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def init_repo(folder: Path) -> Path:
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "--allow-empty", "-m", "fixture")
    return folder


@pytest.fixture
def fixture_repo(tmp_path):
    """Copy tests/fixtures/<case>/ to a temp folder and make it a git repository."""

    def make(case: str) -> Path:
        target = tmp_path / case
        shutil.copytree(FIXTURES / case, target, symlinks=True)
        return init_repo(target)

    return make


def invoke(*args: str):
    """Run the CLI in-process; returns click's Result (exit_code, output)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def validate_json(repo: Path, *args: str) -> tuple[int, dict]:
    result = invoke("validate", "--repo", str(repo), "-o", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def problems(report: dict, *, check: str | None = None, level: str | None = None) -> list[tuple]:
    """(check, level, file, line) of each problem, optionally filtered."""
    return [
        (p["check"], p["level"], p["file"], p["line"])
        for p in report["problems"]
        if (check is None or p["check"] == check) and (level is None or p["level"] == level)
    ]


def shared_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"{path} is absent: the shared corpus and schemas sit next to the project in CI only"
        )
    return path


def load_generator():
    """benchmarks/generate.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
