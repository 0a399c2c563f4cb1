"""The render cache: each Flux Kustomization's parsed render, kept on disk and keyed by a hash of
everything that can change it, so a run renders only what changed since the last one.

The key covers the cache format, the kustomize version, the kustomize flags, the wrapper
kustomization (the controller-side fields) and every file of every folder the build's closure
visits, path and bytes: kustomize does not say what it reads, so a file that sits next to the
inputs counts too. Renders that failed are kept as well (same inputs, same failure); a timeout
is not. Entries are written atomically (a temporary file in the same folder, then a rename), so
runs sharing the cache never see a half-written entry; one that cannot be read is rendered again
and rewritten. Within one run, a render asked for twice (the same folder and fields in two
clusters) is built once.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from infometis.discover import closure as closures
from infometis.load import runner
from infometis.load.filecache import FileCache
from infometis.load.files import write_atomic
from infometis.load.yamlio import LoadedFile, is_regular
from infometis.model import ResourceId
from infometis.render.kustomize import Output, Resource

FORMAT = "infometis-render-1"
FLAGS = ("--load-restrictor", "LoadRestrictionsNone")


def default_folder() -> Path:
    """$INFOMETIS_CACHE_DIR, else $XDG_CACHE_HOME/infometis, else ~/.cache/infometis."""
    if os.environ.get("INFOMETIS_CACHE_DIR"):
        return Path(os.environ["INFOMETIS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "infometis"


class RenderCache:
    """Renders by key: in memory for this run, on disk (under `folder`) across runs unless None."""

    def __init__(self, repo: Path, folder: Path | None, version: str):
        self.repo, self.version = repo, version
        self.folder = folder / "renders" if folder else None
        self._digests: dict[Path, str] = {}
        self._listings: dict[Path, tuple[Path, ...]] = {}
        self._relatives: dict[Path, str] = {}  # path → relative to the repository, once per run
        self._origins: dict[str, Path] = {}  # and back
        self._memory: dict[str, str] = {}  # key → serialized render
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # ------------------------------------------------------------ the key

    def key(self, wrapper: dict[str, Any], closure: closures.Closure) -> str:
        """Of the wrapper kustomization and every input of the build's closure."""
        digest = hashlib.sha256()
        for part in (
            FORMAT,
            self.version,
            *FLAGS,
            json.dumps(wrapper, sort_keys=True, default=str),
        ):
            digest.update(part.encode() + b"\0")
        for path in sorted(self._inputs(closure)):
            digest.update(
                self._relative(path).encode() + b"\0" + self._digest(path).encode() + b"\0"
            )
        return digest.hexdigest()

    def _inputs(self, closure: closures.Closure) -> set[Path]:
        """The closure's files and every file of its folders (all below, for a folder without a
        kustomization, whose YAML kustomize reads recursively)."""
        found = set(closure.files)
        for folder in closure.folders:
            found.update(self._listing(folder))
        return found

    def _listing(self, folder: Path) -> tuple[Path, ...]:
        """A folder's files, listed once per run (folders are shared by many renders)."""
        listing = self._listings.get(folder)
        if listing is None:
            if closures.kustomization_file(folder):
                listing = tuple(entry for entry in folder.iterdir() if entry.is_file())
            else:
                listing = tuple(
                    Path(current) / name for current, _, names in os.walk(folder) for name in names
                )
            self._listings[folder] = listing
        return listing

    def _digest(self, path: Path) -> str:
        digest = self._digests.get(path)
        if digest is None:
            digest = self._digests[path] = file_digest(path)
        return digest

    def _relative(self, path: Path) -> str:
        found = self._relatives.get(path)
        if found is None:
            found = self._relatives[path] = os.path.relpath(path, self.repo)
        return found

    def _origin(self, relative: str | None) -> Path | None:
        if relative is None:
            return None
        found = self._origins.get(relative)
        if found is None:
            found = self._origins[relative] = Path(os.path.normpath(self.repo / relative))
        return found

    # ------------------------------------------------------------ get or build

    def get(self, key: str, build: Callable[[], Output]) -> Output:
        """The render for `key`: from this run, from disk, or built now (and kept)."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # the same render asked for twice at once is built once
            text = self._memory.get(key) or self._read(key)
            if text is not None:
                output = self._decode(text)
                if output is not None:
                    self._memory[key] = text
                    return output
            output = build()
            text = self._encode(output)
            if text is not None:
                self._memory[key] = text
                self._write(key, text)
            return output

    def _path(self, key: str) -> Path:
        # (called only when self.folder is not None)
        return cast(Path, self.folder) / key[:2] / f"{key}.json"

    def _read(self, key: str) -> str | None:
        if self.folder is None:
            return None
        try:
            return self._path(key).read_text()
        except (OSError, UnicodeDecodeError):
            return None

    def _write(self, key: str, text: str) -> None:
        if self.folder is not None:
            keep(self._path(key), text)

    # ------------------------------------------------------------ (de)serializing

    def _encode(self, output: Output) -> str | None:
        """The render as JSON with repository-relative origins; None when it must not be kept
        (a timeout) or JSON cannot hold it exactly (dates, non-string keys)."""
        if output.transient:
            return None
        payload = {
            "error": output.error,
            "resources": [
                {"origin": None if r.origin is None else self._relative(r.origin), "data": r.data}
                for r in output.resources
            ],
        }
        try:
            text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            return None
        return text if json.loads(text) == payload else None

    def _decode(self, text: str) -> Output | None:
        """A fresh Output (its resources may be changed by substitution); None if unreadable."""
        try:
            payload = json.loads(text)
            resources = [
                Resource(ResourceId.of(item["data"]), item["data"], self._origin(item["origin"]))
                for item in payload["resources"]
            ]
            return Output(resources, payload["error"], variables="$" in text)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def open_cache(repo: Path, folder: Path | None) -> RenderCache:
    """The run's render cache; on disk in `folder` (made private to its user: renders hold Secret
    manifests) unless None or it cannot be created, then in memory only."""
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            folder = None
    return RenderCache(repo, folder, kustomize_version(folder) if folder else "")


def kustomize_version(folder: Path | None) -> str:
    """kustomize's version, remembered in the cache per kubectl binary (path, size, mtime):
    asking kubectl costs a process, which a warm run should not pay."""
    binary = runner.kubectl()
    try:
        stat = os.stat(binary)
    except OSError:
        return runner.kustomize_version()
    stamp = f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"
    memo = folder / "kustomize-version.json" if folder else None
    try:
        known = json.loads(memo.read_text()) if memo else {}
        if known.get("stamp") == stamp and isinstance(known.get("version"), str):
            return cast(str, known["version"])
    except (OSError, ValueError, AttributeError):
        pass
    version = runner.kustomize_version()
    if memo and version != "unknown":
        keep(memo, json.dumps({"stamp": stamp, "version": version}))
    return version


def file_digest(path: Path) -> str:
    """The content hash of a regular file (a FIFO would block the read: only those are read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if is_regular(path) else "not a file"
    except OSError:
        return "missing"


def keep(target: Path, content: str | bytes) -> None:
    """Write a private cache file through a temporary file and a rename; errors only cost time."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, content, durable=False, mode=0o600)
    except OSError:
        pass


# ---------------------------------------------------------------- parsed files

PARSED = "parsed.pickle"


def _parsed_stamp() -> bytes:
    """What a parsed file depends on besides its bytes: the code that parses it."""
    package = Path(__file__).resolve().parent.parent
    return hashlib.sha256(
        b"".join(
            (package / name).read_bytes()
            for name in ("load/yamlio.py", "load/goyaml.py", "model/__init__.py")
        )
    ).digest()


def load_parsed(folder: Path | None) -> dict[tuple[str, bytes], LoadedFile] | None:
    """The files a previous run parsed, by name and content hash ({} when there are none yet);
    None without a cache. The file sits in the private cache folder, written by infometis only."""
    if folder is None:
        return None
    try:
        status = (folder / PARSED).stat()
        # only our own, private file is unpickled
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            return {}
        stamp, parsed = pickle.loads((folder / PARSED).read_bytes())
        return parsed if stamp == _parsed_stamp() and isinstance(parsed, dict) else {}
    except Exception:  # unreadable, corrupt or from another version: parse again
        return {}


def save_parsed(folder: Path | None, files: FileCache) -> None:
    """Keep what this run parsed (only that: files since changed or removed are dropped)."""
    if folder is None or files.known is None or files.parsed.keys() == files.known.keys():
        return
    keep(
        folder / PARSED,
        pickle.dumps((_parsed_stamp(), files.parsed), protocol=pickle.HIGHEST_PROTOCOL),
    )
