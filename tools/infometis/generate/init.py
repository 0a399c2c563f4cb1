"""`infometis init DIR`: a new monorepo with every top-level part, valid at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from infometis import __version__
from infometis.generate import templates
from infometis.generate.cluster import (
    INDEPENDENT,
    TENANT_MODE,
    add_border,
    add_cluster,
    default_url,
)
from infometis.generate.plan import GenerateError, Plan
from infometis.generate.repo import Cluster, check_domain, check_name
from infometis.load import git
from infometis.load.runner import run


@dataclass(frozen=True)
class Toolkit:
    """Where the new repository's CI and hooks get infometis: a Git URL (this project's repository
    or a team's mirror) and a release of it (a tag or a commit)."""

    url: str = "https://github.com/infometis/infometis"
    ref: str = f"v{__version__}"

    @property
    def action(self) -> str:
        """`uses:` of the composite action: OWNER/NAME on the server that runs the workflow."""
        match = re.fullmatch(
            r"(?:[a-z+]+://[^/]+/|[^@/]+@[^:/]+:)(?P<slug>[^/\s]+/[^/\s]+?)(?:\.git)?/?", self.url
        )
        if match is None:
            raise GenerateError(
                f"--infometis-repo {self.url!r} is not the URL of a repository OWNER/NAME "
                "on a Git server "
                "(e.g. https://github.com/infometis/infometis, or a mirror of it)"
            )
        return match["slug"]

    @property
    def pin_note(self) -> str:
        """A release tag, not a commit, in `uses:`: said where auditors (zizmor) look."""
        if re.fullmatch(r"[0-9a-f]{40}", self.ref):
            return ""
        return (
            "  # zizmor: ignore[unpinned-uses] a release tag; "
            "--infometis-ref COMMIT pins its commit"
        )

    def check(self) -> Toolkit:
        if not re.fullmatch(r"[\w][\w.+/-]*", self.ref):
            raise GenerateError(
                f"--infometis-ref {self.ref!r} is not a tag or commit (e.g. v{__version__})"
            )
        self.action  # noqa: B018  (refuses a URL that names no repository)
        return self


def parse_clusters(text: str, domain: str) -> list[Cluster]:
    """`dev,uat,prod`: one cluster per environment, the first `independent`, the others
    `shared-cluster`."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise GenerateError("--clusters needs at least one name, e.g. --clusters dev,uat,prod")
    if len(set(names)) != len(names):
        raise GenerateError(f"--clusters names a cluster twice: {text}")
    check_domain(domain)
    return [
        Cluster(
            check_name(name, "cluster"),
            name,
            INDEPENDENT if index == 0 else TENANT_MODE,
            f"{name}.{domain}",
        )
        for index, name in enumerate(names)
    ]


def plan_init(
    root: Path, clusters: list[Cluster], url: str | None, toolkit: Toolkit = Toolkit()
) -> Plan:
    plan = Plan(root)
    url = url or default_url(root)
    listed = ", ".join(f"`{c.name}` ({c.mode}, `{c.domain}`)" for c in clusters)
    environments = list(dict.fromkeys(cluster.environment for cluster in clusters))
    promotion = (
        (
            f"# The order pinned versions move through the environments "
            f"(`infometis promote SRC DST`).\n"
            f"promotion: [{', '.join(environments)}]\n"
        )
        if len(environments) > 1
        else ""
    )
    toolkit.check()
    values = dict(
        infometis_url=toolkit.url,
        infometis_ref=toolkit.ref,
        infometis_action=toolkit.action,
        infometis_pin_note=toolkit.pin_note,
        title=root.resolve().name,
        url=url,
        cluster_list=listed,
        promotion=promotion,
    )
    for path, text in templates.tree("repo", **values).items():
        plan.create(path, text)
    for cluster in clusters:
        add_border(plan, cluster.mode)
        add_cluster(plan, cluster, url, [])
    for cluster in clusters:
        plan.notes.append(
            f"cluster {cluster.name}: environment {cluster.environment}, mode {cluster.mode}, "
            f"domain {cluster.domain}"
        )
    plan.notes.append(
        f"next: cd {root} && infometis validate; "
        "then infometis new service NAME --image REPOSITORY:TAG"
    )
    return plan


def refuse_non_empty(root: Path, force: bool) -> None:
    if root.exists() and not root.is_dir():
        raise GenerateError(f"{root} is a file: name a new or empty folder")
    if root.is_dir() and any(item.name != ".git" for item in root.iterdir()) and not force:
        raise GenerateError(
            f"{root} is not empty: name a new or empty folder, or pass --force to write into it"
        )


def require_identity(root: Path) -> None:
    """--git commits: refuse before writing anything when git has no identity to commit with."""
    if not git.has_identity(root if root.is_dir() else Path.cwd()):
        raise GenerateError(
            "--git needs a git identity to commit with: "
            'run `git config --global user.name "Your Name"` '
            "and `git config --global user.email you@example.com` (or leave out --git)"
        )


def commit(root: Path) -> None:
    for command in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["commit", "-q", "-m", "infometis init"],
    ):
        result = run(["git", "-C", str(root), *command], timeout=120)
        if result.returncode != 0:
            raise GenerateError(
                f"git {command[0]} failed in {root}: "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
