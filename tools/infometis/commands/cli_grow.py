"""The commands that grow a repository: init, new."""

from __future__ import annotations

import click

from infometis.commands.options import exits

_FORCE = click.option(
    "--force", is_flag=True, help="Write files that exist already (lists never get an entry twice)."
)
_DRY_RUN = click.option(
    "--dry-run",
    is_flag=True,
    help="Print the change as a patch (new files and edits); write nothing.",
)
_NEW_REPO = click.option(
    "--repo",
    metavar="DIR",
    help="Repository root (default: the nearest folder up from here that holds clusters/).",
)


@click.command()
@click.argument("folder", metavar="DIR")
@click.option(
    "--clusters",
    default="dev,uat,prod",
    show_default=True,
    metavar="NAMES",
    help="One cluster per environment, comma-separated: the first in mode independent, the others "
    "shared-cluster.",
)
@click.option(
    "--domain",
    default="example.internal",
    show_default=True,
    metavar="DOMAIN",
    help="Each cluster's domain is <cluster>.DOMAIN.",
)
@click.option(
    "--url",
    metavar="URL",
    help="The Git URL Flux syncs from (default: ssh://git@github.com/example/<DIR name>).",
)
@click.option(
    "--git", "use_git", is_flag=True, help="Make DIR a git repository with the files in one commit."
)
@click.option(
    "--infometis-ref",
    metavar="REF",
    help="The infometis release (a tag or commit) its CI workflow and pre-commit hooks use "
    "(default: this version's tag).",
)
@click.option(
    "--infometis-repo",
    metavar="URL",
    default="https://github.com/infometis/infometis",
    show_default=True,
    help="Where the team gets infometis: its repository or a mirror of it on the team's own Git "
    "server.",
)
@_FORCE
@_DRY_RUN
@exits
def init(
    folder: str,
    clusters: str,
    domain: str,
    url: str | None,
    use_git: bool,
    infometis_ref: str | None,
    infometis_repo: str,
    force: bool,
    dry_run: bool,
) -> int:
    """Create a new monorepo in DIR that validates clean at once.

    clusters/ (Flux entry points and cluster-settings), infrastructure/ (Traefik, configs,
    the modes the clusters use), apps/, .infometis.yaml, .pre-commit-config.yaml,
    .github/workflows/validate.yaml and a README. DIR must be new or empty (or --force).
    """
    from infometis import __version__
    from infometis.commands.new import run_init
    from infometis.generate.init import Toolkit

    toolkit = Toolkit(infometis_repo, infometis_ref or f"v{__version__}")
    return run_init(folder, clusters, domain, url, use_git, force, dry_run, toolkit)


@click.group()
def new() -> None:
    """Grow the repository: a service, an environment, a cluster or a mode.

    Each generator writes new files from templates and adds them to the lists that name
    them (kustomization resources), changing only the lines it inserts; the result
    validates at once. An existing name is refused (or --force); --dry-run shows the patch.
    """


@new.command("service")
@click.argument("name")
@click.option(
    "--image", required=True, metavar="REPOSITORY:TAG", help="The container image, pinned to a tag."
)
@click.option("--port", type=int, metavar="N", help="The port the container serves (default 8080).")
@click.option(
    "--route",
    is_flag=True,
    help="Route it at the border: an IngressRoute for NAME.${domain} in apps/NAME/border.",
)
@click.option(
    "--kind",
    type=click.Choice(["deployment", "statefulset"]),
    default="deployment",
    show_default=True,
)
@click.option(
    "--config-type",
    type=click.Choice(["topics", "indices", "flows"]),
    help="Add a desired-state ConfigMap of this type (NAME-TYPE-desired) to the base.",
)
@_NEW_REPO
@_FORCE
@_DRY_RUN
@exits
def new_service(
    name: str,
    image: str,
    port: int | None,
    route: bool,
    kind: str,
    config_type: str | None,
    repo: str | None,
    force: bool,
    dry_run: bool,
) -> int:
    """A service: apps/NAME/base, an overlay per environment, a Flux Kustomization per cluster."""
    from infometis.commands.new import run_service

    return run_service(repo, name, image, port, route, kind, config_type, force, dry_run)


@new.command("environment")
@click.argument("name")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="ENV",
    help="The environment whose overlays (and pinned versions) are copied.",
)
@_NEW_REPO
@_FORCE
@_DRY_RUN
@exits
def new_environment(name: str, source: str, repo: str | None, force: bool, dry_run: bool) -> int:
    """An environment: every service's ENV overlay copied as apps/<service>/NAME."""
    from infometis.commands.new import run_environment

    return run_environment(repo, name, source, force, dry_run)


@new.command("cluster")
@click.argument("name")
@click.option(
    "--environment",
    required=True,
    metavar="ENV",
    help="The environment the cluster runs (its services' overlays).",
)
@click.option(
    "--mode",
    required=True,
    metavar="MODE",
    help="independent, shared-cluster, or a mode of infrastructure/modes/.",
)
@click.option(
    "--domain",
    metavar="DOMAIN",
    help="The cluster's domain (default: NAME. and the domain the other clusters share).",
)
@_NEW_REPO
@_FORCE
@_DRY_RUN
@exits
def new_cluster(
    name: str,
    environment: str,
    mode: str,
    domain: str | None,
    repo: str | None,
    force: bool,
    dry_run: bool,
) -> int:
    """A cluster: clusters/NAME with its settings, its border and every service of ENV."""
    from infometis.commands.new import run_cluster

    return run_cluster(repo, name, environment, mode, domain, force, dry_run)


@new.command("mode")
@click.argument("name")
@_NEW_REPO
@_FORCE
@_DRY_RUN
@exits
def new_mode(name: str, repo: str | None, force: bool, dry_run: bool) -> int:
    """A mode: the skeleton of a border adaptation in infrastructure/modes/NAME."""
    from infometis.commands.new import run_mode

    return run_mode(repo, name, force, dry_run)
