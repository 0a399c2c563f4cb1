"""The files of one run: each read and parsed once (or taken from the previous run's parse when
its bytes are the same), with the answers asked of every file kept: its path from the root, its
lines, what a build of its folder reads."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Any

from infometis.load.yamlio import (
    MAX_FILE_BYTES,
    LoadedFile,
    is_regular,
    load_text,
    refusal,
    too_large,
)


def _as_path(path: Path | str) -> Path:
    return path if isinstance(path, Path) else Path(path)


class FileCache:
    """Each file is read and parsed once per run."""

    def __init__(
        self, root: Path, known: dict[tuple[str, bytes], LoadedFile] | None = None
    ) -> None:
        self.root = root
        self._files: dict[Path, LoadedFile] = {}
        self.known = known  # (name, sha256 of the bytes) → LoadedFile, from the cache; None: none
        # what this run read, to keep for the next
        self.parsed: dict[tuple[str, bytes], LoadedFile] = {}
        self._lines: dict[Path, list[str]] = {}
        # folder → what a build of it reads (a discover.closure.Closure, which this stage cannot
        # name), once per run
        self.closures: dict[Path, Any] = {}
        # path → its resolved path (closure.escape), once per run
        self.realpaths: dict[str, str] = {}
        self._relatives: dict[Path, str] = {}

    def relative(self, path: Path) -> str:
        """`path` from the root (as it is when outside), worked out once per path: checks ask it of
        every resource's origin."""
        found = self._relatives.get(path)
        if found is None:
            try:
                found = path.relative_to(self.root).as_posix()
            except ValueError:
                found = path.as_posix()
            self._relatives[path] = found
        return found

    def load(self, path: Path) -> LoadedFile:
        path = _as_path(path)
        found = self._files.get(path)
        if found is None:  # render threads may read one file at once: the first kept is everyone's
            found = self._files.setdefault(path, self._read(path, self.relative(path)))
        return found

    def parsed_file(self, path: Path) -> LoadedFile | None:
        """The file as this run read it; None when no one has read it (it may not be YAML)."""
        return self._files.get(_as_path(path))

    def _read(self, path: Path, name: str) -> LoadedFile:
        """Regular files only: a FIFO would block the run, a device never end."""
        try:
            status = path.stat()
            if not stat.S_ISREG(status.st_mode):
                return refusal(
                    name, "not a regular file", 1, "remove it: only files hold manifests"
                )
            if status.st_size > MAX_FILE_BYTES:  # not even read
                return too_large(name, status.st_size)
            return self.parse(path.read_bytes(), name)
        except OSError as err:
            return refusal(
                name,
                f"cannot read: {err.strerror}",
                1,
                "fix or remove it (a broken or looping symlink?)",
            )

    def parse(self, raw: bytes, name: str) -> LoadedFile:
        """`raw` (the text of `name`, or a part of it) parsed; from `known` (a previous run's)
        when the bytes are the same."""
        if self.known is None:
            return load_text(raw, name)
        key = (name, hashlib.sha256(raw).digest())
        loaded = self.known.get(key)
        if loaded is None:
            loaded = load_text(raw, name)
        self.parsed[key] = loaded
        return loaded

    def lines(self, path: Path) -> list[str]:
        """The file's text lines (undecodable bytes replaced), read once per run; [] if
        unreadable."""
        path = _as_path(path)
        found = self._lines.get(path)
        if found is None:
            try:
                found = (
                    path.read_text(encoding="utf-8", errors="replace").splitlines()
                    if is_regular(path)
                    else []
                )
            except OSError:
                found = []
            self._lines[path] = found
        return found

    def loaded(self) -> list[LoadedFile]:
        return list(self._files.values())
