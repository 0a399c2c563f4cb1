"""`infometis drift [SRC DST]`: what one environment pins that the next does not yet
(pending promotions), and where their rendered cores differ beyond what an environment
may set (true drift: a hand edit, a patch that should not be there)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, cast

from infometis.analysis import comparison, invariance
from infometis.checks import core_invariance
from infometis.commands.common import RepoArgs, options, write
from infometis.model.errors import ConfigError
from infometis.model.fieldpath import field_path, parse_patterns
from infometis.render.pipeline import run_repository
from infometis.render.runs import RepoRun
from infometis.write import promote as promotion


@dataclass(frozen=True)
class Drift:
    service: str
    object: str
    field: str
    values: dict[str, str]  # environment → value as text
    file: str | None = None  # where the odd environment sets it (an overlay line, else the object)
    line: int | None = None


def _show(value: Any) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        return json.dumps(value) if not isinstance(value, str) else value
    text = json.dumps(value, sort_keys=True, default=repr)
    return (
        repr(value) if text.startswith('"<') else (text if len(text) <= 80 else text[:77] + "...")
    )


def true_drift(run: RepoRun, source: str, target: str) -> list[Drift]:
    """The core-invariance differences between the clusters of two environments."""
    environment = {c.name: str(c.settings.get("environment") or c.name) for c in run.clusters}
    settings = core_invariance.cluster_settings(run)
    patterns = parse_patterns(run.config.environment_fields)
    renders = core_invariance.renders_by_resource(run)
    found: list[Drift] = []
    for service, by_cluster in sorted(invariance.core_objects(run).items()):
        chosen = {
            c: objects
            for c, objects in by_cluster.items()
            if environment.get(c) in (source, target)
        }
        if len({environment[c] for c in chosen}) < 2:
            continue
        for difference in comparison.differences(
            service, chosen, patterns, {c: settings[c] for c in chosen}
        ):
            kind, _, name = difference.object
            values = {
                f"{environment[c]} ({c})" if environment[c] != c else c: _show(v)
                for c, v in sorted(difference.values.items())
            }
            where = core_invariance.locate(run, difference, chosen, renders, patterns)[2]
            found.append(
                Drift(
                    service,
                    f"{kind}/{name}",
                    field_path(difference.path),
                    values,
                    where.file,
                    where.line,
                )
            )
    return found


def drift(
    args: RepoArgs,
    source: str | None,
    target: str | None,
    fail_on_drift: bool,
    format_name: str,
    output: str | None,
) -> int:
    options_ = options(args)
    order = options_.config.promotion
    for name in filter(None, (source, target)):
        if name not in order:
            raise ConfigError(
                f"'{name}' is not an environment of the promotion order ({' → '.join(order)})"
            )
    # (the command takes both or neither)
    pairs = [(source, cast(str, target))] if source else list(zip(order, order[1:], strict=False))
    run = run_repository(options_)
    result: list[dict[str, Any]] = []
    for src, dst in pairs:
        plan = promotion.plan(options_.repo, options_.config, src, dst)
        result.append(
            {
                "source": src,
                "target": dst,
                "pending": [
                    {
                        "service": c.service,
                        "file": c.file,
                        "line": c.line,
                        "field": c.field,
                        "from": c.old,
                        "to": c.new,
                    }
                    for c in plan.changes
                ],
                "drift": [asdict(d) for d in true_drift(run, src, dst)],
            }
        )
    write(FORMATS[format_name](result), output)
    drifted = any(pair["drift"] for pair in result)
    return 1 if fail_on_drift and drifted else 0


def _text(result: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for pair in result:
        lines.append(f"{pair['source']} → {pair['target']}")
        lines.append(
            f"  pending promotions ({len(pair['pending'])}): pinned in {pair['source']}, "
            f"not yet in {pair['target']}"
        )
        lines += [
            f"    {p['service']}  {p['file']}:{p['line']}  {p['field']}  "
            f"{p['to']} (now {p['from']})"
            for p in pair["pending"]
        ]
        lines.append(
            f"  drift ({len(pair['drift'])}): rendered core fields that differ beyond "
            "the allowed environment fields"
        )
        for d in pair["drift"]:
            values = "; ".join(f"{env}: {value}" for env, value in d["values"].items())
            lines.append(f"    {d['service']}  {_at(d)}{d['object']} {d['field']}  {values}")
    return "\n".join(lines) + "\n"


def _markdown(result: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for pair in result:
        lines += [f"### {pair['source']} → {pair['target']}", ""]
        if pair["pending"]:
            lines += [
                "| service | file | field | " + pair["target"] + " | " + pair["source"] + " |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| {p['service']} | `{p['file']}:{p['line']}` | `{p['field']}` "
                f"| {p['from']} | {p['to']} |"
                for p in pair["pending"]
            ]
        else:
            lines.append(f"Nothing pending: {pair['target']} pins what {pair['source']} pins.")
        lines += ["", f"**Drift:** {len(pair['drift']) or 'none'}", ""]
        lines += [
            f"- {d['service']}: {_at(d, '`')}`{d['object']}` `{d['field']}`: "
            + "; ".join(f"{env} `{value}`" for env, value in d["values"].items())
            for d in pair["drift"]
        ]
        lines.append("")
    return "\n".join(lines)


def _at(drift: dict[str, Any], quote: str = "") -> str:
    return f"{quote}{drift['file']}:{drift['line']}{quote}  " if drift.get("file") else ""


# version: the JSON contract's, as validate's (keys may be added, never renamed or removed)
FORMATS: dict[str, Callable[[list[dict[str, Any]]], str]] = {
    "text": _text,
    "markdown": _markdown,
    "json": lambda result: json.dumps({"version": 1, "pairs": result}, indent=2) + "\n",
}
