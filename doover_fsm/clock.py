"""Injected time: every timeout, schedule and scan deadline reads a Clock, never the OS directly.

``MonotonicClock`` is the real one (CLOCK_MONOTONIC for deadlines, the wall clock only for
timestamps users see). ``VirtualClock`` is for test mode: time moves only when told to, so a
2-day timeout is tested in milliseconds.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

NS_PER_S = 1_000_000_000


@runtime_checkable
class Clock(Protocol):
    """Source of time for the scan. Implementations must be cheap to call."""

    def monotonic_ns(self) -> int:
        """Nanoseconds on a clock that never steps (deadlines, timeouts, durations)."""
        ...

    def time(self) -> float:
        """Unix seconds (timestamps shown to people and written to channels)."""
        ...

    @property
    def is_virtual(self) -> bool:
        """True when time only moves by ``advance`` (nothing may sleep on it)."""
        ...


class MonotonicClock:
    """The system clocks. Thread-safe (stateless)."""

    is_virtual = False

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def time(self) -> float:
        return time.time()


class VirtualClock:
    """A clock that moves only when ``advance``/``set`` is called. Not thread-safe.

    Starts at monotonic 0 and at ``start_time`` unix seconds (default: the real time at
    construction, so stored timestamps still look sensible).
    """

    is_virtual = True

    def __init__(self, start_time: float | None = None) -> None:
        self._mono_ns = 0
        self._wall0 = time.time() if start_time is None else float(start_time)

    def monotonic_ns(self) -> int:
        return self._mono_ns

    def time(self) -> float:
        return self._wall0 + self._mono_ns / NS_PER_S

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (must be >= 0)."""
        if seconds < 0:
            raise ValueError(f"VirtualClock.advance: seconds must be >= 0, got {seconds!r}")
        self._mono_ns += round(seconds * NS_PER_S)

    def advance_ns(self, ns: int) -> None:
        """Move time forward by ``ns`` nanoseconds (must be >= 0)."""
        if ns < 0:
            raise ValueError(f"VirtualClock.advance_ns: ns must be >= 0, got {ns!r}")
        self._mono_ns += int(ns)

    def __repr__(self) -> str:
        return f"VirtualClock(t={self._mono_ns / NS_PER_S:.9f}s)"
