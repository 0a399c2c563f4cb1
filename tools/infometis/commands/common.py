"""Turning the options shared by every repository-reading command into pipeline Options."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from infometis.checks import OPTIONS as CHECK_OPTIONS
from infometis.checks import REGISTRY
from infometis.discover import clusters
from infometis.load import config as configs
from infometis.load import git
from infometis.load.config import Config
from infometis.model import redact
from infometis.model.errors import ConfigError, SetupError
from infometis.render import cache, progress
from infometis.render.runs import Options
from infometis.schemas.catalog import SchemaSettings


@dataclass(frozen=True)
class RepoArgs:
    """The shared options as the user gave them."""

    repo: str | None = None
    paths: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    config: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    online: bool = False
    require_charts: bool = False
    jobs: int | None = None
    shard: tuple[int, int] | None = None  # validate --shard I/N
    # how the user named `clusters`, for the message when one does not exist
    clusters_from: str = "--cluster"
    cache_dir: str | None = None
    no_cache: bool = False


def selected_checks(args: RepoArgs) -> set[str]:
    for option, ids in (("--select", args.select), ("--ignore", args.ignore)):
        unknown = sorted(set(ids) - set(REGISTRY))
        if unknown:
            raise ConfigError(
                f"{option} {', '.join(unknown)}: no such check (checks: {', '.join(REGISTRY)})"
            )
    return (set(args.select) or set(REGISTRY)) - set(args.ignore)


@dataclass(frozen=True)
class SchemaArgs:
    """The schema options as the user gave them (None: not given)."""

    kubernetes_version: str | None = None
    strict: bool = True
    locations: tuple[str, ...] = ()
    missing: str = "warning"
    engine: str = "builtin"
    flux_version: str | None = None


def schema_settings(args: SchemaArgs, config: Config, online: bool) -> SchemaSettings:
    settings = SchemaSettings(
        args.kubernetes_version or config.kubernetes_version or "",
        args.strict,
        args.locations,
        args.missing,
        online,
        engine=args.engine,
        flux_version=args.flux_version or config.flux_version or "",
    )
    # an unknown Kubernetes or Flux version is a usage error, before any rendering
    settings.version()
    settings.flux_line()
    return settings


def options(args: RepoArgs, schema: SchemaArgs | None = None) -> Options:
    repo = Path(args.repo).resolve() if args.repo else git.toplevel(Path.cwd())
    if not repo.is_dir():
        raise ConfigError(f"--repo {args.repo}: no such folder")
    config = load_config(repo, args.config)
    config = replace(config, ignored=frozenset(git.ignored(repo)))
    jobs = args.jobs or os.cpu_count() or 1
    folder = cache_folder(args)
    settings = schema_settings(schema or SchemaArgs(), config, args.online)
    found = clusters.entries(repo, args.paths, args.clusters, config, args.clusters_from)
    mapped = clusters.mappings(repo, args.sources)
    named = [entry for _, entry in found] if args.paths else []
    config = config.pointed_at(
        [os.path.relpath(entry, repo) for entry in named + [m.folder for m in mapped]]
    )
    return Options(
        repo,
        found,
        mapped,
        config,
        args.online,
        jobs,
        partial=bool(args.clusters),
        schema=settings,
        shard=args.shard,
        cache_dir=folder,
        progress=progress.wanted(),
        require_charts=args.require_charts,
        charts_dir=charts_folder(args),
    )


def load_config(repo: Path, given: str | None) -> Config:
    """The repository's .infometis.yaml (or the one --config names), its check sections judged
    by the registered checks' options."""
    return configs.load(*configs.find(repo, given), CHECK_OPTIONS)


def cache_folder(args: RepoArgs) -> Path | None:
    """Where renders are kept across runs; None with --no-cache."""
    if args.no_cache:
        return None
    return Path(args.cache_dir).expanduser().resolve() if args.cache_dir else cache.default_folder()


def charts_folder(args: RepoArgs) -> Path:
    """Where the chart cache is: as the render cache, but also with --no-cache (charts are
    downloads, not renders)."""
    return Path(args.cache_dir).expanduser().resolve() if args.cache_dir else cache.default_folder()


def write(text: str, output: str | None, hidden: frozenset[str] = frozenset()) -> None:
    """A command's result, to standard output or to the --output-file file, without any of the
    `hidden` values (those of Secrets); a destination that cannot take it (a full disk, a
    folder, a missing folder) is a setup error."""
    text = redact.scrub(text, hidden)
    try:
        if output:
            Path(output).write_text(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader of standard output stopped reading (`| head`): not an error to report
    except OSError as err:
        where = f"--output-file {output}" if output else "standard output"
        raise SetupError(f"cannot write to {where}: {err.strerror or err}") from None
