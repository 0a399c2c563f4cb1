"""The `infometis` command line: each command parses options and calls one function."""

from __future__ import annotations

import functools
import inspect
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click

from infometis.commands import completion
from infometis.commands.output import output_options
from infometis.model.errors import InfometisError, Terminated

if TYPE_CHECKING:
    from infometis.analysis.selection import Selection
    from infometis.commands.common import RepoArgs, SchemaArgs

# The report formats' names, without importing the reporters (and every check with them) for
# `--help`; a test holds this list to the registry.
REPORT_FORMATS = ("github", "json", "junit", "sarif", "text")


def repository_options(
    command: Callable[..., Any] | None = None, *, cluster_option: bool = True
) -> Callable[..., Any]:
    """The options of every command that reads the repository."""
    if command is None:
        return functools.partial(repository_options, cluster_option=cluster_option)
    decorators = [
        click.option(
            "--repo",
            metavar="DIR",
            help="Repository root (default: the git top level of the current folder).",
        ),
        click.option(
            "--path",
            "paths",
            multiple=True,
            metavar="[CLUSTER=]DIR",
            help="A cluster's entry folder, relative to the repository (repeatable; default: each "
            "clusters/<name>/).",
        ),
        click.option(
            "--source",
            "sources",
            multiple=True,
            metavar="KIND/[NAMESPACE/]NAME=DIR",
            help="Render a Flux source from a local folder (repeatable), e.g. "
            "GitRepository/flux-system/apps=./apps.",
        ),
        click.option(
            "--cluster",
            "clusters",
            multiple=True,
            metavar="NAME",
            shell_complete=completion.clusters,
            help="Only these clusters (repeatable).",
        )
        if cluster_option
        else None,
        click.option(
            "--config",
            metavar="FILE",
            help="Configuration file (default: .infometis.yaml if present).",
        ),
        click.option(
            "--select",
            multiple=True,
            metavar="CHECK",
            shell_complete=completion.check_ids,
            help="Report only these checks (repeatable).",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="CHECK",
            shell_complete=completion.check_ids,
            help="Do not report these checks (repeatable).",
        ),
        click.option(
            "--online",
            is_flag=True,
            help="Allow remote kustomize resources and pull charts missing from the chart cache "
            "(the network is off by default).",
        ),
        click.option(
            "--require-charts",
            is_flag=True,
            help="A HelmRelease whose chart is not in the chart cache is an error.",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            metavar="N",
            help="Parallel renders (default: the number of cores).",
        ),
        click.option(
            "--cache-dir",
            metavar="DIR",
            help="Keep renders here across runs (default: $INFOMETIS_CACHE_DIR, "
            "else $XDG_CACHE_HOME/infometis, else ~/.cache/infometis).",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Render everything again; read and write no cache."
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command) if decorator else command
    return command


_FLUX_VERSION = click.option(
    "--flux-version",
    metavar="X.Y",
    help="Validate Flux objects against the bundled schemas of this Flux release line "
    "(default: flux.version in .infometis.yaml, else the newest bundled).",
)


def schema_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of the commands that validate against schemas."""
    decorators = [
        click.option(
            "--kubernetes-version",
            metavar="X.Y",
            help="Validate against this Kubernetes version (default: kubernetesVersion in "
            ".infometis.yaml, "
            "else the newest the bundled schemas cover).",
        ),
        _FLUX_VERSION,
        click.option(
            "--strict/--no-strict",
            default=True,
            show_default=True,
            help="Unknown fields are errors (--no-strict admits them).",
        ),
        click.option(
            "--schema-location",
            "schema_locations",
            multiple=True,
            metavar="TEMPLATE",
            help="More schemas, after the repository's and the bundled ones: a file path or URL in "
            "kubeconform's "
            "template syntax, e.g. "
            "../crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json "
            "(repeatable; URLs only with --online, cached on disk).",
        ),
        click.option(
            "--missing-schemas",
            type=click.Choice(["error", "warning", "ignore"]),
            default="warning",
            show_default=True,
            help="What a kind with no schema anywhere is.",
        ),
        click.option(
            "--engine",
            type=click.Choice(["builtin", "kubeconform"]),
            default="builtin",
            show_default=True,
            help="builtin, or the kubeconform found on PATH (same options, same problems).",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Which rendered resources `build` and `diff` show."""
    decorators = [
        click.option(
            "--skip-kinds",
            multiple=True,
            metavar="KIND[,KIND]",
            help="Leave out these kinds (repeatable).",
        ),
        click.option("--skip-secrets", is_flag=True, help="Leave out Secrets."),
        click.option("--skip-crds", is_flag=True, help="Leave out CustomResourceDefinitions."),
        click.option(
            "--selector",
            "-l",
            metavar="SELECTOR",
            help="Only resources whose labels match, in kubectl's syntax: key=value, key!=value, "
            "key in (a,b), key notin (a,b), key, !key (comma-separated: all must match).",
        ),
        click.option(
            "--namespace",
            "namespaces",
            multiple=True,
            metavar="NAME",
            help="Only resources in this namespace (repeatable).",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _selection(options: dict[str, Any]) -> Selection:
    from infometis.analysis.selection import Selection

    return Selection.of(
        options.pop("skip_kinds"),
        options.pop("skip_secrets"),
        options.pop("skip_crds"),
        options.pop("selector"),
        options.pop("namespaces"),
    )


def _repo_args(**options: Any) -> RepoArgs:
    from infometis.commands.common import RepoArgs

    return RepoArgs(**options)


def _schema_args(options: dict[str, Any]) -> SchemaArgs:
    from infometis.commands.common import SchemaArgs

    return SchemaArgs(
        options.pop("kubernetes_version"),
        options.pop("strict"),
        options.pop("schema_locations"),
        options.pop("missing_schemas"),
        options.pop("engine"),
        options.pop("flux_version"),
    )


def _shard(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, int] | None:
    if value is None:
        return None
    from infometis.run.shard import parse

    try:
        return parse(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _terminate(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise Terminated()


def _terminate_as_interrupt() -> None:
    """SIGTERM (a CI job cancelled, a container stopped) unwinds as Ctrl-C does: every writer
    restores its files and every temporary folder, lock and worktree is removed."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


def exits(function: Callable[..., int]) -> Callable[..., NoReturn]:
    """Run a command function; its return value is the exit code, setup errors exit 2."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> NoReturn:
        try:
            _terminate_as_interrupt()
            code = function(*args, **kwargs)
        except InfometisError as err:
            click.echo(f"infometis: error: {err}", err=True)
            code = err.exit_code
        except Terminated:
            code = 143  # 128 + SIGTERM, as a shell reports it
        except KeyboardInterrupt:
            code = 130
        except BrokenPipeError:  # `infometis … | head`: the reader has all it wanted
            os.dup2(
                os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno()
            )  # nothing more to flush at exit
            code = 141  # 128 + SIGPIPE, as a shell reports it
        except click.ClickException:  # a usage error: click says it with the usage line, exit 2
            raise
        except Exception as err:  # never a traceback for the user
            if os.environ.get("INFOMETIS_DEBUG"):
                raise
            click.echo(
                f"infometis: internal error: {type(err).__name__}: {err} "
                "(set INFOMETIS_DEBUG=1 for the traceback, and please report it)",
                err=True,
            )
            code = 2
        sys.exit(code)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    None,
    "--version",
    package_name="infometis",
    prog_name="infometis",
    message="%(prog)s %(version)s",
    help="Show the version of infometis (the package's, read without running anything).",
)
def main() -> None:
    """Validate, render, diff, promote and generate the Flux + Kustomize layouts of a GitOps
    monorepo.

    Exit codes: 0 clean (warnings allowed), 1 error-level problems, 2 usage,
    configuration or setup error.
    """


@main.command()
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
    "tree, "
    "untracked files included) can affect.",
)
@click.option(
    "--shard",
    metavar="I/N",
    callback=_shard,
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

    schema = _schema_args(repo)
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose: give one")
    return run_validate(
        _repo_args(**repo),
        schema,
        format_name,
        output,
        files,
        counts_to,
        changed_since,
        color,
        verbose - quiet,
    )


@main.command()
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

    selection = _selection(repo)
    return run_build(_repo_args(**repo), cluster, kustomization, output, selection)


@main.command()
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

    return run_graph(_repo_args(**repo), cluster, format_name, output)


@main.command()
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

    return run_get(_repo_args(**repo), what, output_format, output_file)


@main.command()
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

    selection = _selection(repo)
    return run_diff(
        _repo_args(**repo),
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


@main.command()
@click.argument("source", metavar="SRC", shell_complete=completion.environments)
@click.argument("target", metavar="DST", shell_complete=completion.environments)
@click.option(
    "--repo",
    metavar="DIR",
    help="Repository root (default: the git top level of the current folder).",
)
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
    "as "
    "the tag clusters/DST's GitRepository follows: that moves the whole cluster.",
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
        _repo_args(repo=repo, config=config),
        source,
        target,
        services,
        dry_run,
        commit,
        branch,
        force,
        cluster_pins,
    )


@main.command()
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

    return run_drift(_repo_args(**repo), source, target, fail_on_drift, format_name, output)


@main.command("checks")
@exits
def list_checks() -> int:
    """List every check: its ID, default level and what it reports (`infometis explain ID` for
    more).

    In .infometis.yaml, `checks: {ID: {enabled, level, ignore}}` adjusts one check,
    `extends: strict` turns warnings into errors, and a resource opts out of checks with
    the annotation infometis.io/ignore: "ID,ID" (counted in the summary).
    """
    from infometis.checks import REGISTRY

    width = max(map(len, REGISTRY))
    for check_id, module in REGISTRY.items():
        summary = (module.__doc__ or "").strip().splitlines()[0].split("—", 1)[-1].strip()
        click.echo(f"{check_id:<{width}}  {module.LEVEL:<7}  {summary}")
    return 0


@main.command()
@click.argument("check_id", metavar="ID", shell_complete=completion.check_ids)
@exits
def explain(check_id: str) -> int:
    """Print a check's documentation, with a passing and a failing example."""
    from infometis.checks import REGISTRY
    from infometis.model.errors import ConfigError

    if check_id not in REGISTRY:
        raise ConfigError(f"no such check: {check_id} (checks: {', '.join(REGISTRY)})")
    module = REGISTRY[check_id]
    title, _, body = inspect.cleandoc(
        module.__doc__ or f"{check_id} — (no documentation)"
    ).partition("\n")
    click.echo(f"{title.rstrip('.')} (default level: {module.LEVEL})\n{body}")
    click.echo(
        f"\nIn .infometis.yaml, checks.{check_id} takes: enabled (boolean), level (error, warning, "
        "info), "
        "ignore (list of globs)"
        + "".join(
            f", {name} ({_option_type(schema)})"
            for name, schema in getattr(module, "OPTIONS", {}).items()
        )
    )
    return 0


def _option_type(schema: dict[str, Any]) -> str:
    return "list of strings" if schema.get("type") == "array" else str(schema.get("type", "any"))


@main.group()
def charts() -> None:
    """The chart cache HelmReleases are rendered from (next to the render cache)."""


@charts.command("pull")
@repository_options
@exits
def charts_pull(**repo: Any) -> int:
    """Fetch the chart of every HelmRelease into the chart cache (this uses the network).

    Version ranges resolve to the highest version the repository or registry lists, as
    source-controller does; `validate` then renders from the cache, offline.
    """
    from infometis.commands.charts import pull

    return pull(_repo_args(**repo))


@charts.command("key")
@repository_options
@exits
def charts_key(**repo: Any) -> int:
    """Print the key a CI cache of the chart cache is kept under.

    A hash of every HelmRelease's chart source (kind, URL, chart, version or range, digest):
    it changes when a source spec changes, so `actions/cache` restores the charts a run
    needs, then `charts pull` fetches only what the cache does not hold.
    """
    from infometis.commands.charts import key

    return key(_repo_args(**repo))


@main.group()
def schemas() -> None:
    """The schemas resources are validated against: check plain manifests, import CRDs, list.

    Schemas are looked up in this order: the repository's schemas/ folder
    (<group>/<kind>_<version>.json), CustomResourceDefinitions in the repository, the bundled
    Kubernetes (kubernetes-validate), Flux (one release line), Traefik and Gateway API schemas,
    then --schema-location.
    """


@schemas.command("check")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@schema_options
@click.option(
    "--skip",
    multiple=True,
    metavar="KIND",
    help="Do not validate this kind: Kind or group/version/Kind, as kubeconform (repeatable or "
    "comma-separated).",
)
@click.option(
    "--reject", multiple=True, metavar="KIND", help="This kind is an error (same forms as --skip)."
)
@click.option("--online", is_flag=True, help="Allow remote --schema-location URLs.")
@click.option(
    "--repo",
    metavar="DIR",
    help="The repository whose schemas/ folder and .infometis.yaml apply (default: the git top "
    "level of "
    "the current folder, if any).",
)
@click.option(
    "--config",
    metavar="FILE",
    help="Configuration file (default: the repository's .infometis.yaml if present).",
)
@output_options(REPORT_FORMATS, "text")
@exits
def schemas_check(
    paths: tuple[str, ...],
    skip: tuple[str, ...],
    reject: tuple[str, ...],
    online: bool,
    repo: str | None,
    config: str | None,
    format_name: str,
    output: str | None,
    **options: Any,
) -> int:
    """Validate plain manifests, as kubeconform does: no Flux layout needed.

    PATH is a file, a folder (every .yaml, .yml and .json under it) or - for standard
    input. List kinds are expanded; CRDs among the files validate their own resources;
    kustomize's own files (kustomization.yaml) are skipped: they are build inputs.
    Inside a repository, its schemas/ folder (what `schemas import` writes) comes first and its
    .infometis.yaml gives the Kubernetes and Flux versions, as for `validate`.
    Exit 1 when a resource is invalid or cannot be read.
    """
    from infometis.commands.schemas import check

    return check(
        list(paths), _schema_args(options), skip, online, format_name, output, reject, repo, config
    )


@schemas.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option(
    "--repo",
    metavar="DIR",
    help="Repository root (default: the git top level of the current folder).",
)
@click.option(
    "--folder", default="schemas", show_default=True, help="The repository's schema folder."
)
@click.option(
    "--strict/--no-strict",
    default=True,
    show_default=True,
    help="Write strict schemas (unknown fields are errors).",
)
@exits
def schemas_import(paths: tuple[str, ...], repo: str | None, folder: str, strict: bool) -> int:
    """Convert the CustomResourceDefinitions in FILE|DIR into the repository's schema folder.

    Each served version becomes <folder>/<group>/<kind>_<version>.json, the layout
    kubeconform's --schema-location and the CRDs-catalog use: vendor a CRD once and
    validate offline for good.
    """
    from infometis.commands.schemas import import_crds

    return import_crds(list(paths), repo, folder, strict)


@schemas.command("list")
@click.option(
    "--repo",
    metavar="DIR",
    help="Repository root (default: the git top level of the current folder).",
)
@click.option(
    "--folder", default="schemas", show_default=True, help="The repository's schema folder."
)
@click.option(
    "--kubernetes-version",
    metavar="X.Y",
    help="Kubernetes version of the core schemas (default: the newest bundled).",
)
@_FLUX_VERSION
@exits
def schemas_list(
    repo: str | None, folder: str, kubernetes_version: str | None, flux_version: str | None
) -> int:
    """List the kinds covered offline, and where each schema comes from."""
    from infometis.commands.common import SchemaArgs
    from infometis.commands.schemas import list_schemas

    return list_schemas(
        repo, folder, SchemaArgs(kubernetes_version=kubernetes_version, flux_version=flux_version)
    )


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


@main.command()
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


@main.group()
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


if __name__ == "__main__":
    main(
        prog_name="infometis"
    )  # python -m infometis.commands.main: the same name, and the same completion variable
