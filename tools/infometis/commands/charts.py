"""`infometis charts pull`: fetch the chart of every HelmRelease into the chart cache (the one
command that reaches chart repositories and registries)."""

from __future__ import annotations

import sys
from dataclasses import replace

from .. import charts
from ..pipeline import run_repository
from .common import RepoArgs, options


def pull(args: RepoArgs) -> int:
    """Render the clusters (offline), then pull each chart their HelmReleases want; 1 when a
    chart could not be pulled."""
    run = run_repository(replace(options(args), online=False))
    failed = 0
    for source in sorted(run.wanted_charts, key=lambda s: (s.url, s.chart, s.version, s.digest)):
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
