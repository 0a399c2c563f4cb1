#!/usr/bin/env python3
"""Time a full-environment promotion on a generated monorepo: the plan, the write, and the
whole `infometis promote dev uat --commit` (which validates before and after), once a
validate has filled the render cache.

    python benchmarks/promote_speed.py [--services 200] [--skip-command]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infometis.load.config import Config
from infometis.write import promote as promotion

HERE = Path(__file__).resolve().parent
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def _generator():
    spec = importlib.util.spec_from_file_location("generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _git(repo: Path, *args: str) -> None:
    subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True)


def _timed(what: str, command: list[str], repo: Path, env: dict) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "infometis.commands.main", *command, "--repo", str(repo)],
        capture_output=True,
        text=True,
        env=env,
    )
    print(f"{what}  {time.perf_counter() - started:7.2f} s, exit {done.returncode}")
    if done.returncode > 1:
        print(done.stderr[-2000:], file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument(
        "--skip-command", action="store_true", help="Only the plan and the write (no validation)."
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="infometis-promote-bench-") as temp:
        repo = Path(temp) / "repo"
        _generator().generate(repo, args.services, 3)
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "generated")
        started = time.perf_counter()
        plan = promotion.plan(repo, Config(), "dev", "uat")
        planned = time.perf_counter()
        promotion.apply(repo, plan)
        written = time.perf_counter()
        print(f"{args.services} services: {len(plan.changes)} changes in {len(plan.files())} files")
        print(f"plan   {planned - started:7.2f} s")
        print(f"write  {written - planned:7.2f} s (atomic, read back)")
        if not args.skip_command:
            _git(repo, "checkout", "-q", "--", ".")
            env = {
                "GIT_AUTHOR_NAME": "bench",
                "GIT_AUTHOR_EMAIL": "b@example.invalid",
                "GIT_COMMITTER_NAME": "bench",
                "GIT_COMMITTER_EMAIL": "b@example.invalid",
                "PATH": "/usr/bin:/bin",
                "HOME": temp,
                "INFOMETIS_CACHE_DIR": str(Path(temp) / "cache"),
            }
            _timed("validate (fills the render cache)", ["validate", "-o", "json"], repo, env)
            _timed(
                "promote dev uat --commit (validates before and after)",
                ["promote", "dev", "uat", "--commit"],
                repo,
                env,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
