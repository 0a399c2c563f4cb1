"""The speed targets of benchmarks/run.py beyond cold, warm and changed-only, each measured
in fresh processes on this machine:

- start: `infometis --help` and `--version` (and how many processes `--version` starts);
- small: the fixed cost of a run on a small repository (1 service, 1 environment), renders
  cached, checks run (a file touched first) and answered from the verdict cache;
- problems: warm runs on the generated repository once its uat and prod overlays carry
  annotations and labels the core lacks (some 3,000 problems), and the cost per problem;
- promote: `promote dev uat --commit` of a whole environment, after a warm validate;
- graph: the dependsOn walk (apply order, cycle search, text) on chains of 2,700 and 5,400;
- helm: this repository's clusters with their charts cached, cold, against the kustomize
  floor of its folders plus the Helm floor: the same charts loaded and rendered with the same
  values (captured from the run) by Helm's engine alone, one after the other;
- shards: `validate --shard I/3` on ../shared/corpus/bjw-s-labs__home-ops, each with its own
  empty cache: what each renders and how long it takes, and whether the union of their
  problems is the unsharded run's.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
HOME_OPS = ("bjw-s-labs__home-ops", ["--path", "kubernetes/flux/cluster"])
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
VERSION_PROBE = """
import runpy, subprocess, sys
started = []
real = subprocess.Popen.__init__
def counted(self, *args, **kwargs):
    started.append(args[0] if args else kwargs.get("args"))
    return real(self, *args, **kwargs)
subprocess.Popen.__init__ = counted
sys.argv = ["infometis", "--version"]
try:
    runpy.run_module("infometis.commands.main", run_name="__main__")
except SystemExit:
    pass
print(len(started), file=sys.stderr)
"""
# a cold validate that also writes down each chart Helm renders and the release it renders it for
HELM_CAPTURE = """
import pickle, runpy, sys
from infometis.render import helm
captured, paths = [], {}
real_load, real_render = helm.load, helm.render
def load(key, path):
    chart = real_load(key, path)
    paths[id(chart)] = str(path)
    return chart
def render(chart, release):
    captured.append((paths[id(chart)], release))
    return real_render(chart, release)
helm.load, helm.render = load, render
target, sys.argv = sys.argv[1], ["infometis", *sys.argv[2:]]
try:
    runpy.run_module("infometis.commands.main", run_name="__main__")
except SystemExit:
    pass
with open(target, "wb") as out:
    pickle.dump(captured, out)
"""
# Helm's engine alone on what the run rendered: each chart loaded once, each release rendered
HELM_REPLAY = """
import pickle, sys, time
from infometis.render import helm
with open(sys.argv[1], "rb") as captured:
    releases = pickle.load(captured)
started = time.perf_counter()
charts = {}
for path, release in releases:
    if path not in charts:
        charts[path] = helm.sdk().Chart.load(path)
    helm.render(charts[path], release)
print(time.perf_counter() - started, file=sys.stderr)
"""


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "infometis.commands.main", *args]


def seconds(command: list[str], repeat: int = 1, before=None, **kwargs) -> float:
    """The fastest of `repeat` runs of `command` (`before()` called ahead of each)."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        if before:
            before()
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, **kwargs)
        best = min(best, time.perf_counter() - started)
    return best


def git(repo: Path, *args: str) -> None:
    subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True)


def start(repeat: int) -> dict:
    done = subprocess.run([sys.executable, "-c", VERSION_PROBE], capture_output=True, text=True)
    return {
        "help": seconds([str(Path(sys.executable).parent / "infometis"), "--help"], repeat + 2),
        "version": seconds(
            [str(Path(sys.executable).parent / "infometis"), "--version"], repeat + 2
        ),
        "version_processes": int(done.stderr.strip().splitlines()[-1]),
    }


def small(work: Path, generate, repeat: int) -> dict:
    repo, cache = work / "small", work / "small-cache"
    generate(repo, 1, 1)
    command = cli("validate", "--repo", str(repo), "--cache-dir", str(cache), "-o", "json")
    subprocess.run(command, capture_output=True)
    overlay = next((repo / "apps").glob("*/dev/kustomization.yaml"))
    checked = seconds(command, repeat, before=lambda: os.utime(overlay))
    subprocess.run(command, capture_output=True)  # the verdict of the untouched tree, kept
    return {"checked": checked, "verdict": seconds(command, repeat)}


def add_problems(repo: Path) -> None:
    """Annotations and a label in every uat and prod overlay: the core differs between
    environments (core-invariance) and the overlays carry more than their layer (layers)."""
    for overlay in sorted((repo / "apps").glob("*/*/kustomization.yaml")):
        environment = overlay.parent.name
        if environment in ("uat", "prod"):
            with overlay.open("a") as text:
                text.write(
                    f"commonAnnotations:\n  owner: team-{environment}\n  tier: t-{environment}\n"
                    f"  cost: c-{environment}\n  zone: z-{environment}\ncommonLabels:\n"
                    f"  stage: {environment}\n"
                )
    git(repo, "commit", "-qam", "problems")


