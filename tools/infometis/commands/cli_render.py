"""The commands that render the repository: validate, build, graph, get, diff."""

from __future__ import annotations

from typing import Any

import click

from infometis.commands import completion
from infometis.commands.options import (
    REPORT_FORMATS,
    exits,
    parse_shard,
    repo_args,
    repository_options,
    schema_args,
    schema_options,
    selection_of,
    selection_options,
)
from infometis.commands.output import output_options


@click.command()
@click.argument("files", nargs=-1, metavar="[FILE]...")
@repository_options
@schema_options
@output_options(
    REPORT_FORMATS, None, "default: github under GitHub Actions, else text", colored=True
)
@click.option(
    "--counts-to",
    metavar="FILE",
    help="Also append errors=N, warnings=N and infos=N lines to FILE (e.g. $GITHUB_OUTPUT).",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="List error-level problems only (the summary still counts every level).",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Also say on standard error what was read: the schemas' versions, each cluster's renders.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Report only what the files changed since REF (its merge-base with HEAD, to the working "
    "tree, untracked files included) can affect.",
)
@click.option(
    "--shard",
    metavar="I/N",
    callback=parse_shard,
    help="Validate shard I of N (a CI matrix): the services split by size, each with all its "
    "clusters; problems outside the services are shard 1's. The N shards together report "
    "what one run reports.",
)
@exits
def validate(
    files: tuple[str, ...],
    format_name: str | None,
    output: str | None,
    color: str,
    counts_to: str | None,
    quiet: bool,
    verbose: bool,
    changed_since: str | None,
    **repo: Any,
) -> int:
    """Render every Flux Kustomization of every cluster as Flux would, and report every problem.

    FILES (as a pre-commit hook passes them) and --changed-since REF: report only what the
    changed files can affect (the Flux Kustomizations whose renders read them, those that
    depend on these, and what the checks find there); when none of them can change what the
    clusters receive, say so and exit 0.

    Each cluster's entry folder (clusters/<name>/ unless --path says otherwise) is rendered,
    then every Flux Kustomization found in it, then theirs, with the real kustomize and
    Flux's postBuild substitution; every resource is then checked against its kind's
    schema, offline (see `infometis schemas --help`). Nothing is written to the repository.
    """
    from infometis.commands.validate import validate as run_validate

    schema = schema_args(repo)
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose: give one")
    return run_validate(
        repo_args(**repo),
        schema,
        format_name,
        output,
        files,
        counts_to,
        changed_since,
        color,
        verbose - quiet,
    )


@click.command()
@click.argument("cluster", shell_complete=completion.clusters)
@repository_options(cluster_option=False)
@click.option(
    "--kustomization",
    "-k",
    metavar="[NAMESPACE/]NAME",
    help="Only this Flux Kustomization's resources.",
)
@selection_options
@output_options(("yaml",), "yaml")
@exits
def build(
    cluster: str, kustomization: str | None, format_name: str, output: str | None, **repo: Any
) -> int:
    """Print what Flux would apply to CLUSTER: every resource, rendered and substituted.

    Resources come grouped by Flux Kustomization (a comment line names each one), in the
    order Flux can apply them: after the Kustomization that creates them and after those
    they dependsOn. Render errors go to standard error and make the exit code 1.
    """
    from infometis.commands.build import build as run_build

    selection = selection_of(repo)
    return run_build(repo_args(**repo), cluster, kustomization, output, selection)


@click.command()
@click.argument("cluster", required=False, shell_complete=completion.clusters)
@repository_options
@output_options(
    ("text", "mermaid", "dot"),
    "text",
    "default: text; mermaid is a flowchart for a pull request or README, dot is Graphviz",
)
@exits
def graph(cluster: str | None, format_name: str, output: str | None, **repo: Any) -> int:
    """Draw the Flux dependency graph of CLUSTER (default: every cluster).

    Each cluster, with the environment and mode its cluster-settings declare and the source
    most Kustomizations read, holds its Flux Kustomizations (name and path), numbered in
    apply order in text; in mermaid and dot, an edge comes from what each waits for (its
    dependsOn, else the Kustomization that creates it), a dashed one from any other source.
    """
    from infometis.commands.build import graph as run_graph

    return run_graph(repo_args(**repo), cluster, format_name, output)


@click.command()
@click.argument("what", metavar="ks|hr|sources|images")
@repository_options
@click.option(
    "--output",
    "-o",
    "output_format",
    type=click.Choice(["table", "wide", "json", "yaml"]),
    default="table",
    show_default=True,
    help="A table, a table with every field, or JSON/YAML for tools.",
)
@click.option("--output-file", metavar="FILE", help="Write to FILE instead of standard output.")
@exits
def get(what: str, output_format: str, output_file: str | None, **repo: Any) -> int:
    """List what each cluster holds, from its renders.

    \b
    ks       Flux Kustomizations: path, source, dependsOn, how the render went
    hr       HelmReleases: chart, version, chart source
    sources  Flux sources: Git, OCI and Helm repositories, buckets, charts, artifacts
    images   the images each cluster runs (containers of every kind, image volumes)

    Render errors go to standard error and make the exit code 1.
    """
    from infometis.commands.get import get as run_get

    return run_get(repo_args(**repo), what, output_format, output_file)


@click.command()
@repository_options
@click.option(
    "--base",
    metavar="REF",
    help="The revision to compare with (default: the merge-base of HEAD and main).",
)
@click.option(
    "--head",
    metavar="REF",
    help="The revision under review (default: the working tree, uncommitted changes included).",
)
@output_options(
    ("text", "markdown", "json"),
    "text",
    "default: text, coloured on a terminal; markdown is for a pull-request comment",
    colored=True,
)
@click.option(
    "--budget",
    type=click.IntRange(min=500),
    default=65_000,
    show_default=True,
    metavar="CHARS",
    help="Markdown size limit: full diffs, else one line per resource, else counts; says what was "
    "cut.",
)
@click.option("--keep-noise", is_flag=True, help="Keep Helm chart labels and checksum annotations.")
@click.option(
    "--limit-bytes",
    type=click.IntRange(min=1),
    metavar="N",
    help="At most N bytes of each resource's diff (the rest is counted, not shown).",
)
@selection_options
@exits
def diff(
    base: str | None,
    head: str | None,
    format_name: str,
    color: str,
    budget: int,
    keep_noise: bool,
    limit_bytes: int | None,
    output: str | None,
    **repo: Any,
) -> int:
    """Show what each cluster would receive differently between two revisions.

    Both revisions are rendered whole, as `validate` renders them (the base from a temporary
    git worktree; unchanged renders from the cache), so a change to a Flux Kustomization's
    spec or to what it substitutes from shows its effect; resources are matched by ID and
    shown added, removed or changed with a unified diff of their YAML.
    kustomize's hashed ConfigMap/Secret names show as renames, Secret values never show.
    Exit codes as diff(1): 0 no difference, 1 differences, 2 trouble (a missing revision,
    a render that fails on either side).

    With DIFF set in the environment (e.g. DIFF="diff -u -N -r" or "dyff between"), text output
    comes from that program, run on two folders holding one file per resource (Secret values
    redacted), as kubectl diff runs KUBECTL_EXTERNAL_DIFF.
    """
    from infometis.commands.diff import diff as run_diff

    selection = selection_of(repo)
    return run_diff(
        repo_args(**repo),
        base,
        head,
        format_name,
        output,
        budget,
        keep_noise,
        selection,
        limit_bytes,
        color,
    )
