"""flux-path — a Flux Kustomization's spec.path exists in its source and stays inside it.

PASS::

    spec:
      path: ./apps/grafana/dev

FAIL::

    spec:
      path: ../../outside     # climbs out of the repository
"""

import os
from pathlib import Path

from infometis.model import ERROR

ID = "flux-path"
LEVEL = ERROR


def resolve(root: Path, path: str) -> tuple[Path | None, str | None]:
    """The folder `path` names inside `root`, or why there is none. Like Flux, a path
    is relative to the source root, even when it starts with '/'; none means the root."""
    relative = path.strip().lstrip("/") or "."
    folder = Path(os.path.normpath(root / relative))
    real_root = root.resolve()
    if not (folder == root or root in folder.parents):
        return None, f"spec.path '{path}' climbs out of the source root"
    if (
        folder.exists()
        and real_root not in folder.resolve().parents
        and folder.resolve() != real_root
    ):
        return None, f"spec.path '{path}' leads (through a symlink) out of the source root"
    if not folder.is_dir():
        return None, f"spec.path '{path}' does not exist in the source"
    return folder, None