def problems(repo: Path, cache: Path, jobs: int, repeat: int) -> dict:
    """Warm runs of the repository with and without the added problems (renders cached)."""
    command = cli(
        "validate",
        "--repo",
        str(repo),
        "--cache-dir",
        str(cache),
        "-o",
        "json",
        "--jobs",
        str(jobs),
    )
    touched = next((repo / "apps").glob("*/dev/kustomization.yaml"))
    clean_checked = seconds(command, repeat, before=lambda: os.utime(touched))
    add_problems(repo)
    done = subprocess.run(command, capture_output=True, text=True)  # renders the changed overlays
    summary = json.loads(done.stdout)["summary"]
    count = summary["errors"] + summary["warnings"] + summary["infos"]
    checked = seconds(command, repeat, before=lambda: os.utime(touched))
    subprocess.run(command, capture_output=True)
    return {
        "problems": count,
        "verdict": seconds(command, repeat),
        "checked": checked,
        "clean_checked": clean_checked,
        "per_problem": (checked - clean_checked) / max(count, 1),
    }


def promote(repo: Path, cache: Path, jobs: int) -> dict:
    """A whole environment promoted and committed, against a warm validate of the same tree
    (promote reads the render cache of $INFOMETIS_CACHE_DIR)."""
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
        INFOMETIS_CACHE_DIR=str(cache),
    )
    validate = cli("validate", "--repo", str(repo), "-o", "json", "--jobs", str(jobs))
    subprocess.run(validate, capture_output=True, env=env)
    warm = seconds(validate, env=env)
    plan = subprocess.run(
        cli("promote", "dev", "uat", "--dry-run", "--repo", str(repo)),
        capture_output=True,
        text=True,
        env=env,
    )
    started = time.perf_counter()
    done = subprocess.run(
        cli("promote", "dev", "uat", "--commit", "--repo", str(repo)),
        capture_output=True,
        text=True,
        env=env,
    )
    took = time.perf_counter() - started
    planned = re.search(r"(\d+) changes? in", plan.stdout)
    return {
        "seconds": took,
        "warm": warm,
        "exit": done.returncode,
        "changes": int(planned[1]) if planned else 0,
        "message": (done.stderr or done.stdout).strip().splitlines()[-1:]
        if done.returncode
        else [],
    }


def graph() -> dict:
    sys.path.insert(0, str(HERE.parent / "tools"))
    from infometis.analysis.graph import ClusterGraph, apply_order, text
    from infometis.checks.flux_depends_on import _cycles
    from infometis.model import FLUX_KUSTOMIZE_GROUP, ResourceId
    from infometis.model.flux import FluxKustomization

    def walk(depth: int) -> float:
        members = [
            FluxKustomization(
                ResourceId("Kustomization", FLUX_KUSTOMIZE_GROUP, "flux-system", f"k{i}"),
                {"path": "./x", "dependsOn": [{"name": f"k{i - 1}"}] if i else []},
                "dev",
            )
            for i in reversed(range(depth))
        ]
        started = time.perf_counter()
        levels = apply_order(members)
        _cycles({k.id: {rid for _, rid in k.depends_on} for k in members})
        text([ClusterGraph("dev", "dev", "independent", levels, [])])
        return time.perf_counter() - started

    return {"2700": min(walk(2700) for _ in range(3)), "5400": min(walk(5400) for _ in range(3))}


def helm(work: Path, jobs: int) -> dict | None:
    """None without ../shared/charts."""
    if not (SHARED / "charts").is_dir():
        return None
    import helm_speed

    repo, charts = helm_speed.prepare(work / "helm")
    cache, capture = work / "helm-cache", work / "helm-releases.pickle"
    shutil.copytree(charts / "charts", cache / "charts")
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            HELM_CAPTURE,
            str(capture),
            "validate",
            "--repo",
            str(repo),
            "--cache-dir",
            str(cache),
            "-o",
            "json",
            "--jobs",
            str(jobs),
        ],
        capture_output=True,
        text=True,
    )
    cold = time.perf_counter() - started
    folders = [
        str(repo / k["folder"])
        for k in json.loads(done.stdout)["summary"]["kustomizations_detail"]
        if k["folder"]
    ]
    kustomize = seconds([sys.executable, str(HERE / "run.py"), "_floor", str(jobs), *folders])
    replay = subprocess.run(
        [sys.executable, "-c", HELM_REPLAY, str(capture)], capture_output=True, text=True
    )
    with capture.open("rb") as captured:
        releases = len(pickle.load(captured))
    return {
        "cold": cold,
        "kustomize": kustomize,
        "helm": float(replay.stderr.strip().splitlines()[-1]),
        "releases": releases,
    }


def shards(work: Path, count: int = 3) -> dict | None:
    """None without ../shared/corpus/bjw-s-labs__home-ops."""
    name, arguments = HOME_OPS
    repo = SHARED / "corpus" / name
    if not repo.is_dir():
        return None

    def run(*extra: str) -> tuple[float, dict]:
        cache = work / f"shard-cache-{'-'.join(extra) or 'all'}".replace("/", "of")
        started = time.perf_counter()
        done = subprocess.run(
            cli(
                "validate",
                "--repo",
                str(repo),
                *arguments,
                "--cache-dir",
                str(cache),
                "-o",
                "json",
                *extra,
            ),
            capture_output=True,
            text=True,
        )
        return time.perf_counter() - started, json.loads(done.stdout)

    whole_seconds, whole = run()
    parts = [run("--shard", f"{index}/{count}") for index in range(1, count + 1)]

    def keys(report: dict) -> list:
        return sorted(json.dumps(p, sort_keys=True) for p in report["problems"])

    union = sorted(key for _, report in parts for key in keys(report))
    return {
        "kustomizations": whole["summary"]["kustomizations"],
        "whole": whole_seconds,
        "rendered": [report["summary"]["rendered"] for _, report in parts],
        "seconds": [took for took, _ in parts],
        "equal": union == keys(whole),
    }
