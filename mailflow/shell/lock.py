"""The run lock: one worker at a time per database. Does file I/O (flock).

A second `mailflow run` started by a slow cron finds the lock held and leaves
quietly; the kernel releases the lock when a holder dies, so a crash never
leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class RunLock:
    """Non-blocking exclusive flock on a file next to the database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.acquired = False
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.acquired = False
        else:
            self.acquired = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            if self.acquired:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
