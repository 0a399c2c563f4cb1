#!/usr/bin/env python3
"""Every speed target of infometis, measured in one run on one machine and said met or MISSED:

- floor: every Flux Kustomization of a synthetic monorepo rendered by `kubectl kustomize`
  alone, with the same jobs;
- cold: `infometis validate`, every check, empty render cache (target ≤ 1.15 × floor);
- warm: the same again, nothing changed (≤ 0.02 × cold);
- changed-only: one overlay file changed, given as pre-commit gives it (≤ 0.01 × cold, < 1 s);
- the targets of benchmarks/targets.py: the same repository with some 3,000 problems, start-up,
  a small repository's fixed cost, a whole-environment promote --commit, the dependsOn walk,
  Helm rendering against its floor, sharding a real home-ops repository;
- memory: the peak of the largest single process (Python or one kubectl);
- schema: benchmarks/schema_speed.py (resources validated per second, one core).

Every measurement runs in a fresh child process, so its peak is its own.

    python benchmarks/run.py [--services 200] [--environments 3] [--jobs N] [--repeat 3]
                             [--keep DIR]
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

import targets

HERE = Path(__file__).resolve().parent


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
    peak = (
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )  # the largest process of the tree
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr + "\n" + json.dumps({"seconds": seconds, "peak_mb": peak}) + "\n")
    return done.returncode


def _floor(jobs: int, folders: list[str]) -> int:
    from infometis.load.runner import kubectl

    binary = kubectl()

    def render(folder: str) -> int:
        return subprocess.run(
            [binary, "kustomize", "--load-restrictor", "LoadRestrictionsNone", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ).returncode

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        failed = sum(1 for code in pool.map(render, folders) if code)
    print(f"{len(folders)} renders, {failed} failed")
    return 0


def generate(folder: Path, services: int, environments: int) -> None:
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            str(folder),
            "--services",
            str(services),
            "--environments",
            str(environments),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    git = [
        "git",
        "-C",
        str(folder),
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.invalid",
    ]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "generated"], check=True)


def change_one_overlay(repo: Path) -> str:
    """Bump the image tag of the first service's first environment: one overlay file changed."""
    overlay = sorted((repo / "apps").iterdir())[0] / "dev" / "kustomization.yaml"
    text = overlay.read_text()
    overlay.write_text(
        re.sub(
            r'newTag: "(\d+)\.(\d+)\.(\d+)"',
            lambda m: f'newTag: "{m[1]}.{m[2]}.{int(m[3]) + 1}"',
            text,
            count=1,
        )
    )
    return str(overlay)


def schema_rate() -> tuple[float, str]:
    done = subprocess.run(
        [sys.executable, str(HERE / "schema_speed.py")], capture_output=True, text=True
    )
    numbers = re.findall(r"([\d,]+(?:\.\d+)?) resources/s", done.stdout)
    rate = float(numbers[0].replace(",", "")) if numbers else 0.0
    return rate, done.stdout.strip()


def best(command: list[str], repeat: int) -> tuple[float, float]:
    """The fastest of `repeat` runs (what the machine can do, less its other load), and the peak."""
    runs = [measure(command) for _ in range(max(1, repeat))]
    return min(seconds for seconds, _, _ in runs), max(peak for _, peak, _ in runs)


def row(name: str, measured: str, target: str, met: bool | None) -> str:
    verdict = "" if met is None else ("met" if met else "MISSED")
    return f"{name:<22} {measured:<44} {target:<34} {verdict}"


