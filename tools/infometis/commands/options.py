"""The options commands share, as click decorators, and how a command's outcome becomes its
exit code."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click

from infometis.commands import completion
from infometis.model.errors import InfometisError, Terminated

if TYPE_CHECKING:
    from infometis.analysis.selection import Selection
    from infometis.commands.common import RepoArgs, SchemaArgs

# The report formats' names, without importing the reporters (and every check with them) for
# `--help`; a test holds this list to the registry.
REPORT_FORMATS = ("github", "json", "junit", "sarif", "text")


REPO_OPTION = click.option(
    "--repo",
    metavar="DIR",
    help="Repository root (default: the git top level of the current folder).",
)


def repository_options(
    command: Callable[..., Any] | None = None, *, cluster_option: bool = True
) -> Callable[..., Any]:
    """The options of every command that reads the repository."""
    if command is None:
        return functools.partial(repository_options, cluster_option=cluster_option)
    decorators = [
        REPO_OPTION,
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


FLUX_VERSION_OPTION = click.option(
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
        FLUX_VERSION_OPTION,
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


def selection_of(options: dict[str, Any]) -> Selection:
    from infometis.analysis.selection import Selection

    return Selection.of(
        options.pop("skip_kinds"),
        options.pop("skip_secrets"),
        options.pop("skip_crds"),
        options.pop("selector"),
        options.pop("namespaces"),
    )


def repo_args(**options: Any) -> RepoArgs:
    from infometis.commands.common import RepoArgs

    return RepoArgs(**options)


def schema_args(options: dict[str, Any]) -> SchemaArgs:
    from infometis.commands.common import SchemaArgs

    return SchemaArgs(
        options.pop("kubernetes_version"),
        options.pop("strict"),
        options.pop("schema_locations"),
        options.pop("missing_schemas"),
        options.pop("engine"),
        options.pop("flux_version"),
    )


def parse_shard(
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
            # nothing more to flush at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
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
