"""Git plumbing: the repository root, its remotes and branch, and what git ignores."""

from __future__ import annotations

import re
from pathlib import Path

from infometis.load.runner import run
from infometis.model.errors import SetupError


def query(repo: Path, *args: str) -> str | None:
    """git's output, stripped; None when git fails (an answer of 'no')."""
    result = run(["git", "-C", str(repo), *args], timeout=60)
    return result.stdout.strip() if result.returncode == 0 else None


def toplevel(folder: Path) -> Path:
    found = query(folder, "rev-parse", "--show-toplevel")
    if not found:
        raise SetupError(f"{folder} is not inside a git repository; pass --repo DIR")
    return Path(found)


def normalize_url(url: str) -> str:
    """`git@github.com:org/repo.git`, `ssh://git@github.com/org/repo` and
    `https://github.com/org/repo` all become `github.com/org/repo`."""
    url = url.strip().rstrip("/")
    url = re.sub(r"^[a-z+]+://", "", url)
    url = re.sub(r"^[^@/]+@", "", url)
    url = re.sub(r"^([^/:]+):(?!\d+/)", r"\1/", url)
    url = re.sub(r"^([^/:]+):\d+/", r"\1/", url)
    url = url.removesuffix(".git")
    host, _, rest = url.partition("/")
    return f"{host.lower()}/{rest}"


def remote_urls(repo: Path) -> set[str]:
    listing = query(repo, "remote", "-v") or ""
    return {
        normalize_url(line.split()[1]) for line in listing.splitlines() if len(line.split()) >= 2
    }


def branches(repo: Path) -> set[str] | None:
    """The current branch and the remote's default branch; None when HEAD is detached."""
    current = query(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    if not current:
        return None
    names = {current}
    default = query(repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if default:
        names.add(default.split("/", 1)[-1])
    return names


def _paths(listing: str | None) -> list[str]:
    """A -z listing: NUL-separated and unquoted, whatever the names hold."""
    return [name for name in (listing or "").split("\0") if name]


def ignored(repo: Path) -> set[str]:
    """Paths (files, and folders ending in '/') that git ignores, relative to the root."""
    result = run(
        [
            "git",
            "-C",
            str(repo),
            "ls-files",
            "-z",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
        ],
        timeout=60,
    )
    return set(_paths(result.stdout)) if result.returncode == 0 else set()


def git(repo: Path, *args: str, error: type[Exception] = SetupError) -> str:
    """Run git; a failure raises `error` quoting git's own message."""
    result = run(["git", "-C", str(repo), *args], timeout=120)
    if result.returncode != 0:
        raise error(f"git {' '.join(args)}: {' '.join(result.stderr.split()) or 'failed'}")
    return result.stdout


def changed_since(
    repo: Path, base: str, head: str | None = None, error: type[Exception] = SetupError
) -> set[str]:
    """Repository-relative paths that differ between `base` and `head` (None: the working
    tree, untracked files included)."""
    names = _paths(
        git(
            repo,
            "diff",
            "-z",
            "--name-only",
            "--no-renames",
            base,
            *([head] if head else []),
            error=error,
        )
    )
    if head is None:
        names += _paths(git(repo, "ls-files", "-z", "--others", "--exclude-standard", error=error))
    return set(names)


def uncommitted(repo: Path) -> list[str]:
    """Files with uncommitted changes (staged, unstaged or untracked), as `git status` shows
    them."""
    result = run(
        ["git", "-C", str(repo), "status", "-z", "--porcelain", "--untracked-files=all"], timeout=60
    )
    entries = _paths(result.stdout) if result.returncode == 0 else []
    found, index = [], 0
    while index < len(entries):
        status, name = entries[index][:2], entries[index][3:]
        found.append(name)
        # a rename's entry is followed by its old name
        index += 2 if "R" in status or "C" in status else 1
    return found


def folder(repo: Path) -> Path | None:
    """The repository's .git folder (where writers keep their lock); None outside git."""
    found = query(repo, "rev-parse", "--absolute-git-dir")
    return Path(found) if found else None


def head(repo: Path) -> str | None:
    return query(repo, "rev-parse", "--verify", "--quiet", "HEAD")


def has_identity(repo: Path) -> bool:
    return (
        query(repo, "var", "GIT_COMMITTER_IDENT") is not None
        and query(repo, "var", "GIT_AUTHOR_IDENT") is not None
    )
