"""`infometis promote SRC DST`: the plan, then the edit, validated before and after, then
(with --commit) a branch and a commit whose message is the plan: merging it promotes,
reverting it rolls back."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import cast

from infometis.checks import REGISTRY
from infometis.commands.common import RepoArgs, options
from infometis.load import git
from infometis.load.config import Config
from infometis.load.files import write_lock
from infometis.model import ERROR, plural
from infometis.model.errors import ConfigError, EditError, InfometisError
from infometis.render.runs import Options
from infometis.report.text import problem_line
from infometis.run.judge import judge
from infometis.write import promote as promotion


class Refused(InfometisError):
    """The promotion cannot go ahead as asked (exit 1: nothing was changed)."""

    exit_code = 1


def check_order(order: tuple[str, ...], source: str, target: str, force: bool) -> None:
    for name in (source, target):
        if name not in order:
            raise ConfigError(
                f"'{name}' is not an environment of the promotion order ({' → '.join(order)}); "
                "set `promotion:` in .infometis.yaml"
            )
    step = order.index(target) - order.index(source)
    if step <= 0:
        raise Refused(
            f"{target} comes before {source} in the promotion order ({' → '.join(order)})"
            + ("" if step else ": nothing to do")
        )
    if step > 1 and not force:
        skipped = ", ".join(order[order.index(source) + 1 : order.index(target)])
        raise Refused(
            f"{source} → {target} skips {skipped}; promote one step at a time, or pass --force"
        )


def plan_lines(plan: promotion.Plan) -> list[str]:
    if not plan.changes:
        return []
    width = max(len(f"{c.file}:{c.line}") for c in plan.changes)
    service = max(len(c.service) for c in plan.changes)
    return [
        f"{c.service:<{service}}  {c.file + ':' + str(c.line):<{width}}  "
        f"{c.field}  {c.old} → {c.new}"
        for c in plan.changes
    ]


def promote(
    args: RepoArgs,
    source: str,
    target: str,
    services: tuple[str, ...],
    dry_run: bool,
    commit: bool,
    branch: str | None,
    force: bool,
    cluster_pins: bool = False,
) -> int:
    options_ = options(args)
    repo = options_.repo
    check_order(options_.config.promotion, source, target, force)
    plan = promotion.plan(repo, options_.config, source, target, services, cluster_pins)
    _unknown_services(repo, options_.config, source, target, services, cluster_pins)
    _print_plan(plan)
    if plan.refused:
        for change in plan.refused:
            print(
                f"refused: {change.file}:{change.line}: {change.field}: {change.refused}; edit it "
                "by hand",
                file=sys.stderr,
            )
        return 1
    if not plan.changes or dry_run:
        return 0
    branch = branch or f"promote/{source}-to-{target}/{(git.head(repo) or '')[:7]}"
    if commit:
        _check_branch_name(repo, branch)
    git_dir = git.folder(repo)
    if git_dir is None:
        raise InfometisError(
            f"{repo} is not a git repository: promote writes only where git can show and undo it"
        )
    try:
        with write_lock(git_dir, f"promote {source} {target}"):
            return _write(options_, plan, commit, branch)
    except EditError as err:
        raise Refused(str(err)) from None


def _write(options_: Options, plan: promotion.Plan, commit: bool, branch: str) -> int:
    repo = options_.repo
    _ready_to_write(repo, commit, branch)
    before = _errors(options_)
    originals: dict[Path, str] = {}
    try:
        promotion.apply(repo, plan, originals)
        introduced = _errors(options_) - before
    except EditError as err:
        promotion.restore(originals)
        raise Refused(f"{err}; nothing was changed") from None
    except BaseException:  # Ctrl-C included: the files are wholly old again
        promotion.restore(originals)
        raise
    if introduced:
        promotion.restore(originals)
        print(
            f"refused: the promotion introduces {plural(len(introduced), 'error')}; the files are "
            "restored:",
            file=sys.stderr,
        )
        for cluster, line in sorted(introduced):
            print(f"  {cluster}: {line}" if cluster else f"  {line}", file=sys.stderr)
        return 1
    if before:
        # one base's error in many clusters: listed once
        lines = sorted({line for _, line in before})
        verb = "was" if len(lines) == 1 else "were"
        print(
            f"{plural(len(lines), 'error')} {verb} there before the promotion (not introduced by "
            "it):",
            file=sys.stderr,
        )
        for line in lines:
            print(f"  {line}", file=sys.stderr)
    if commit:
        _commit(repo, plan, branch, originals)
    else:
        print(
            f"written: {plural(len(plan.files()), 'file')}; review with `git diff`, or rerun with "
            "--commit"
        )
    return 0


def _unknown_services(
    repo: Path,
    config: Config,
    source: str,
    target: str,
    services: tuple[str, ...],
    cluster_pins: bool,
) -> None:
    known = {
        pair.service
        for pair in promotion.environment_pairs(repo, config, source, target, cluster_pins)
    }
    unknown = sorted(set(services) - known)
    if unknown:
        raise ConfigError(
            f"--service {', '.join(unknown)}: no folder {source}/ beside {target}/ for it "
            f"(services: {', '.join(sorted(known)) or 'none'})"
        )


def _print_plan(plan: promotion.Plan) -> None:
    if not plan.changes:
        print(f"nothing to promote: {plan.target} already pins what {plan.source} pins")
    else:
        files = len(plan.files())
        print(
            f"promote {plan.source} → {plan.target}: {plural(len(plan.changes), 'change')} in "
            f"{plural(files, 'file')}"
        )
        for line in plan_lines(plan):
            print(f"  {line}")
    for note in plan.missing:
        print(f"not promoted: {note}", file=sys.stderr)


def _ready_to_write(repo: Path, commit: bool, branch: str) -> None:
    dirty = git.uncommitted(repo)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise Refused(
            f"the work tree has uncommitted changes ({shown}): commit or stash them first"
        )
    if commit and not git.has_identity(repo):
        raise InfometisError(
            "git has no identity to commit with: set user.name and user.email "
            "(git config user.email you@example.com)"
        )
    if commit and _branch_exists(repo, branch):
        raise Refused(f"branch {branch} already exists: pass another --branch")


def _branch_exists(repo: Path, branch: str) -> bool:
    try:
        git.git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
        return True
    except InfometisError:
        return False


def _errors(options_: Options) -> set[tuple[str, str]]:
    """The error-level problems of a full validation, as (cluster, line): compared cluster by
    cluster, so that an error brought into uat is new there even when dev has it already."""
    *_, applied = judge(replace(options_, each_cluster=True), set(REGISTRY))
    return {
        (p.cluster or "", problem_line(p).strip()) for p in applied.problems if p.level == ERROR
    }


def _check_branch_name(repo: Path, branch: str) -> None:
    """A name git accepts for a new branch, checked before any file is written."""
    if (
        branch.startswith("-")
        or branch == "HEAD"
        or git.query(repo, "check-ref-format", "--branch", branch) is None
    ):
        raise ConfigError(
            f"--branch {branch!r} is not a valid branch name (see git check-ref-format); nothing "
            "was changed"
        )


def _commit(repo: Path, plan: promotion.Plan, branch: str, originals: dict[Path, str]) -> None:
    """The branch and its commit, or nothing: on any failure (a lock, a hook that refuses,
    an interrupt) the files, the index, HEAD and the branch are as they were."""
    source_commit = git.head(repo) or ""
    where = git.query(repo, "symbolic-ref", "--quiet", "--short", "HEAD") or source_commit
    made_branch = False
    try:
        git.git(repo, "checkout", "--quiet", "-b", branch)
        made_branch = True
        git.git(repo, "add", "--", *plan.files())
        git.git(repo, "commit", "--quiet", "-F", _message_file(repo, plan, source_commit))
    except BaseException as err:
        undone = _undo(repo, plan, originals, where, branch if made_branch else None)
        if isinstance(err, InfometisError):
            raise Refused(f"{err}; undone: {undone}") from None
        raise
    finally:
        # (promote checked that the repository is a git one)
        (cast(Path, git.folder(repo)) / "INFOMETIS_PROMOTE_MSG").unlink(missing_ok=True)
    made = (git.head(repo) or "")[:12]
    print(
        f"committed {made} on branch {branch}; push it and open a pull request: merging it "
        "promotes, "
        f"`git revert {made}` rolls it back"
    )


def _undo(
    repo: Path, plan: promotion.Plan, originals: dict[Path, str], where: str, branch: str | None
) -> str:
    """Put back the files, the index, HEAD and the branch; say what was undone."""
    promotion.restore(originals)
    undone = [f"{plural(len(originals), 'file')} restored"]
    git.query(repo, "reset", "--quiet", "--", *plan.files())
    if branch is not None:
        git.query(repo, "checkout", "--quiet", where)
        git.query(repo, "branch", "--quiet", "-D", branch)
        undone.append(f"branch {branch} removed, back on {where}")
    return ", ".join(undone)


def _message_file(repo: Path, plan: promotion.Plan, source_commit: str) -> str:
    """The commit message (the plan, then trailers), in a file under .git (never in the tree)."""
    body = "\n".join(plan_lines(plan))
    message = (
        f"Promote {plan.source} to {plan.target}: "
        f"{plural(len(plan.changes), 'pinned version')}\n\n{body}\n\n"
        f"Promoted-From: {plan.source}\nPromoted-To: {plan.target}\nSource-Commit: "
        f"{source_commit}\n"
    )
    # (a long plan would not fit an argument)
    path = cast(Path, git.folder(repo)) / "INFOMETIS_PROMOTE_MSG"
    path.write_text(message)
    return str(path)
