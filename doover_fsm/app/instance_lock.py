"""One running copy of an app per data dir: an ``flock`` on ``<data_dir>/<app_key>.lock``.

Two copies of one app (same app key, same store) would fight over its tags and outputs without a
word. The lock is taken at start and refused with a clear error naming the other process; the
kernel drops it when the holder dies, ``kill -9`` included, so it can never be left stuck.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from doover_fsm.errors import DooverFSMError


class AppAlreadyRunningError(DooverFSMError, RuntimeError):
    """Another process runs the same app (app key) on the same data dir."""


class InstanceLock:
    """The lock of one (data dir, app key). Not thread-safe; one per running app."""

    def __init__(self, data_dir: Path, app_key: str) -> None:
        self.path = Path(data_dir) / f"{app_key}.lock"
        self.app_key = app_key
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AppAlreadyRunningError` naming the holder's pid."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AppAlreadyRunningError(
                f"app {self.app_key!r} is already running on data dir {str(self.path.parent)!r} "
                f"(process {holder}); stop it first, or give this copy its own --app-key or --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock; the file stays (harmless, reused)
            self._fd = None
