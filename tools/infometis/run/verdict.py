"""The verdict cache: a whole `validate` run's report, kept with a snapshot of everything the run
read, and given again while nothing of it has changed (a warm run with nothing to do costs a walk
of the repository's files instead of loading every render and running every check).

A record is found by what the run was asked (its options, checks, changed files, the code and the
tools that judge) and holds its inputs: every file of the repository (git-ignored folders left
out, except those the renders read), of the chart cache, of local schema locations and of
--source folders, each by size, modification and change time and inode, or by content when it was
modified in the two seconds before the snapshot also by content (a later change could keep its
times: git's "racy" case). The snapshot is taken before the run, so a file changed while it runs
is a miss next time. A record is used only when every input is as it was; else the run happens
and replaces it. Online runs and kubeconform runs are never recorded (what they read is not in
the repository).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import pickle
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from infometis.load import git, runner
from infometis.render import cache

if TYPE_CHECKING:
    from infometis.render.runs import Options
    from infometis.report import Report

FORMAT = "infometis-verdict-1"
RACY_NS = 2_000_000_000
# records kept, the most recently used: each changed-files question (pre-commit) makes one
KEPT = 16
SKIPPED = frozenset({"progress", "jobs"})  # options that change how fast a run is, not what it says
# what judges besides this package (their files change when they are upgraded)
JUDGES = ("jsonschema_rs", "jsonschema", "kubernetes_validate", "yaml", "helm_python", "pathspec")


def _canonical(value: Any) -> Any:
    """`value` as JSON-able data whose text does not depend on hash order or object addresses."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in SKIPPED
        }
    if isinstance(value, dict):
        return sorted(
            [json.dumps(_canonical(k), sort_keys=True), _canonical(v)] for k, v in value.items()
        )
    if isinstance(value, (set, frozenset)):
        return sorted(json.dumps(_canonical(item), sort_keys=True) for item in value)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _code() -> list[list[str | int | None] | str]:
    """This package's files and the judging libraries' entry files, by size and time."""
    package = Path(__file__).resolve().parent.parent
    files = sorted(
        Path(folder, name)
        for folder, _, names in os.walk(package)
        for name in names
        if not name.endswith(".pyc")
    )
    for name in JUDGES:
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            files.append(Path(spec.origin))
    return [_stat_key(path) for path in files] + [sys.version]


def _prune(folder: Path) -> None:
    """Only the KEPT most recently used records stay."""
    try:
        records = sorted(
            folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime_ns, reverse=True
        )
        for old in records[KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:  # another run pruning at once: whatever is left is still valid
        pass


def _stat_key(path: Path) -> list[str | int | None]:
    try:
        status = os.stat(path)
    except OSError:
        return [str(path), None]
    return [str(path), status.st_size, status.st_mtime_ns]


class Record:
    """One question's record: `recall()` gives the report kept for it when the inputs are as they
    were; `keep()` stores a new one."""

    def __init__(self, options: Options, checks: set[str], changed: set[str] | None) -> None:
        self.options = options
        self.started = time.time_ns()
        question = [
            FORMAT,
            _canonical(options),
            sorted(checks),
            sorted(changed) if changed is not None else None,
            sorted(git.remote_urls(options.repo)),
            sorted(git.branches(options.repo) or []),
            _stat_key(Path(runner.kubectl())),
            _code(),
        ]
        digest = hashlib.sha256(json.dumps(question, sort_keys=True).encode()).hexdigest()
        # (wanted() makes a record only with a cache folder)
        self.path = cast(Path, options.cache_dir) / "verdicts" / f"{digest}.pickle"
        self.kept = self._load()
        self.racy: dict[str, str] = {}  # path → content digest, of files changed just before
        self.inputs = self._snapshot(self._roots(), self.kept["extra"] if self.kept else ())

    @classmethod
    def wanted(cls, options: Options, checks: set[str], changed: set[str] | None) -> Record | None:
        """A record for this run, or None when its verdict cannot be kept."""
        if (
            options.cache_dir is None
            or options.online
            or options.schema.online
            or options.schema.engine != "builtin"
        ):
            return None
        return cls(options, checks, changed)

    def recall(self) -> tuple[Report, frozenset[str]] | None:
        """(report, hidden values) kept for these very inputs, or None."""
        if not self.kept or self.kept["inputs"] != self.inputs:
            return None
        if any(
            cache.file_digest(Path(path)) != digest for path, digest in self.kept["racy"].items()
        ):
            return None
        with contextlib.suppress(OSError):
            os.utime(self.path)  # used: the last to go
        return self.kept["report"], self.kept["hidden"]

    def keep(self, report: Report, hidden: frozenset[str], read: set[Path]) -> None:
        """Store this run's report; `read` holds the folders and files the renders read (those in
        git-ignored folders join the snapshot, taken now)."""
        extra = sorted(str(path) for path in read if str(path) not in self.inputs)
        inputs = dict(self.inputs)
        inputs.update(self._snapshot((), extra))
        record = {
            "inputs": inputs,
            "racy": self.racy,
            "extra": extra,
            "report": report,
            "hidden": hidden,
        }
        cache.keep(self.path, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(self.path.parent)

    # ------------------------------------------------------------ inputs

    def _roots(self) -> list[Path]:
        options = self.options
        roots = [options.repo, *(m.folder for m in options.mappings)]
        if options.charts_dir:
            roots.append(options.charts_dir / "charts")
        roots += [Path(location) for location in options.schema.locations if "://" not in location]
        return roots

    def _snapshot(
        self, roots: Iterable[Path], extra: Iterable[str]
    ) -> dict[str, tuple[str | int, ...]]:
        skipped = {
            str(self.options.repo / item.rstrip("/")) for item in self.options.config.ignored
        }
        found: dict[str, tuple[str | int, ...]] = {}
        for root in roots:
            self._walk(str(root), skipped, found)
        for path in extra:
            if path not in found:
                self._walk(path, set(), found) if os.path.isdir(path) else self._add(path, found)
        return found

    def _walk(self, top: str, skipped: set[str], found: dict[str, tuple[str | int, ...]]) -> None:
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                found[folder] = ("unreadable",)
                continue
            found[folder] = tuple(sorted(entry.name for entry in entries))
            for entry in entries:
                if entry.name == ".git" or entry.path in skipped:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    self._add(entry.path, found)

    def _add(self, path: str, found: dict[str, tuple[str | int, ...]]) -> None:
        try:
            status = os.stat(path)
        except OSError:
            found[path] = ("missing",)
            return
        found[path] = (
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
            status.st_ino,
            status.st_mode,
        )
        if max(status.st_mtime_ns, status.st_ctime_ns) > self.started - RACY_NS:
            self.racy[path] = cache.file_digest(Path(path))

    def _load(self) -> dict[str, Any] | None:
        """The kept record: only our own private file is unpickled; anything unreadable is none."""
        try:
            status = self.path.stat()
            if status.st_uid != os.getuid() or status.st_mode & 0o022:
                return None
            record = pickle.loads(self.path.read_bytes())
            return (
                record
                if isinstance(record, dict)
                and {"inputs", "racy", "extra", "report", "hidden"} <= record.keys()
                else None
            )
        except Exception:  # missing, corrupt or from another version: run again
            return None
