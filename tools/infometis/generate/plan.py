"""A Plan: the files a generator creates and the edits it makes to existing files.

Nothing touches the disk until `apply`; `preview` shows the same change as a patch."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from infometis.load.files import read_text, write_atomic
from infometis.model.errors import EditError, InfometisError
from infometis.write.edit import append_item


class GenerateError(InfometisError):
    """A name that is invalid or taken, a missing environment or mode: nothing was written."""


@dataclass
class Plan:
    root: Path
    creates: dict[str, str] = field(default_factory=dict)  # relative path -> text
    # relative path -> (before, after)
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what to do next, said after applying

    def create(self, path: str, text: str) -> None:
        self.creates[path] = text

    def edit(self, path: str, change: Callable[[str], str]) -> None:
        """Change an existing file (or one this plan creates) through `change(text) -> text`."""
        if path in self.creates:
            self.creates[path] = change(self.creates[path])
            return
        before = self.edits[path][0] if path in self.edits else _read(self.root / path, path)
        current = self.edits[path][1] if path in self.edits else before
        self.edits[path] = (before, change(current))

    def list_item(self, path: str, key: str, item: str) -> None:
        """Add `item` to the list `key` of the kustomization at `path`, unless it is listed
        already."""

        def add(text: str) -> str:
            if _listed(text, key, item):
                return text
            try:
                return _fill_empty(text, key, item) or append_item(text, (key,), item)
            except EditError as err:
                raise GenerateError(
                    f"{path}: cannot add {item} to {key}: {err}; add it by hand"
                ) from None

        self.edit(path, add)

    def changed(self) -> dict[str, tuple[str, str]]:
        """Edits that change something."""
        return {path: pair for path, pair in self.edits.items() if pair[0] != pair[1]}


def _fill_empty(text: str, key: str, item: str) -> str | None:
    """A top-level `key: []` becomes a block list with `item` (append_item would keep the flow
    style)."""
    match = re.search(
        rf"^{re.escape(key)}:[ \t]*\[\][ \t]*(#[^\r\n]*)?(\r?\n|$)", text, re.MULTILINE
    )
    if not match:
        return None
    newline = match.group(2) or ("\r\n" if "\r\n" in text else "\n")
    comment = f"  {match.group(1)}" if match.group(1) else ""
    return (
        f"{text[: match.start()]}{key}:{comment}{newline}  - {item}{newline}{text[match.end() :]}"
    )


def _read(path: Path, name: str) -> str:
    try:
        return read_text(path)
    except FileNotFoundError:
        raise GenerateError(
            f"{name} is missing: is this a repository `infometis init` made?"
        ) from None
    except EditError as err:
        raise GenerateError(f"{name}: {err}; fix the file first") from None


def _listed(text: str, key: str, item: str) -> bool:
    try:
        data = next(yaml.safe_load_all(text), None)
    except yaml.YAMLError:  # the editor says what it cannot read
        return False
    values = data.get(key) if isinstance(data, dict) else None
    return isinstance(values, list) and item in values


def refuse_existing(plan: Plan, force: bool, what: str) -> None:
    """Refuse to overwrite files that exist, unless --force."""
    taken = sorted(path for path in plan.creates if (plan.root / path).exists())
    if taken and not force:
        shown = taken[0] + (
            f" and {len(taken) - 1} more file{'s' if len(taken) > 2 else ''}"
            if len(taken) > 1
            else ""
        )
        raise GenerateError(
            f"{what} exists already ({shown}): choose another name, "
            "or pass --force to write its files again"
        )


def apply(plan: Plan) -> list[str]:
    """Write the plan; returns one line per file written, as `created|updated|edited PATH`."""
    done = []
    for path, text in sorted(plan.creates.items()):
        target = plan.root / path
        if target.exists() and read_text(target) == text:
            continue
        verb = "updated" if target.exists() else "created"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)
        done.append(f"{verb} {path}")
    for path, (_before, after) in sorted(plan.changed().items()):
        write_atomic(plan.root / path, after)
        done.append(f"edited  {path}")
    return done


def preview(plan: Plan) -> str:
    """The plan as a patch (`git apply` takes it): new files from /dev/null, then the edits."""
    chunks = []
    for path, text in sorted(plan.creates.items()):
        target = plan.root / path
        before = read_text(target) if target.exists() else ""
        if before == text:
            continue
        source = f"a/{path}" if target.exists() else "/dev/null"
        chunks.append(_diff(before, text, source, f"b/{path}"))
    for path, (before, after) in sorted(plan.changed().items()):
        chunks.append(_diff(before, after, f"a/{path}", f"b/{path}"))
    return "".join(chunks)


def _diff(before: str, after: str, source: str, target: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), source, target
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