def timed_row(
    name: str, seconds: float, floor: float, peak: float, target: str, met: bool | None
) -> str:
    return row(name, f"{seconds:8.2f} s {seconds / floor:7.3f} × floor {peak:6.0f} MB", target, met)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_measure"]:
        return _measure(argv[2:])
    if argv[:1] == ["_floor"]:
        return _floor(int(argv[1]), argv[2:])
    parser = argparse.ArgumentParser(
        description="Measure infometis against its speed targets (see targets.py)."
    )
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--environments", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="warm and changed-only runs, the best kept (default 3)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="generate here and keep it (default: a temporary folder)",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="infometis-bench-"))
    repo = args.keep or work / "repo"
    cache = work / "cache"
    try:
        generate(repo, args.services, args.environments)
        infometis = [
            sys.executable,
            "-m",
            "infometis.commands.main",
            "validate",
            "--repo",
            str(repo),
            "-o",
            "json",
            "--jobs",
            str(args.jobs),
            "--cache-dir",
            str(cache),
        ]
        floor_command = [sys.executable, str(Path(__file__).resolve()), "_floor", str(args.jobs)]
        cold, cold_peak, done = measure(infometis)
        summary = json.loads(done.stdout)["summary"]
        floor_command += [
            str(repo / k["folder"]) for k in summary["kustomizations_detail"] if k["folder"]
        ]
        # the floor right after the cold run and once more at the end: a shared machine's load moves
        floors = [measure(floor_command)]
        warm, warm_peak = best(infometis, args.repeat)
        changes = [
            measure(infometis + [change_one_overlay(repo)]) for _ in range(max(1, args.repeat))
        ]  # a new tag each time
        changed, changed_peak = (
            min(seconds for seconds, _, _ in changes),
            max(peak for _, peak, _ in changes),
        )
        floors.append(measure(floor_command))
        targets.git(repo, "checkout", "-q", "--", ".")
        promoted = targets.promote(repo, cache, args.jobs)
        loaded = targets.problems(repo, cache, args.jobs, args.repeat)
        small = targets.small(work, generate, args.repeat)
        started = targets.start(args.repeat)
        chain = targets.graph()
        helm = targets.helm(work, args.jobs)
        shards = targets.shards(work)
        rate, schema_text = schema_rate()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = sum(seconds for seconds, _, _ in floors) / len(floors)
    floor_peak = max(peak for _, peak, _ in floors)
    peak = max(cold_peak, warm_peak, changed_peak)
    print(
        f"{args.services} services × {args.environments} environments: {summary['kustomizations']} "
        f"Flux Kustomizations, {summary['resources']} resources; jobs {args.jobs}, "
        f"{os.cpu_count()} cores; warm and changed-only: best of {args.repeat}"
    )
    print(f"{'':<22} {'measured':<44} {'target':<34}")
    print(
        timed_row(
            "floor",
            floor,
            floor,
            floor_peak,
            f"mean of {' and '.join(f'{s:.1f}' for s, _, _ in floors)} s",
            None,
        )
    )
    print(timed_row("cold", cold, floor, cold_peak, "≤ 1.15 × floor", cold <= 1.15 * floor))
    print(
        timed_row(
            "warm",
            warm,
            floor,
            warm_peak,
            f"≤ 0.02 × cold ({warm / cold:.4f})",
            warm <= 0.02 * cold,
        )
    )
    print(
        timed_row(
            "changed-only",
            changed,
            floor,
            changed_peak,
            f"≤ 0.01 × cold ({changed / cold:.4f}), < 1 s",
            changed <= 0.01 * cold and changed < 1,
        )
    )
    print(
        row(
            "warm, checks run",
            f"{loaded['clean_checked']:8.2f} s (a file touched: no verdict)",
            "",
            None,
        )
    )
    print(
        row(
            f"warm, {loaded['problems']:,} problems",
            f"{loaded['verdict']:8.2f} s",
            f"≤ 0.02 × cold ({loaded['verdict'] / cold:.4f})",
            loaded["verdict"] <= 0.02 * cold,
        )
    )
    print(
        row(
            "  checks run",
            f"{loaded['checked']:8.2f} s: {loaded['per_problem'] * 1e6:,.0f} µs a problem",
            "< 1,000 µs a problem",
            loaded["per_problem"] < 0.001,
        )
    )
    print(row("--help", f"{started['help']:8.3f} s", "≤ 0.15 s", started["help"] <= 0.15))
    print(
        row(
            "--version",
            f"{started['version']:8.3f} s, {started['version_processes']} processes started",
            "no subprocess",
            started["version_processes"] == 0,
        )
    )
    print(
        row(
            "small repository",
            f"{small['checked']:8.2f} s checks run, {small['verdict']:.2f} s verdict",
            "fixed cost ≤ 0.3 s (checks run)",
            small["checked"] <= 0.3,
        )
    )
    print(
        row(
            "promote --commit",
            f"{promoted['seconds']:8.2f} s, {promoted['changes']} changes, exit {promoted['exit']}",
            f"≤ 2 × warm validate ({promoted['warm']:.2f} s)",
            promoted["exit"] == 0 and promoted["seconds"] <= 2 * promoted["warm"],
        )
    )
    print(
        row(
            "graph, dependsOn chain",
            f"{chain['2700']:8.3f} s (2,700), {chain['5400']:.3f} s (5,400)",
            f"linear: 5,400 ≤ 2.2 × 2,700 ({chain['5400'] / chain['2700']:.2f})",
            chain["5400"] <= 2.2 * chain["2700"],
        )
    )
    if helm:
        floor_helm = helm["kustomize"] + helm["helm"]
        print(
            row(
                "Helm, sample cold",
                f"{helm['cold']:8.2f} s; floor {helm['kustomize']:.2f} + {helm['helm']:.2f} s "
                f"({helm['releases']} releases)",
                f"≤ 1.15 × floor ({helm['cold'] / floor_helm:.2f})",
                helm["cold"] <= 1.15 * floor_helm,
            )
        )
    else:
        print(row("Helm, sample cold", "not measured: ../shared/charts is absent", "", None))
    if shards:
        count, mean = shards["kustomizations"], sum(shards["seconds"]) / len(shards["seconds"])
        parts = len(shards["rendered"])
        print(
            row(
                "shards, bjw-s home-ops",
                f"renders {'/'.join(map(str, shards['rendered']))} of {count}; "
                f"{'/'.join(f'{s:.0f}' for s in shards['seconds'])} s",
                f"≤ ~1/{parts} each, slowest ≤ 1.5 × mean",
                max(shards["rendered"]) <= 1.5 * count / parts
                and max(shards["seconds"]) <= 1.5 * mean,
            )
        )
        print(
            row(
                "  union of the shards",
                "equal to the unsharded run" if shards["equal"] else "DIFFERENT",
                "equal",
                shards["equal"],
            )
        )
    print(row("memory", f"largest process {peak:.0f} MB", "≤ 400 MB", peak <= 400))
    print(row("schema", f"{rate:,.0f} resources/s", "≥ 20,000 resources/s", rate >= 20000))
    print(
        f"  ({schema_text.splitlines()[-1] if schema_text else 'schema_speed.py printed nothing'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
