"""Progress of a long run on standard error: Flux Kustomizations rendered / found, per cluster.
Only on a terminal, never in CI logs, and never on standard output (machine-readable reports)."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

_INTERVAL = 0.2  # seconds between redraws: a terminal line, not a log


def wanted(stream: TextIO | None = None) -> bool:
    """Whether progress belongs on `stream` (standard error): a terminal, outside CI."""
    stream = stream or sys.stderr
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Counts per cluster, redrawn on one line of standard error at most every _INTERVAL."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.found: dict[str, int] = {}
        self.rendered: dict[str, int] = {}
        self._lock = threading.Lock()
        self._drawn = 0.0
        self._width = 0

    def add(self, cluster: str, count: int) -> None:
        with self._lock:
            self.found[cluster] = self.found.get(cluster, 0) + count
            self._draw()

    def done(self, cluster: str) -> None:
        with self._lock:
            self.rendered[cluster] = self.rendered.get(cluster, 0) + 1
            self._draw()

    def line(self) -> str:
        counts = ", ".join(
            f"{name} {self.rendered.get(name, 0)}/{found}" for name, found in self.found.items()
        )
        return f"rendering: {counts}"

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < _INTERVAL:
            return
        self._drawn = now
        text = self.line()
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        """Erase the line: what follows (the report) starts clean."""
        with self._lock:
            if self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
