"""`infometis get`: the inventory of each cluster (Flux Kustomizations, HelmReleases, sources,
images) as a table, a wide table, JSON or YAML."""

from __future__ import annotations

import json
from typing import Any

from infometis.analysis import inventory
from infometis.commands.build import report_errors
from infometis.commands.common import RepoArgs, options, write
from infometis.load.yamlio import dump
from infometis.model.errors import ConfigError
from infometis.render.pipeline import run_repository

OUTPUTS = ("table", "wide", "json", "yaml")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(map(str, value)) or "-"
    return str(value) or "-"


def table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """Left-aligned columns under upper-case headers, as kubectl prints them."""
    cells = [[column.upper() for column in columns]] + [
        [_cell(row[c]) for c in columns] for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "".join(
        "   ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in cells
    )


def get(args: RepoArgs, what: str, output_format: str, output: str | None) -> int:
    view = inventory.ALIASES.get(what, what)
    if view not in inventory.VIEWS:
        raise ConfigError(f"get {what}: no such view (views: {', '.join(inventory.VIEWS)})")
    run = run_repository(options(args))
    rows = inventory.VIEWS[view](run)
    if output_format == "json":
        text = (
            json.dumps({"version": 1, "kind": view, "items": rows}, indent=2, ensure_ascii=False)
            + "\n"
        )
    elif output_format == "yaml":
        text = dump({"version": 1, "kind": view, "items": rows})
    else:
        columns = tuple(rows[0]) if rows and output_format == "wide" else inventory.COLUMNS[view]
        text = table(rows, columns) if rows else f"no {view} found\n"
    write(text, output, run.hidden)
    return report_errors(run)
