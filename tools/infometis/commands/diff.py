"""`infometis diff`: render the clusters at two revisions (a git worktree for each revision
that is not the working tree, removed afterwards even on error) and compare what they receive."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from infometis.analysis.diff import compare, rendered_yaml
from infometis.analysis.selection import EVERYTHING, Selection
from infometis.commands.common import RepoArgs, options, write
from infometis.commands.output import use_color
from infometis.load import git
from infometis.load.runner import run
from infometis.model import ERROR, ResourceId, plural, redact
from infometis.model.errors import InfometisError
from infometis.render.pipeline import run_repository
from infometis.render.runs import RepoRun
from infometis.report.diff import DEFAULT_BUDGET, DiffResult, as_json, markdown, text
from infometis.report.text import problem_line

# Problems that mean a side could not be rendered as Flux would, so no honest diff exists.
_RENDER_CHECKS = ("kustomize-build", "flux-path", "flux-source", "substitution", "yaml")


class DiffError(InfometisError):
    """Trouble: a missing revision or a render that fails (exit 2, as diff(1))."""


def _git(repo: Path, *args: str) -> str:
    return git.git(repo, *args, error=DiffError)


def _commit(repo: Path, ref: str, what: str) -> str:
    result = run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        timeout=60,
    )
    if result.returncode != 0:
        raise DiffError(
            f"{what} '{ref}' is not a commit of {repo} (in CI, check out with fetch-depth: 0)"
        )
    return result.stdout.strip()


def _default_base(repo: Path) -> str:
    for branch in ("main", "origin/main"):
        found = run(["git", "-C", str(repo), "merge-base", branch, "HEAD"], timeout=60)
        if found.returncode == 0:
            return found.stdout.strip()
    raise DiffError("no branch main to diff against: pass --base REF")


@contextlib.contextmanager
def worktree(repo: Path, commit: str) -> Iterator[Path]:
    """A detached checkout of `commit`, removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="infometis-diff-"))
    try:
        _git(repo, "worktree", "add", "--quiet", "--detach", str(folder / "tree"), commit)
        yield folder / "tree"
    finally:
        run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(folder / "tree")],
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)
        run(["git", "-C", str(repo), "worktree", "prune"], timeout=60)


def _render(args: RepoArgs, root: Path, side: str, helm_memory: dict[str, str]) -> RepoRun:
    """Every Flux Kustomization of the revision at `root`, rendered (from the render cache when
    its inputs are unchanged): a change to a Kustomization's own spec, to an object it
    substitutes from or to its parent's render changes its output as surely as a file it reads.
    Both revisions share `helm_memory`, so a chart's random values render alike in both."""
    options_ = replace(options(replace(args, repo=str(root))), helm_memory=helm_memory)
    run_ = run_repository(options_)
    trouble = [p for p in run_.problems if p.level == ERROR and p.check in _RENDER_CHECKS]
    if trouble:
        for problem in sorted(trouble, key=lambda p: p.sort_key()):
            print(
                redact.scrub(f"{side}: {problem_line(problem).strip()}", run_.hidden),
                file=sys.stderr,
            )
        raise DiffError(
            f"the {side} revision does not render ({plural(len(trouble), 'error')} above): "
            "no diff can be trusted"
        )
    return run_


def _outputs(run_: RepoRun) -> dict[str, list[tuple[ResourceId, dict[str, Any]]]]:
    """ "cluster: namespace/name" of each Flux Kustomization → what it rendered."""
    found: dict[str, list[tuple[ResourceId, dict[str, Any]]]] = {}
    for cluster in run_.clusters:
        for rendered in cluster.renders:
            k = rendered.kustomization
            name = (
                f"{cluster.name}: {k.namespace}/{k.id.name}"
                if not k.entry
                else f"{cluster.name}: flux-system"
            )
            found.setdefault(name, []).extend((r.id, r.data) for r in rendered.resources)
    return found


