#!/usr/bin/env python3
"""The speed of `infometis validate` on a synthetic monorepo, against the render floor, in one
run on one machine:

- floor: every Flux Kustomization rendered by `kubectl kustomize` alone, with the same jobs;
- cold: `infometis validate`, every check, empty render cache;
- warm: the same again, nothing changed;
- changed-only: one overlay file changed, given as pre-commit gives it, the cache warm otherwise;
- schema: benchmarks/schema_speed.py (resources validated per second, one core).

Each figure is printed with its ratio to the floor and the peak memory of the largest single
process (Python or one kubectl). Every measurement runs in a fresh child process, so its peak
is its own.

    python benchmarks/run.py [--services 200] [--environments 3] [--jobs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"cold": "≤ 1.15 × floor", "warm": "≤ 2 s and ≤ 0.05 × cold", "changed-only": "≤ 1 s",
           "memory": "≤ 400 MB", "schema": "≥ 20,000 resources/s"}


def measure(command: list[str], **kwargs) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run `command` in a fresh helper process: (seconds, peak RSS in MB of its largest process)."""
    helper = [sys.executable, str(Path(__file__).resolve()), "_measure", "--", *command]
    done = subprocess.run(helper, capture_output=True, text=True, **kwargs)
    figures = json.loads(done.stderr.strip().splitlines()[-1])
    return figures["seconds"], figures["peak_mb"], done


def _measure(command: list[str]) -> int:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest process of the tree
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr + "\n" + json.dumps({"seconds": seconds, "peak_mb": peak}) + "\n")
    return done.returncode


def _floor(jobs: int, folders: list[str]) -> int:
    from infometis.runner import kubectl
    binary = kubectl()

    def render(folder: str) -> int:
        return subprocess.run([binary, "kustomize", "--load-restrictor", "LoadRestrictionsNone", folder],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        failed = sum(1 for code in pool.map(render, folders) if code)
    print(f"{len(folders)} renders, {failed} failed")
    return 0


def generate(folder: Path, services: int, environments: int) -> None:
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(folder), "--services", str(services),
                    "--environments", str(environments)], check=True, stdout=subprocess.DEVNULL)
    git = ["git", "-C", str(folder), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "generated"], check=True)


def change_one_overlay(repo: Path) -> str:
    """Bump the image tag of the first service's first environment: one overlay file changed."""
    overlay = sorted((repo / "apps").iterdir())[0] / "dev" / "kustomization.yaml"
    text = overlay.read_text()
    overlay.write_text(re.sub(r'newTag: "(\d+)\.(\d+)\.(\d+)"', lambda m: f'newTag: "{m[1]}.{m[2]}.{int(m[3]) + 1}"',
                              text, count=1))
    return str(overlay)


def schema_rate() -> tuple[float, str]:
    done = subprocess.run([sys.executable, str(HERE / "schema_speed.py")], capture_output=True, text=True)
    numbers = re.findall(r"([\d,]+(?:\.\d+)?) resources/s", done.stdout)
    rate = float(numbers[0].replace(",", "")) if numbers else 0.0
    return rate, done.stdout.strip()


def best(command: list[str], repeat: int) -> tuple[float, float]:
    """The fastest of `repeat` runs (what the machine can do, less its other load), and the peak."""
    runs = [measure(command) for _ in range(max(1, repeat))]
    return min(seconds for seconds, _, _ in runs), max(peak for _, peak, _ in runs)


def row(name: str, seconds: float, floor: float, peak: float, target: str, met: bool) -> str:
    return f"{name:<13} {seconds:8.2f} s {seconds / floor:7.3f} × {peak:8.0f} MB   {target:<26} {'met' if met else 'MISSED'}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_measure"]:
        return _measure(argv[2:])
    if argv[:1] == ["_floor"]:
        return _floor(int(argv[1]), argv[2:])
    parser = argparse.ArgumentParser(description="Measure infometis validate against the render floor.")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--environments", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="warm and changed-only runs, the best kept (default 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="infometis-bench-"))
    repo = args.keep or work / "repo"
    cache = work / "cache"
    try:
        generate(repo, args.services, args.environments)
        infometis = [sys.executable, "-m", "infometis.cli", "validate", "--repo", str(repo), "-o", "json",
                     "--jobs", str(args.jobs), "--cache-dir", str(cache)]
        floor_command = [sys.executable, str(Path(__file__).resolve()), "_floor", str(args.jobs)]
        cold, cold_peak, done = measure(infometis)
        summary = json.loads(done.stdout)["summary"]
        floor_command += [str(repo / k["folder"]) for k in summary["kustomizations_detail"] if k["folder"]]
        # the floor right after the cold run and once more at the end: a shared machine's load moves
        floors = [measure(floor_command)]
        warm, warm_peak = best(infometis, args.repeat)
        changes = [measure(infometis + [change_one_overlay(repo)]) for _ in range(max(1, args.repeat))]  # a new tag each time
        changed, changed_peak = min(seconds for seconds, _, _ in changes), max(peak for _, peak, _ in changes)
        floors.append(measure(floor_command))
        rate, schema_text = schema_rate()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = sum(seconds for seconds, _, _ in floors) / len(floors)
    floor_peak = max(peak for _, peak, _ in floors)
    peak = max(cold_peak, warm_peak, changed_peak)
    print(f"{args.services} services × {args.environments} environments: {summary['kustomizations']} Flux "
          f"Kustomizations, {summary['resources']} resources; jobs {args.jobs}, {os.cpu_count()} cores; "
          f"warm and changed-only: best of {args.repeat}")
    print(f"{'':<13} {'time':>10} {'/ floor':>9} {'peak RSS':>11}   {'target':<26}")
    print(row("floor", floor, floor, floor_peak, f"mean of {' and '.join(f'{s:.1f}' for s, _, _ in floors)} s", True))
    print(row("cold", cold, floor, cold_peak, TARGETS["cold"], cold <= 1.15 * floor))
    print(row("warm", warm, floor, warm_peak, TARGETS["warm"], warm <= 2 and warm <= 0.05 * cold))
    print(row("changed-only", changed, floor, changed_peak, TARGETS["changed-only"], changed <= 1))
    print(f"{'memory':<13} largest process {peak:.0f} MB{'':<13}{TARGETS['memory']:<26} {'met' if peak <= 400 else 'MISSED'}")
    print(f"{'schema':<13} {rate:,.0f} resources/s{'':<16}{TARGETS['schema']:<26} {'met' if rate >= 20000 else 'MISSED'}")
    print(f"  ({schema_text.splitlines()[-1] if schema_text else 'schema_speed.py printed nothing'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
