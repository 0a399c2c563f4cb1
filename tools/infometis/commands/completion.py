"""Shell completion of the names a repository defines: clusters, environments, check IDs.

Click drives it (`_INFOMETIS_COMPLETE=bash_source infometis`, see the README); each function
here answers for one kind of value and never fails: a repository it cannot read completes
nothing."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click


def _repository(ctx: click.Context | None) -> Path | None:
    given = ctx.params.get("repo") if ctx else None
    if given:
        return Path(given)
    from infometis.load import git

    found = git.query(Path.cwd(), "rev-parse", "--show-toplevel")
    return Path(found) if found else None


def _starting(names: Iterable[str], incomplete: str) -> list[str]:
    return sorted(name for name in set(names) if name.startswith(incomplete))


def clusters(
    ctx: click.Context | None, _param: click.Parameter | None, incomplete: str
) -> list[str]:
    """The clusters/<name>/ folders of the repository."""
    repo = _repository(ctx)
    folder = repo / "clusters" if repo else None
    return (
        _starting((d.name for d in folder.iterdir() if d.is_dir()), incomplete)
        if folder and folder.is_dir()
        else []
    )


def environments(
    ctx: click.Context | None, _param: click.Parameter | None, incomplete: str
) -> list[str]:
    """The environments of the promotion order (`promotion:` in .infometis.yaml, else dev, uat,
    prod)."""
    repo = _repository(ctx)
    if repo is None:
        return []
    from infometis.commands.common import load_config
    from infometis.model.errors import InfometisError

    try:
        return _starting(load_config(repo, None).promotion, incomplete)
    except InfometisError:
        return []


def check_ids(
    _ctx: click.Context | None, _param: click.Parameter | None, incomplete: str
) -> list[str]:
    from infometis.checks import REGISTRY

    return _starting(REGISTRY, incomplete)
