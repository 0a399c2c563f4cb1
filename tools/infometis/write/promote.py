"""Promotion as a plan over files: the pins of each environment folder of SRC set into the
same file of DST's folder, and nothing else.

An environment folder is a folder named after the environment with a sibling folder named
after the other one (apps/nifi/dev beside apps/nifi/uat); its parent's name is the service.
Files are matched by their path inside the two folders, pins by what they pin (pins.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from infometis.discover.closure import YAML_SUFFIXES
from infometis.load import files
from infometis.load.config import Config, matches
from infometis.load.yamlio import load_text
from infometis.model.errors import EditError, SetupError
from infometis.write import edit, pins
from infometis.write.edit import Span


@dataclass(frozen=True)
class Pair:
    service: str
    source: Path
    target: Path


@dataclass(frozen=True)
class Change:
    service: str
    file: str  # relative to the repository
    line: int
    field: str
    old: str
    new: str
    span: Span
    token: str  # what replaces the old token
    refused: str | None = None


@dataclass
class Plan:
    source: str
    target: str
    changes: list[Change] = field(default_factory=list)
    # what is not promoted: pins DST's file lacks, unreadable files
    missing: list[str] = field(default_factory=list)

    @property
    def refused(self) -> list[Change]:
        return [change for change in self.changes if change.refused]

    def files(self) -> list[str]:
        return sorted({change.file for change in self.changes})


def environment_pairs(
    repo: Path, config: Config, source: str, target: str, beyond_services: bool = False
) -> list[Pair]:
    """The SRC/DST folder pairs of the services (`services:` in .infometis.yaml, default apps/*);
    `beyond_services`: of any folder, clusters/ included (a cluster-level pin, such as the tag
    a cluster's GitRepository follows, moves the whole cluster: only when asked)."""
    found = []
    for folder, names, _ in os.walk(repo):
        here = Path(folder)
        relative = here.relative_to(repo).as_posix()
        names[:] = sorted(
            n
            for n in names
            if not n.startswith(".") and not config.is_excluded(f"{relative}/{n}".lstrip("./"))
        )
        if (
            source in names
            and target in names
            and (beyond_services or matches(config.services, relative))
        ):
            found.append(Pair(here.name, here / source, here / target))
            names.remove(source)  # its files are this pair's
    return found


def _yaml_files(folder: Path) -> list[Path]:
    """Regular YAML files: a symlink is left alone (a write would replace the link by a file)."""
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.suffix in YAML_SUFFIXES and p.is_file() and not p.is_symlink()
    )


def plan(
    repo: Path,
    config: Config,
    source: str,
    target: str,
    services: tuple[str, ...] = (),
    beyond_services: bool = False,
) -> Plan:
    result = Plan(source, target)
    for pair in environment_pairs(repo, config, source, target, beyond_services):
        if services and pair.service not in services:
            continue
        for relative in _yaml_files(pair.source):
            target_file = pair.target / relative
            if target_file.is_file():
                _plan_file(repo, pair, pair.source / relative, target_file, result)
    return result


def _pins(repo: Path, path: Path, result: Plan) -> tuple[str, dict[pins.PinKey, pins.Pin]] | None:
    """The file's text and its pins by key (the first of a key wins); None, and a note, when
    it is unreadable or is not YAML kustomize takes (a duplicate key: which value counts is
    not for us to pick)."""
    shown = path.relative_to(repo).as_posix()
    try:
        text = files.read_text(path)
        problems = load_text(text.encode(), shown).problems
        found = [] if problems else pins.pins(text)
    except (OSError, EditError) as err:
        result.missing.append(f"{shown} cannot be read: {err}")
        return None
    if problems:
        result.missing.append(
            f"{shown}:{problems[0].line}: {problems[0].message}: fix it, then promote"
        )
        return None
    return text, {pin.key: pin for pin in reversed(found)}


def _plan_file(repo: Path, pair: Pair, source_file: Path, target_file: Path, result: Plan) -> None:
    source, target = _pins(repo, source_file, result), _pins(repo, target_file, result)
    if source is None or target is None:
        return
    (source_text, wanted), (_, held) = source, target
    shown = target_file.relative_to(repo).as_posix()
    for key, pin in wanted.items():
        old = held.get(key)
        if old is None:
            result.missing.append(
                f"{pair.service}: {shown} has no {pin.field} ({result.source} pins {pin.value}; "
                f"add it by hand if {result.target} should pin it too)"
            )
        elif old.value != pin.value:
            result.changes.append(
                Change(
                    pair.service,
                    shown,
                    old.span.line,
                    old.field,
                    old.value,
                    pin.value,
                    old.span,
                    new_token(source_text, pin, old),
                    old.refused or pin.refused,
                )
            )


def new_token(source_text: str, new: pins.Pin, old: pins.Pin) -> str:
    """The new value as DST writes it: SRC's own token when both are plain (the same scalar,
    e.g. 1.10 stays 1.10), else in DST's quote style."""
    token = source_text[new.span.start : new.span.end]
    if (
        new.style is None
        and old.style is None
        and not (old.in_flow and not new.in_flow and "," in token)
    ):
        return token
    return edit.quote(new.value, old.style, old.in_flow)


def apply(repo: Path, result: Plan, originals: dict[Path, str] | None = None) -> dict[Path, str]:
    """Write the plan's changes, each file atomically, once every edit has been read back;
    `originals` receives each file's previous text as it is replaced (for restore)."""
    originals = {} if originals is None else originals
    updates = {}
    for relative in result.files():
        text = files.read_text(repo / relative)
        changes = sorted(
            (c for c in result.changes if c.file == relative), key=lambda c: -c.span.start
        )
        updated = text
        for change in changes:
            updated = edit.replace_token(updated, change.span, change.token)
        _verify(relative, updated, changes)
        updates[repo / relative] = (text, updated)
    for path, (text, updated) in updates.items():
        try:
            files.write_atomic(path, updated)
        except OSError as err:  # a full disk, a read-only folder: the file is still wholly old
            raise EditError(
                f"{path.relative_to(repo)}: cannot write it ({err.strerror or err})"
            ) from None
        originals[path] = text
    return originals


def _verify(relative: str, text: str, changes: list[Change]) -> None:
    """Read the edited text back: every planned value must be there (else nothing is written)."""
    found = {(pin.span.line, pin.field): pin.value for pin in pins.pins(text)}
    for change in changes:
        if found.get((change.line, change.field)) != change.new:
            raise EditError(
                f"{relative}:{change.line}: {change.field} would not read back as {change.new}"
            )


def restore(originals: dict[Path, str]) -> None:
    """Every written file back to its old text; one that cannot be is named, never skipped
    quietly."""
    failed = []
    for path, text in originals.items():
        try:
            files.write_atomic(path, text)
        except OSError:
            failed.append(str(path))
    if failed:
        raise SetupError(
            f"cannot restore {', '.join(failed)} (the disk may be full): "
            f"run `git checkout -- {' '.join(failed)}`"
        )
