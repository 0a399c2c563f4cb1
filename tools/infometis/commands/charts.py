"""`infometis charts pull|key`: fetch the chart of every HelmRelease into the chart cache (the
one command that reaches chart repositories and registries), and the key CI caches it under."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import replace

from infometis.commands.common import RepoArgs, options
from infometis.model import semver
from infometis.render import charts
from infometis.render.pipeline import run_repository
from infometis.render.runs import RepoRun


def _wanted(args: RepoArgs) -> tuple[RepoRun, list[charts.ChartSource]]:
    run = run_repository(replace(options(args), online=False))
    return run, sorted(run.wanted_charts, key=lambda s: (s.url, s.chart, s.version, s.digest))


def key(args: RepoArgs) -> int:
    """One line naming what the chart cache must hold: a hash of every wanted chart's source
    (kind, URL, chart, version or range, digest). The same specs give the same key."""
    _, wanted = _wanted(args)
    specs = "\n".join("\0".join((s.kind, s.url, s.chart, s.version, s.digest)) for s in wanted)
    print(f"charts-{hashlib.sha256(specs.encode()).hexdigest()[:32]}")
    return 0


def pull(args: RepoArgs) -> int:
    """Render the clusters (offline), then pull each chart their HelmReleases want, but for a
    pinned version (or digest) the cache holds already; 1 when a chart could not be pulled."""
    run, wanted = _wanted(args)
    failed = 0
    for source in wanted:
        cached = (
            run.charts.find(source) if source.digest or semver.is_exact(source.version) else None
        )
        if cached:  # a pin resolves to the same archive for good: nothing to fetch
            print(f"cached {source.chart} {cached[0]} from {source.url} (sha256:{cached[1][:12]})")
            continue
        try:
            version, digest = charts.pull(run.charts, source)
        except charts.ChartError as error:
            failed += 1
            print(f"not pulled: {source.described}: {error}", file=sys.stderr)
            continue
        print(f"pulled {source.chart} {version} from {source.url} (sha256:{digest[:12]})")
    if not run.wanted_charts:
        print("no HelmRelease wants a chart from a repository or registry")
    return 1 if failed else 0