def _unchanged(before: RepoRun, after: RepoRun) -> list[str]:
    """The Flux Kustomizations that render the same objects on both sides."""
    old, new = _outputs(before), _outputs(after)
    return sorted(name for name in old.keys() & new.keys() if old[name] == new[name])


def _tree(folder: Path, rendered: dict[str, dict[ResourceId, tuple[str, str]]]) -> None:
    """One file per resource, cluster/Kind.group_namespace_name.yaml, for an external diff tool."""
    for cluster, resources in rendered.items():
        for rid, (text_, _) in resources.items():
            name = (
                f"{rid.kind}.{rid.group or 'core'}_{rid.namespace or '_'}_{rid.name}.yaml".replace(
                    "/", "_"
                )
            )
            file = folder / cluster.replace("/", "_") / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text_)


def external(
    command: str,
    before: RepoRun,
    after: RepoRun,
    keep_noise: bool,
    selection: Selection,
    output: str | None,
) -> int:
    """$DIFF run on two folders of rendered resources (Secret values redacted), as kubectl diff
    runs KUBECTL_EXTERNAL_DIFF; its exit code 0 or 1 is kept, anything else is trouble."""
    with tempfile.TemporaryDirectory(prefix="infometis-diff-") as temp:
        sides = Path(temp) / "base", Path(temp) / "head"
        for folder, run_ in zip(sides, (before, after), strict=True):
            folder.mkdir()
            _tree(folder, rendered_yaml(run_, keep_noise, selection, before.hidden | after.hidden))
        try:
            result = run([*shlex.split(command), str(sides[0]), str(sides[1])], cwd=Path(temp))
        except ValueError as err:
            raise DiffError(f"DIFF={command}: cannot read it as a command ({err})") from None
        write(result.stdout.replace(temp + "/", ""), output, before.hidden | after.hidden)
        if result.returncode > 1 or result.returncode < 0:
            raise DiffError(
                f"DIFF={command} failed (exit {result.returncode}): {result.stderr.strip()[:500]}"
            )
        return result.returncode


def diff(
    args: RepoArgs,
    base: str | None,
    head: str | None,
    format_name: str,
    output: str | None,
    budget: int = DEFAULT_BUDGET,
    keep_noise: bool = False,
    selection: Selection = EVERYTHING,
    limit_bytes: int | None = None,
    color: str = "auto",
) -> int:
    repo = Path(args.repo).resolve() if args.repo else git.toplevel(Path.cwd())
    base_commit = _commit(repo, base, "--base") if base else _default_base(repo)
    head_commit = _commit(repo, head, "--head") if head else None
    changed = git.changed_since(repo, base_commit, head_commit, error=DiffError)
    before = after = None
    if changed:  # nothing changed: nothing to render
        with contextlib.ExitStack() as stack:
            base_root = stack.enter_context(worktree(repo, base_commit))
            head_root = stack.enter_context(worktree(repo, head_commit)) if head_commit else repo
            shared: dict[str, str] = {}
            before = _render(args, base_root, "base", shared)
            after = _render(args, head_root, "head", shared)
    command = os.environ.get("DIFF", "").strip()
    if command and format_name == "text" and before and after:
        return external(command, before, after, keep_noise, selection, output)
    # (both sides are rendered when something changed; `before` whenever `after` is)
    changes = (
        compare(cast(RepoRun, before), cast(RepoRun, after), keep_noise, selection, limit_bytes)
        if changed
        else []
    )
    clusters = sorted({c.name for r in (before, after) if r for c in r.clusters})
    hidden = before.hidden | after.hidden if before and after else frozenset()
    result = DiffResult(
        base_commit[:12],
        head_commit[:12] if head_commit else "working tree",
        changes,
        clusters,
        _unchanged(cast(RepoRun, before), after) if after else [],
    )
    if format_name == "markdown":
        write(markdown(result, budget), output, hidden)
    elif format_name == "json":
        write(as_json(result), output, hidden)
    else:
        write(text(result, color=use_color(color, output)), output, hidden)
    return 1 if changes else 0
