"""`infometis validate`: render every cluster and report every problem."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from infometis.commands.common import RepoArgs, SchemaArgs, options, selected_checks, write
from infometis.commands.output import use_color
from infometis.load import git
from infometis.model import ERROR, plural
from infometis.model.errors import ConfigError
from infometis.render.runs import Options, RepoRun
from infometis.report import Report, render
from infometis.run import verdict
from infometis.run.judge import counts, files_read, judge, paths_read

NOTHING_RENDERED = {
    "kustomizations": 0,
    "rendered": 0,
    "resources": 0,
    "skipped": 0,
    "excluded": 0,
    "kustomizations_detail": [],
    "disabled": 0,
    "ignored": 0,
}


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def validate(
    args: RepoArgs,
    schema: SchemaArgs,
    format_name: str | None,
    output: str | None,
    files: tuple[str, ...] = (),
    counts_to: str | None = None,
    changed_since: str | None = None,
    color: str = "auto",
    verbosity: int = 0,
) -> int:
    """Validate; `verbosity` -1 (--quiet) shows error-level problems only, 1 (--verbose) also says
    on standard error what was read and rendered."""
    checks = selected_checks(args)
    missing = [name for name in files if not os.path.lexists(name)]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)}: no such file; FILE arguments name changed files, "
            "whose effect is validated (give none to validate everything)"
        )
    options_ = options(args, schema)
    changed = None
    if files or changed_since:
        from infometis.discover import changed as changes  # (only changed-only runs need it)

        changed = set(changes.relevant(files, options_)) if files else None
    if changed_since:
        since = changes.since(options_.repo, changed_since)
        changed = (changed or set()) | set(
            changes.relevant(tuple(str(options_.repo / name) for name in since), options_)
        )
    if changed is not None and not changed:
        given = (
            f"{plural(len(files), 'file')} given"
            if files and not changed_since
            else "changed files"
        )
        print(
            f"infometis: none of the {given} can change what the clusters receive: nothing to "
            "validate",
            file=sys.stderr,
        )
        # a machine format still gets a whole document, with nothing in it
        summary = dict(NOTHING_RENDERED, clusters=len(options_.entries), unaffected=0)
        return _report(
            Report.build(summary, [], base=_base(options_.repo)),
            format_name,
            output,
            counts_to,
            frozenset(),
            color,
        )
    record = verdict.Record.wanted(options_, checks, changed) if verbosity <= 0 else None
    known = record.recall() if record else None
    if known:
        report, hidden = known
    else:
        run, report = _judged(options_, checks, changed)
        hidden = run.hidden
        if record:
            record.keep(report, hidden, paths_read(run))
        if verbosity > 0:
            _say_what_was_read(options_, run)
    if verbosity < 0:  # the counts stay whole: only the listing is cut to the errors
        report = replace(report, problems=[p for p in report.problems if p.level == ERROR])
    return _report(report, format_name, output, counts_to, hidden, color)


def _judged(
    options_: Options, checks: set[str], changed: set[str] | None
) -> tuple[RepoRun, Report]:
    run, problems, selected, kept, applied = judge(options_, checks, changed)
    summary = dict(counts(run), disabled=applied.disabled, ignored=applied.annotated)
    if changed is not None:  # problems the change cannot affect, left out
        summary["unaffected"] = len(selected) - len(kept)
    if options_.shard:
        summary["shard"] = "{}/{}".format(*options_.shard)
    return run, Report.build(
        summary,
        applied.problems,
        suppressed=len(problems) - len(selected),
        base=_base(options_.repo),
        reads=files_read(run),
    )


def _say_what_was_read(options_: Options, run: RepoRun) -> None:
    settings = options_.schema
    print(
        f"infometis: repository {options_.repo}; schemas of Kubernetes {settings.version()} "
        f"and Flux {settings.flux_line()}; {options_.jobs} parallel renders",
        file=sys.stderr,
    )
    for cluster in run.clusters:
        rendered = sum(1 for r in cluster.renders if not r.kustomization.entry) + len(
            cluster.entry_syncs
        )
        print(
            f"infometis: cluster {cluster.name}: {len(cluster.kustomizations)} "
            f"Flux Kustomizations, {rendered} rendered, "
            f"{len(cluster.skipped)} skipped, {len(cluster.failed)} failed",
            file=sys.stderr,
        )


def _base(repo: Path) -> str:
    """Where the repository sits below the Git top level ("" at the top), for the reports
    whose paths GitHub reads from the top level (annotations, SARIF)."""
    return git.query(repo, "rev-parse", "--show-prefix") or ""


def _report(
    report: Report,
    format_name: str | None,
    output: str | None,
    counts_to: str | None,
    hidden: frozenset[str],
    color: str = "auto",
) -> int:
    format_name = format_name or default_format()
    write(render(report, format_name, color=use_color(color, output)), output, hidden)
    _append_counts(counts_to, report.summary)
    return report.exit_code


def _append_counts(path: str | None, summary: dict[str, Any]) -> None:
    if path:
        with open(path, "a") as lines:
            lines.writelines(f"{key}={summary[key]}\n" for key in ("errors", "warnings", "infos"))
