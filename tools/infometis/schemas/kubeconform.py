"""`--engine kubeconform`: the real kubeconform executable judges the rendered resources.

Each resource is written to its own file (000012.yaml is input 12) in a temporary folder,
kubeconform validates the folder with `-output json -verbose`, and every entry of its
`resources` list is mapped back to its input by file name. With -verbose kubeconform
lists every resource it read, valid ones included, so a resource missing from the output
was never judged: that is an "error", never a silent "valid".
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infometis.load.runner import overridden, run
from infometis.load.yamlio import dump
from infometis.model.errors import SetupError
from infometis.model.fieldpath import pointer_path
from infometis.schemas.catalog import SchemaSettings
from infometis.schemas.engine import Violation, prepared

TIMEOUT = 300
_RANK = {"valid": 0, "missing": 1, "invalid": 2, "error": 3}
_UNKNOWN = re.compile(r"additional ?properties (.+) not allowed", re.IGNORECASE)
_MISSING = "could not find schema for"


@dataclass(frozen=True)
class Outcome:
    # "valid" | "invalid" | "missing" (no schema found) | "error" (kubeconform could not process it)
    status: str
    violations: tuple[Violation, ...] = ()
    message: str = ""  # kubeconform's msg for missing/error


def find_kubeconform() -> str:
    """kubeconform on PATH; INFOMETIS_KUBECONFORM overrides it."""
    found = overridden("INFOMETIS_KUBECONFORM") or shutil.which("kubeconform")
    if not found:
        raise SetupError(
            "kubeconform not found on PATH: install it (https://github.com/yannh/kubeconform) "
            "or use --engine builtin"
        )
    return found


def arguments(settings: SchemaSettings) -> list[str]:
    flags = ["-output", "json", "-verbose", "-kubernetes-version", settings.full_version()]
    if settings.strict:
        flags.append("-strict")
    for location in ("default", *(t for t in settings.locations if t != "default")):
        flags += ["-schema-location", location]
    return flags


def judge(resources: list[dict[str, Any]], settings: SchemaSettings) -> list[Outcome]:
    """One Outcome per resource, in input order."""
    if not resources:
        return []
    command = [find_kubeconform(), *arguments(settings)]
    inputs = [prepared(resource) for resource in resources]
    index: int | None
    with tempfile.TemporaryDirectory(prefix="infometis-kubeconform-") as folder:
        for index, (data, _) in enumerate(inputs):
            (Path(folder) / f"{index:06d}.yaml").write_text(dump(data))
        result = run([*command, folder], timeout=TIMEOUT)
    try:
        entries = json.loads(result.stdout)["resources"]
    except (ValueError, KeyError, TypeError):
        first = next(
            (line.strip() for line in result.stderr.splitlines() if line.strip()), "no output"
        )
        raise SetupError(f"kubeconform failed: {first}") from None
    found: dict[int, Outcome] = {}
    for entry in entries or ():
        index = _index(str(entry.get("filename", "")), len(resources))
        if index is None:
            continue
        data, encrypted = inputs[index]
        outcome = _outcome(entry, data, encrypted)
        before = found.get(index)
        # one file, several results (a List): the worst status, all violations
        if before is not None:
            worst = max(before, outcome, key=lambda o: _RANK[o.status])
            outcome = Outcome(worst.status, before.violations + outcome.violations, worst.message)
        found[index] = outcome
    absent = Outcome("error", message="kubeconform did not report this resource")
    return [found.get(index, absent) for index in range(len(resources))]


def _index(filename: str, count: int) -> int | None:
    stem = Path(filename).stem
    return int(stem) if stem.isdigit() and int(stem) < count else None


def _outcome(
    entry: dict[str, Any], data: dict[str, Any], encrypted: set[tuple[str | int, ...]]
) -> Outcome:
    status = str(entry.get("status", "")).lower().removeprefix("status")
    message = str(entry.get("msg") or "")
    if status in ("valid", "empty", ""):
        return Outcome("valid")
    if status == "skipped" or (status == "error" and message.startswith(_MISSING)):
        return Outcome("missing", message=message)
    if status != "invalid":
        return Outcome("error", message=message)
    found = [v for error in entry.get("validationErrors") or () for v in _violations(error, data)]
    if not entry.get("validationErrors"):
        found = [
            Violation((), message or "invalid")
        ]  # kubeconform before per-error output: its one message
    found = [v for v in found if not any(v.path[: len(p)] == p for p in encrypted)]
    return Outcome("invalid" if found else "valid", tuple(found))


def _violations(error: dict[str, Any], data: dict[str, Any]) -> list[Violation]:
    path = pointer_path(str(error.get("path", "")), data)
    message = str(error.get("msg", ""))
    unknown = _UNKNOWN.fullmatch(message.strip())
    if unknown:
        fields = re.findall(r"'([^']*)'", unknown[1]) or [unknown[1].strip("'\" ")]
        return [Violation((*path, field), "unknown field") for field in fields]
    return [Violation(path, message)]
