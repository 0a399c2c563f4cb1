"""The commands about what judges a repository: checks, explain, charts, schemas."""

from __future__ import annotations

import inspect
from typing import Any

import click

from infometis.commands import completion
from infometis.commands.options import (
    FLUX_VERSION_OPTION,
    REPO_OPTION,
    REPORT_FORMATS,
    exits,
    repo_args,
    repository_options,
    schema_args,
    schema_options,
)
from infometis.commands.output import output_options


@click.command("checks")
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


@click.command()
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
        "info), ignore (list of globs)"
        + "".join(
            f", {name} ({_option_type(schema)})"
            for name, schema in getattr(module, "OPTIONS", {}).items()
        )
    )
    return 0


def _option_type(schema: dict[str, Any]) -> str:
    return "list of strings" if schema.get("type") == "array" else str(schema.get("type", "any"))


@click.group()
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

    return pull(repo_args(**repo))


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

    return key(repo_args(**repo))


@click.group()
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
        list(paths), schema_args(options), skip, online, format_name, output, reject, repo, config
    )


@schemas.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@REPO_OPTION
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
@REPO_OPTION
@click.option(
    "--folder", default="schemas", show_default=True, help="The repository's schema folder."
)
@click.option(
    "--kubernetes-version",
    metavar="X.Y",
    help="Kubernetes version of the core schemas (default: the newest bundled).",
)
@FLUX_VERSION_OPTION
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
