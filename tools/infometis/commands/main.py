"""The `infometis` command line: each command parses options and calls one function."""

from __future__ import annotations

import click

from infometis.commands import cli_catalog, cli_grow, cli_promote, cli_render


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


for command in (
    cli_render.validate,
    cli_render.build,
    cli_render.graph,
    cli_render.get,
    cli_render.diff,
    cli_promote.promote,
    cli_promote.drift,
    cli_catalog.list_checks,
    cli_catalog.explain,
    cli_catalog.charts,
    cli_catalog.schemas,
    cli_grow.init,
    cli_grow.new,
):
    main.add_command(command)


if __name__ == "__main__":
    # python -m infometis.commands.main: the same name, and the same completion variable
    main(prog_name="infometis")
