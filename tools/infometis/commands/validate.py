"""`infometis validate`: render every cluster and report every problem."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from .. import git, verdict
from ..cache import save_parsed
from ..checks import run_checks, settings
from ..cli_output import use_color
from ..errors import ConfigError
from ..model import ERROR, plural
from ..pipeline import RepoRun, run_repository
from ..report import Report, render
from .common import RepoArgs, SchemaArgs, options, selected_checks, write

# Where what Flux applies, and what judges it, comes from.
RENDERED_TOPS = ("clusters/", "infrastructure/", "apps/", "schemas/")
CONFIG_FILES = (".infometis.yaml", ".sops.yaml")


NOTHING_RENDERED = {"kustomizations": 0, "rendered": 0, "resources": 0, "skipped": 0, "excluded": 0,
                    "kustomizations_detail": [], "disabled": 0, "ignored": 0}


def counts(run: RepoRun) -> dict:
    kustomizations = sum(len(c.kustomizations) for c in run.clusters)
    rendered = sum(1 for c in run.clusters for r in c.renders if not r.kustomization.entry)
    rendered += sum(len(c.entry_syncs) for c in run.clusters)
    resources = sum(len(r.resources) for c in run.clusters for r in c.renders)
    skipped = sum(len(c.skipped) for c in run.clusters)
    return {"clusters": len(run.clusters), "kustomizations": kustomizations,
            "rendered": rendered, "resources": resources, "skipped": skipped, "excluded": excluded(run),
            "kustomizations_detail": kustomizations_detail(run)}


def excluded(run: RepoRun) -> int:
    """Files the renders read that `exclude` (or .gitignore) keeps from the file-level checks."""
    read = {path for c in run.clusters for r in c.renders + c.failed if r.closure for path in r.closure.files}
    return sum(1 for path in read if run.config.is_excluded(run.cache.relative(path)))


def kustomizations_detail(run: RepoRun) -> list[dict]:
    """Each Flux Kustomization: where it is defined (file, line) and the repository-relative
    folder it rendered ("" if none; a failed render's folder too)."""
    rows = []
    for cluster in run.clusters:
        folders = {id(r.kustomization): run.cache.relative(r.folder) for r in cluster.renders + cluster.failed}
        folders.update({id(k): run.cache.relative(cluster.entry) for k in cluster.entry_syncs})
        for k in cluster.kustomizations.values():
            defined = k.where("metadata", "name")
            rows.append({"cluster": cluster.name, "name": f"{k.namespace}/{k.id.name}", "path": k.path,
                         "folder": folders.get(id(k), ""), "file": defined.file, "line": defined.line})
    return rows


def _renders_read(run: RepoRun):
    """(cluster, render) of every Flux Kustomization whose build read files, failed ones too."""
    return ((cluster, r) for cluster in run.clusters for r in cluster.renders + cluster.failed if r.closure)


def files_read(run: RepoRun) -> dict[tuple[str, str], frozenset[str]]:
    """(cluster, namespace/name) of each Flux Kustomization → the repository files its render read."""
    return {(cluster.name, f"{r.kustomization.namespace}/{r.kustomization.id.name}"):
            frozenset(run.cache.relative(path) for path in r.closure.files | r.closure.manifests)
            for cluster, r in _renders_read(run)}


def paths_read(run: RepoRun) -> set[Path]:
    """Every folder and file the renders read."""
    return run.reached_folders().union(*(r.closure.files | r.closure.manifests for _, r in _renders_read(run)))


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def relevant(files: tuple[str, ...], options_) -> list[str]:
    """The given files that can change what the clusters receive or how they are judged."""
    found = []
    for name in files:
        path = Path(name).resolve()
        try:
            relative = path.relative_to(options_.repo).as_posix()
        except ValueError:
            continue
        if options_.config.is_excluded(relative):
            continue
        if relative.startswith(RENDERED_TOPS) or relative in CONFIG_FILES or path.suffix in (".yaml", ".yml"):
            found.append(relative)
    return found


def judge(options_, checks: set[str], changed: set[str] | None = None):
    """Render and check: the run, every problem found, those of the selected checks, those
    of the changed part (all when `changed` is None), and those left once .infometis.yaml
    and annotations have had their say."""
    from .. import changed as changes  # (these two load what only sharded and changed-only runs need)
    from .. import shard

    if options_.shard:
        run, problems = shard.validate(options_, checks)
    else:
        run = run_repository(options_)
        problems = list(run_checks(run, checks))
        save_parsed(options_.cache_dir, run.cache)
    part = changes.scope(run, changed) if changed is not None else None
    selected = [p for p in problems if p.check in checks]
    kept = [p for p in selected if part is None or part.contains(p)]
    return run, problems, selected, kept, settings.apply(kept, run)


def validate(args: RepoArgs, schema: SchemaArgs, format_name: str | None, output: str | None,
             files: tuple[str, ...] = (), counts_to: str | None = None, changed_since: str | None = None,
             color: str = "auto", verbosity: int = 0) -> int:
    """Validate; `verbosity` -1 (--quiet) shows error-level problems only, 1 (--verbose) also says
    on standard error what was read and rendered."""
    checks = selected_checks(args)
    missing = [name for name in files if not os.path.lexists(name)]
    if missing:
        raise ConfigError(f"{', '.join(missing)}: no such file; FILE arguments name changed files, "
                          "whose effect is validated (give none to validate everything)")
    options_ = options(args, schema)
    changed = set(relevant(files, options_)) if files else None
    if changed_since:
        from .. import changed as changes

        changed = (changed or set()) | set(relevant(tuple(str(options_.repo / name) for name in
                                                          changes.since(options_.repo, changed_since)), options_))
    if changed is not None and not changed:
        given = f"{plural(len(files), 'file')} given" if files and not changed_since else "changed files"
        print(f"infometis: none of the {given} can change what the clusters receive: nothing to validate",
              file=sys.stderr)
        # a machine format still gets a whole document, with nothing in it
        summary = dict(NOTHING_RENDERED, clusters=len(options_.entries), unaffected=0)
        return _report(Report.build(summary, [], base=_base(options_.repo)), format_name, output, counts_to, frozenset(), color)
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


def _judged(options_, checks: set[str], changed: set[str] | None) -> tuple[RepoRun, Report]:
    run, problems, selected, kept, applied = judge(options_, checks, changed)
    summary = dict(counts(run), disabled=applied.disabled, ignored=applied.annotated)
    if changed is not None:  # problems the change cannot affect, left out
        summary["unaffected"] = len(selected) - len(kept)
    if options_.shard:
        summary["shard"] = "{}/{}".format(*options_.shard)
    return run, Report.build(summary, applied.problems, suppressed=len(problems) - len(selected),
                             base=_base(options_.repo), reads=files_read(run))


def _say_what_was_read(options_, run: RepoRun) -> None:
    settings = options_.schema
    print(f"infometis: repository {options_.repo}; schemas of Kubernetes {settings.version()} and Flux "
          f"{settings.flux_line()}; {options_.jobs} parallel renders", file=sys.stderr)
    for cluster in run.clusters:
        rendered = sum(1 for r in cluster.renders if not r.kustomization.entry) + len(cluster.entry_syncs)
        print(f"infometis: cluster {cluster.name}: {len(cluster.kustomizations)} Flux Kustomizations, {rendered} "
              f"rendered, {len(cluster.skipped)} skipped, {len(cluster.failed)} failed", file=sys.stderr)


def _base(repo) -> str:
    """Where the repository sits below the Git top level ("" at the top), for the reports
    whose paths GitHub reads from the top level (annotations, SARIF)."""
    return git.query(repo, "rev-parse", "--show-prefix") or ""


def _report(report: Report, format_name: str | None, output: str | None, counts_to: str | None,
            hidden: frozenset[str], color: str = "auto") -> int:
    format_name = format_name or default_format()
    write(render(report, format_name, color=use_color(color, output)), output, hidden)
    _append_counts(counts_to, report.summary)
    return report.exit_code


def _append_counts(path: str | None, summary: dict) -> None:
    if path:
        with open(path, "a") as lines:
            lines.writelines(f"{key}={summary[key]}\n" for key in ("errors", "warnings", "infos"))
