"""`infometis validate`: render every cluster and report every problem."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import changed as changes
from .. import git, shard
from ..cache import save_parsed
from ..checks import run_checks, settings
from ..pipeline import RepoRun, run_repository
from ..report import Report, render
from .common import RepoArgs, SchemaArgs, options, selected_checks, write

# Where what Flux applies, and what judges it, comes from.
RENDERED_TOPS = ("clusters/", "infrastructure/", "apps/", "schemas/")
CONFIG_FILES = (".infometis.yaml", ".sops.yaml")


def counts(run: RepoRun) -> dict:
    kustomizations = sum(len(c.kustomizations) for c in run.clusters)
    rendered = sum(1 for c in run.clusters for r in c.renders if not r.kustomization.entry)
    rendered += sum(len(c.entry_syncs) for c in run.clusters)
    resources = sum(len(r.resources) for c in run.clusters for r in c.renders)
    skipped = sum(len(c.skipped) for c in run.clusters)
    return {"clusters": len(run.clusters), "kustomizations": kustomizations,
            "rendered": rendered, "resources": resources, "skipped": skipped,
            "kustomizations_detail": kustomizations_detail(run)}


def kustomizations_detail(run: RepoRun) -> list[dict]:
    """Each Flux Kustomization, with the repository-relative folder it rendered ("" if none)."""
    rows = []
    for cluster in run.clusters:
        folders = {id(r.kustomization): run.cache.relative(r.folder) for r in cluster.renders}
        folders.update({id(k): run.cache.relative(cluster.entry) for k in cluster.entry_syncs})
        rows += [{"cluster": cluster.name, "name": f"{k.namespace}/{k.id.name}", "path": k.path,
                  "folder": folders.get(id(k), "")} for k in cluster.kustomizations.values()]
    return rows


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def use_color(output: str | None) -> bool:
    return not output and sys.stdout.isatty() and "NO_COLOR" not in os.environ


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
             files: tuple[str, ...] = (), counts_to: str | None = None, changed_since: str | None = None) -> int:
    checks = selected_checks(args)
    options_ = options(args, schema)
    changed = set(relevant(files, options_)) if files else None
    if changed_since:
        changed = (changed or set()) | set(relevant(tuple(str(options_.repo / name) for name in
                                                          changes.since(options_.repo, changed_since)), options_))
    if changed is not None and not changed:
        given = f"{len(files)} file(s) given" if files and not changed_since else "changed files"
        print(f"infometis: none of the {given} can change what the clusters receive: nothing to validate",
              file=sys.stderr)
        _append_counts(counts_to, {"errors": 0, "warnings": 0, "infos": 0})
        return 0
    run, problems, selected, kept, applied = judge(options_, checks, changed)
    summary = dict(counts(run), disabled=applied.disabled, ignored=applied.annotated)
    if changed is not None:  # problems the change cannot affect, left out
        summary["unaffected"] = len(selected) - len(kept)
    if options_.shard:
        summary["shard"] = "{}/{}".format(*options_.shard)
    report = Report.build(summary, applied.problems, suppressed=len(problems) - len(selected),
                          base=git.query(options_.repo, "rev-parse", "--show-prefix") or "")
    format_name = format_name or default_format()
    write(render(report, format_name, color=use_color(output)), output)
    _append_counts(counts_to, report.summary)
    return report.exit_code


def _append_counts(path: str | None, summary: dict) -> None:
    if path:
        with open(path, "a") as lines:
            lines.writelines(f"{key}={summary[key]}\n" for key in ("errors", "warnings", "infos"))
