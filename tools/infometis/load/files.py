"""Files as the writing commands touch them: read exactly, written whole or not at all, one
writer at a time. (Apart from the splice editor, which needs ruamel: a run that only writes its
cache should not load it.)"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from infometis.model.errors import EditError


def read_text(path: Path) -> str:
    """The file's exact text: no newline translation, a BOM kept."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise EditError(f"not UTF-8 (byte {err.start})") from None


def write_atomic(
    path: Path, content: str | bytes, *, durable: bool = True, mode: int | None = None
) -> None:
    """Write through a temporary file in the same folder: readers see the old or the new file,
    never half. `durable` syncs to disk before and after the rename; the file keeps its mode
    (`mode` for a new one, else 0644)."""
    if mode is None:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content.encode("utf-8") if isinstance(content, str) else content)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    if durable:
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextlib.contextmanager
def write_lock(folder: Path, what: str) -> Iterator[None]:
    """One writer at a time. The lock is the operating system's (filelock): a writer that dies
    (killed, a crash) releases it with its process, so no lock is ever left stale. Who holds it
    is written beside it, for the message a second writer gets."""
    from filelock import FileLock, Timeout

    lock, holder = FileLock(folder / "infometis.lock", timeout=0), folder / "infometis.lock.holder"
    try:
        lock.acquire()
    except Timeout:
        raise EditError(
            f"another infometis is writing this repository ({_holder(holder)}); "
            "wait for it to finish"
        ) from None
    try:
        holder.write_text(f"pid {os.getpid()}: {what}\n")
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "a process"
    except OSError:
        return "a process"
