"""Where a kustomization's references lead: over the network (kustomize would fetch them), or
out of the repository (a build reads only the repository, as Flux reads only its source)."""

from __future__ import annotations

import os
import re
from pathlib import Path

_REMOTE_PREFIXES = ("git::", "git@", "github.com/", "gitlab.com/", "bitbucket.org/", "ssh:", "oci:")
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:[0-9]+)?/", re.IGNORECASE)


def is_remote(reference: str, folder: Path | None = None) -> bool:
    """Whether kustomize would fetch `reference` over the network. A path that does not exist
    locally and starts with a host name (gitlab.example.org/team/repo) is one too."""
    if "://" in reference or reference.startswith(_REMOTE_PREFIXES) or "?ref=" in reference:
        return True
    return folder is not None and bool(_HOST.match(reference)) and not (folder / reference).exists()


ESCAPE_HINTS = {
    "is outside the repository": "a build reads only the repository "
    "(as Flux reads only its source): copy what it needs in",
    "leads through a symlink out of the repository": "replace the symlink with the file, "
    "or point it inside the repository",
    "cannot be resolved (a symlink loop?)": "fix or remove the symlink",
}


def escape(target: Path, root: Path, real: dict[str, str] | None = None) -> str | None:
    """Why `target` (a normalized path) is not a path inside the repository `root`, or None.
    kustomize runs without its load restrictor (the wrapper lives in a temporary folder),
    so this is the check that keeps a build inside the repository. `real` memoizes resolved
    folders for one run (a build names thousands of paths in a few folders)."""
    text, top = str(target), str(root)
    if text != top and not text.startswith(top.rstrip(os.sep) + os.sep):
        return "is outside the repository"
    try:
        resolved, real_root = _realpath(text, real), _realpath(top, real)
    except (OSError, RuntimeError):
        return "cannot be resolved (a symlink loop?)"
    if resolved != real_root and not resolved.startswith(real_root.rstrip(os.sep) + os.sep):
        return "leads through a symlink out of the repository"
    return None


def _realpath(path: str, memo: dict[str, str] | None) -> str:
    """os.path.realpath, with each folder resolved once per run when `memo` is given."""
    if memo is None:
        return str(Path(path).resolve(strict=False))
    if path not in memo:
        parent, name = os.path.split(path)
        if not name or parent == path:
            memo[path] = str(Path(path).resolve(strict=False))
        else:
            candidate = os.path.join(_realpath(parent, memo), name)
            memo[path] = (
                str(Path(candidate).resolve(strict=False))
                if os.path.islink(candidate)
                else candidate
            )
    return memo[path]
