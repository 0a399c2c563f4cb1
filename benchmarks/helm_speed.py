#!/usr/bin/env python3
"""HelmRelease rendering, measured:

- sample: `infometis validate` of this repository's clusters, cold (empty render cache) and
  warm (nothing changed), with Helm rendering (the charts of ../shared/charts in the chart
  cache, served once from a loopback Helm repository and pulled) and without (an empty chart
  cache: every HelmRelease is an info);
- corpus: what fraction of the HelmReleases of ../shared/corpus render when the charts that
  ../shared/charts holds are cached for their sources (a chart counts as available when its
  name is there and one of those versions matches the HelmRelease's version).

    python benchmarks/helm_speed.py [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import helm_python

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = {  # as ../shared/corpus/SOURCES.md enters each repository
    "fluxcd__flux2-kustomize-helm-example": [
        "--path",
        "clusters/staging",
        "--path",
        "clusters/production",
        "--source",
        "ExternalArtifact/flux-system/apps=apps",
        "--source",
        "ExternalArtifact/flux-system/infrastructure=infrastructure",
    ],
    "fluxcd__flux2-multi-tenancy": ["--path", "clusters/staging", "--path", "clusters/production"],
    "fluxcd__flux2-hub-spoke-example": ["--path", "hub"],
    "fluxcd__flux2-monitoring-example": ["--path", "clusters/test"],
    "bjw-s-labs__home-ops": ["--path", "kubernetes/flux/cluster"],
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no line per request on standard error
        pass


def serve(folder: Path) -> str:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start


def prepare(work: Path) -> tuple[Path, Path]:
    """This repository's clusters in `work`, their HelmRepositories pointed at a loopback Helm
    repository serving ../shared/charts, and a chart cache holding what they need:
    (repo, charts)."""
    archives = work / "repository"
    archives.mkdir(parents=True)
    for chart in sorted((SHARED / "charts").iterdir()):
        if (chart / "Chart.yaml").is_file():
            helm_python.package(chart, destination=archives)
    helm_python.repo_index_generate(archives)
    url = serve(archives)
    repo = work / "sample"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml", ".sops.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, repo / part)
    for path in repo.rglob("helmrepository.yaml"):
        path.write_text(
            "\n".join(
                f"  url: {url}" if line.startswith("  url:") else line
                for line in path.read_text().splitlines()
            )
            + "\n"
        )
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    charts = work / "charts-only"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "infometis"),
            "charts",
            "pull",
            "--cache-dir",
            str(charts),
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    return repo, charts


def sample(work: Path, runs: int) -> None:
    repo, charts = prepare(work)
    infometis = str(Path(sys.executable).parent / "infometis")
    for label, seeded in (
        ("without Helm (empty chart cache)", False),
        ("with Helm rendering", True),
    ):
        cold, warm = [], []
        for run in range(runs):
            cache = work / f"cache-{seeded}-{run}"
            if seeded:
                shutil.copytree(charts / "charts", cache / "charts")
            command = [infometis, "validate", "--cache-dir", str(cache)]
            cold.append(timed(command, repo))
            warm.append(timed(command, repo))
        print(f"sample, {label}: cold {min(cold):.2f} s, warm {min(warm):.2f} s (best of {runs})")


def corpus(work: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from infometis.commands.common import RepoArgs, options
    from infometis.model import semver
    from infometis.render import charts as chart_cache
    from infometis.render.pipeline import run_repository

    shared = {}
    for folder in (SHARED / "charts").iterdir():
        if (folder / "Chart.yaml").is_file():
            shared.setdefault(folder.name.rpartition("-")[0], {})[
                folder.name.rpartition("-")[2]
            ] = folder
    packaged = work / "packaged"
    total = rendered = 0
    for name, arguments in CORPUS.items():
        repo = SHARED / "corpus" / name
        if not repo.is_dir():
            continue
        cache = work / f"corpus-{name}"
        pairs = list(zip(arguments[::2], arguments[1::2], strict=True))
        args = RepoArgs(
            repo=str(repo),
            cache_dir=str(cache),
            paths=tuple(v for o, v in pairs if o == "--path"),
            sources=tuple(v for o, v in pairs if o == "--source"),
        )
        first = run_repository(options(args))
        for source in first.wanted_charts:
            versions = shared.get(source.chart, {})
            version = (
                semver.highest(list(versions), source.version or "*")
                if versions and not source.digest
                else None
            )
            if version:
                archive = helm_python.package(versions[version], destination=packaged)
                chart_cache.ChartCache(cache).store(
                    source, list(versions), version, version, Path(archive).read_bytes()
                )
        run = run_repository(options(args))
        releases = {
            id(r)
            for c in run.clusters
            for k in c.renders
            for r in k.resources
            if r.data.get("kind") == "HelmRelease"
        }
        done = {
            id(r.via)
            for c in run.clusters
            for k in c.renders
            for r in k.resources
            if r.via is not None
        }
        total, rendered = total + len(releases), rendered + len(done & releases)
        print(f"corpus {name}: {len(done & releases)} of {len(releases)} HelmReleases rendered")
    print(
        f"corpus: {rendered} of {total} HelmReleases rendered ({rendered / max(total, 1):.0%}) "
        "with ../shared/charts cached"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="infometis-helm-bench-") as temp:
        sample(Path(temp), arguments.runs)
        corpus(Path(temp))


if __name__ == "__main__":
    main()
