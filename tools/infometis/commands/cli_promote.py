"""The commands that move versions between environments: promote, drift."""

from __future__ import annotations

from typing import Any

import click

from infometis.commands import completion
from infometis.commands.options import REPO_OPTION, exits, repo_args, repository_options
from infometis.commands.output import output_options


@click.command()
@click.argument("source", metavar="SRC", shell_complete=completion.environments)
@click.argument("target", metavar="DST", shell_complete=completion.environments)
@REPO_OPTION
@click.option(
    "--config", metavar="FILE", help="Configuration file (default: .infometis.yaml if present)."
)
@click.option(
    "--service", "services", multiple=True, metavar="NAME", help="Only this service (repeatable)."
)
@click.option("--dry-run", is_flag=True, help="Print the plan and stop.")
@click.option("--commit", is_flag=True, help="Commit the change on a new branch (see --branch).")
@click.option(
    "--branch",
    metavar="NAME",
    help="The branch --commit creates (default: promote/SRC-to-DST/<short-sha>).",
)
@click.option(
    "--force", is_flag=True, help="Allow skipping environments of the promotion order (dev → prod)."
)
@click.option(
    "--include-cluster-pins",
    "cluster_pins",
    is_flag=True,
    help="Also move pins outside the services (services: in .infometis.yaml, default apps/*), such "
    "as the tag clusters/DST's GitRepository follows: that moves the whole cluster.",
)
@exits
def promote(
    source: str,
    target: str,
    services: tuple[str, ...],
    dry_run: bool,
    commit: bool,
    branch: str | None,
    force: bool,
    cluster_pins: bool,
    repo: str | None,
    config: str | None,
) -> int:
    """Move the versions pinned in environment SRC into DST, as a reviewable change.

    What moves: kustomization images: (newTag, digest, newName), HelmRelease and HelmChart
    chart versions, Flux source refs (tag, semver, commit, digest) written in SRC's
    environment folders of the services (apps/<service>/SRC/ beside apps/<service>/DST/;
    `services:` in .infometis.yaml says where services are), inline patches included, and any
    value whose line ends with `# infometis:promote`. Environment fields (replicas,
    resources, domains) never move, and pins outside the services (clusters/SRC beside
    clusters/DST) only with --include-cluster-pins.

    The plan (service, file:line, field, from → to) is printed first; --dry-run stops there.
    Then, on a clean work tree, only the planned tokens are rewritten (comments, quotes and
    line endings stay), and the repository is validated before and after: an error the
    edit introduced restores the files and refuses. --commit puts the change on a branch
    with the plan and Promoted-From/Promoted-To/Source-Commit trailers in its message:
    merging it promotes, `git revert` of it rolls back.

    Exit codes: 0 promoted (or nothing to promote), 1 refused (the reason is printed),
    2 usage or setup error.
    """
    from infometis.commands.promote import promote as run_promote

    return run_promote(
        repo_args(repo=repo, config=config),
        source,
        target,
        services,
        dry_run,
        commit,
        branch,
        force,
        cluster_pins,
    )


@click.command()
@click.argument("source", metavar="[SRC", required=False, shell_complete=completion.environments)
@click.argument("target", metavar="DST]", required=False, shell_complete=completion.environments)
@repository_options
@click.option(
    "--fail-on-drift",
    is_flag=True,
    help="Exit 1 when there is true drift (pending promotions never fail).",
)
@output_options(("text", "markdown", "json"), "text")
@exits
def drift(
    source: str | None,
    target: str | None,
    fail_on_drift: bool,
    format_name: str,
    output: str | None,
    **repo: Any,
) -> int:
    """Compare environments: pending promotions and true drift (default: each step of the
    promotion order).

    Pending: pinned versions SRC has that DST does not yet (what `promote SRC DST` would
    move). Drift: fields of the rendered core objects that differ between the clusters of
    the two environments beyond the allowed environment fields (the core-invariance check,
    restricted to the two environments), e.g. a hand edit in one overlay.
    """
    if bool(source) != bool(target):
        raise click.UsageError("give both SRC and DST, or neither")
    from infometis.commands.drift import drift as run_drift

    return run_drift(repo_args(**repo), source, target, fail_on_drift, format_name, output)
