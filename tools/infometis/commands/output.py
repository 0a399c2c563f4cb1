"""The output options every command shares, spelled as kubectl, flux and kubeconform spell
them: `-o/--output FORMAT` and `--output-file FILE`.

Earlier spellings keep working, with a warning on standard error: `--format FORMAT`, and
`-o/--output FILE` when the value is not one of the command's formats (it was the file)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click


def output_options(
    formats: tuple[str, ...], default: str | None, default_help: str = "", colored: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`-o/--output FORMAT`, `--output-file FILE` and the deprecated `--format`; the command
    function receives `format_name` (None: its own default) and `output` (the file, or None),
    and, `colored`, `color` (`--color auto|always|never`)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(
            *args: Any,
            output: str | None = None,
            format_name: str | None = None,
            output_file: str | None = None,
            **kwargs: Any,
        ) -> Any:
            chosen, file = resolve(formats, output, format_name, output_file)
            return command(*args, format_name=chosen or default, output=file, **kwargs)

        shown = default_help or (f"default: {default}" if default else "")
        options = [
            click.option(
                "--output",
                "-o",
                "output",
                metavar="FORMAT",
                shell_complete=lambda _ctx, _param, incomplete: [
                    f for f in formats if f.startswith(incomplete)
                ],
                help=f"Output format: {', '.join(formats)}" + (f" ({shown})." if shown else "."),
            ),
            click.option(
                "--output-file", metavar="FILE", help="Write to FILE instead of standard output."
            ),
            click.option(
                "--format",
                "format_name",
                type=click.Choice(formats),
                hidden=True,
                help="Deprecated spelling of -o/--output FORMAT.",
            ),
        ]
        if colored:
            options.append(
                click.option(
                    "--color",
                    type=click.Choice(["auto", "always", "never"]),
                    default="auto",
                    show_default=True,
                    help="Colour: auto is on a terminal unless NO_COLOR is set (non-empty), or "
                    "wherever FORCE_COLOR is; always and never override both.",
                )
            )
        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def resolve(
    formats: tuple[str, ...], output: str | None, format_name: str | None, output_file: str | None
) -> tuple[str | None, str | None]:
    """(format, file) from the options as given; the old spellings say what to write instead."""
    if format_name:
        _deprecated(f"--format {format_name} is deprecated: write -o {format_name}")
    if output is not None and output not in formats:
        _deprecated(
            f"-o/--output {output}: {output!r} is not a format ({', '.join(formats)}), "
            "so it is taken as the "
            "file to write, as it used to be; that spelling is deprecated: "
            f"write --output-file {output}"
        )
        if output_file:
            raise click.UsageError(
                f"-o/--output {output} and --output-file {output_file}: two files; give one"
            )
        return format_name, output
    if output and format_name and output != format_name:
        raise click.UsageError(f"-o {output} and --format {format_name}: two formats; give one")
    return output or format_name, output_file


def _deprecated(message: str) -> None:
    click.echo(f"infometis: warning: {message}", err=True)


def use_color(choice: str, output: str | None) -> bool:
    """Whether to colour the text: --color, else NO_COLOR (set and non-empty: never), else
    FORCE_COLOR (set and non-empty: always), else only on a terminal, never into a file."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return not output and sys.stdout.isatty()
