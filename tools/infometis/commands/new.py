"""`infometis init` and `infometis new service|environment|cluster|mode`: build a plan, then
show it (--dry-run) or write it."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from infometis.generate import grow, init, service
from infometis.generate.plan import GenerateError, Plan, apply, preview
from infometis.generate.repo import require_repository
from infometis.load import git
from infometis.load.files import write_lock
from infometis.model import plural
from infometis.model.errors import EditError


def _locked(root: Path, what: str) -> AbstractContextManager[None]:
    """The writers' lock in the repository's git folder (none outside git)."""
    git_dir = git.folder(root)
    return write_lock(git_dir, what) if git_dir else contextlib.nullcontext()


def _finish(plan: Plan, dry_run: bool, what: str, after: Callable[[], None] | None = None) -> int:
    if dry_run:
        sys.stdout.write(preview(plan))
        files = len([p for p in plan.creates if not (plan.root / p).exists()]) + len(plan.changed())
        print(
            f"dry run: {plural(files, 'file')} would change; nothing was written", file=sys.stderr
        )
        return 0
    try:
        with _locked(plan.root, what):
            done = apply(plan)
    except EditError as err:
        raise GenerateError(str(err)) from None
    for line in done if len(done) <= 20 else _grouped(done):
        print(line)
    if not done:
        print("nothing to change: the repository already holds these files")
    if after:
        after()
    for note in plan.notes:
        print(note)
    return 0


def _grouped(done: list[str]) -> list[str]:
    """Many files (init): one line per folder, `created 12 files in clusters/dev/`."""
    counts: dict[tuple[str, str], int] = {}
    for line in done:
        verb, path = line.split(maxsplit=1)
        parts = path.split("/")
        folder = (
            "/".join(parts[:2]) + "/"
            if len(parts) > 2
            else (parts[0] + "/" if len(parts) == 2 else "")
        )
        counts[(verb, folder)] = counts.get((verb, folder), 0) + 1
    return [
        f"{verb} {count} file{'s' if count > 1 else ''} in {folder or './'}"
        for (verb, folder), count in counts.items()
    ]


def _root(repo: str | None) -> Path:
    """--repo, else the nearest folder up from here that holds clusters/."""
    if repo:
        return require_repository(Path(repo).resolve())
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "clusters").is_dir():
            return folder
    return require_repository(here)


def run_init(
    folder: str,
    clusters: str,
    domain: str,
    url: str | None,
    use_git: bool,
    force: bool,
    dry_run: bool,
    toolkit: init.Toolkit | None = None,
) -> int:
    root = Path(folder).resolve()
    parsed = init.parse_clusters(clusters, domain)
    init.refuse_non_empty(root, force)
    if use_git and not dry_run:
        init.require_identity(root)
    plan = init.plan_init(root, parsed, url, toolkit or init.Toolkit())

    def commit() -> None:
        if use_git:
            init.commit(root)
            print(f"committed: {root} is a git repository, branch main, one commit")

    return _finish(plan, dry_run, f"init {folder}", commit)


def run_service(
    repo: str | None,
    name: str,
    image: str,
    port: int | None,
    route: bool,
    kind: str,
    config_type: str | None,
    force: bool,
    dry_run: bool,
) -> int:
    root = _root(repo)
    service.refuse_unknown(config_type)
    spec = service.service(name, image, port, route, kind, config_type)
    return _finish(service.plan_service(root, spec, force), dry_run, f"new service {name}")


def run_environment(repo: str | None, name: str, source: str, force: bool, dry_run: bool) -> int:
    return _finish(
        grow.plan_environment(_root(repo), name, source, force), dry_run, f"new environment {name}"
    )


def run_cluster(
    repo: str | None,
    name: str,
    environment: str,
    mode: str,
    domain: str | None,
    force: bool,
    dry_run: bool,
) -> int:
    return _finish(
        grow.plan_cluster(_root(repo), name, environment, mode, domain, force),
        dry_run,
        f"new cluster {name}",
    )


def run_mode(repo: str | None, name: str, force: bool, dry_run: bool) -> int:
    return _finish(grow.plan_mode(_root(repo), name, force), dry_run, f"new mode {name}")
