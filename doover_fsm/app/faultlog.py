"""Scan faults in the log: the first of each kind in full, repeats folded into a periodic count.

An exception on every scan must not log a full traceback every scan (at 20 ms that is ≈150 KB per
5 s, gigabytes a day), yet the first occurrence of every *new* kind must never be lost. A kind is
where it happened (the scan step) plus the exception type and the innermost frame that raised it.
Repeats are counted and summarised in one line at most every ``interval_s`` (and at stop).
Loop-thread only.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

FaultKind = tuple[str, str, str, int]  # (step, exception type, file, line)


@dataclass
class _Seen:
    first_scan: int
    message: str
    repeats: int = 0
    last_summary_s: float = 0.0


def fault_kind(what: str, exc: BaseException) -> FaultKind:
    """The kind of a fault: the step, the exception's type and the frame that raised it."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ is not None else []
    last = frames[-1] if frames else None
    return (what, type(exc).__qualname__, last.filename if last else "?", (last.lineno or 0) if last else 0)


class FaultLog:
    """Folds repeated scan faults (see the module doc)."""

    def __init__(self, logger: logging.Logger, *, interval_s: float = 60.0, max_kinds: int = 64,
                 now_s: Callable[[], float] = time.monotonic) -> None:
        self._log = logger
        self._interval = interval_s
        self._max = max_kinds
        self._now = now_s
        self._seen: OrderedDict[FaultKind, _Seen] = OrderedDict()
        #: Faults reported in total, and how many were folded (not logged in full).
        self.reported = 0
        self.folded = 0

    def report(self, what: str, exc: BaseException, scan: int) -> None:
        """Log ``exc`` raised in step ``what`` of scan ``scan``, in full the first time."""
        self.reported += 1
        kind = fault_kind(what, exc)
        seen = self._seen.get(kind)
        now = self._now()
        if seen is None:
            self._log.error("scan %d: error in %s", scan, what, exc_info=exc)
            self._seen[kind] = _Seen(first_scan=scan, message=f"{type(exc).__name__}: {exc}", last_summary_s=now)
            while len(self._seen) > self._max:
                old_kind, old = self._seen.popitem(last=False)
                self._summarise(old_kind, old, now)
            return
        self._seen.move_to_end(kind)
        self.folded += 1
        seen.repeats += 1
        seen.message = f"{type(exc).__name__}: {exc}"
        if now - seen.last_summary_s >= self._interval:
            self._summarise(kind, seen, now)

    def flush(self) -> None:
        """Summarise every pending repeat now (at stop: no count is lost)."""
        now = self._now()
        for kind, seen in self._seen.items():
            self._summarise(kind, seen, now)

    def _summarise(self, kind: FaultKind, seen: _Seen, now: float) -> None:
        if seen.repeats:
            what, _type, filename, line = kind
            self._log.error("error in %s repeated %d times in the last %.0f s (latest: %s at %s:%d; "
                            "first logged in full at scan %d)", what, seen.repeats, now - seen.last_summary_s,
                            seen.message, filename, line, seen.first_scan)
        seen.repeats = 0
        seen.last_summary_s = now
