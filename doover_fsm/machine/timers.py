"""Where the state timeouts of a pydoover-style ``StateMachine`` run: on the scan's clock, or asyncio.

A machine that belongs to a running app arms its timeouts on the app's :class:`ScanTimers`,
which the scan fires at its own clock's time (``VirtualClock`` in test mode, so a 2-day timeout
is tested instantly). A machine used stand-alone (an app's own unit tests, ``asyncio.run``)
falls back to a real asyncio timer, as transitions' ``AsyncTimeout`` does.

The scan attaches its timers with ``with scan_timers(timers): ...`` around the code that runs
the app (a context variable, so tasks the app creates inside it inherit it); a machine looks it
up each time it arms a timeout.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

from doover_fsm.clock import NS_PER_S, Clock

TimeoutFire = Callable[[], Awaitable[None]]
"""What a timer runs when it expires: a coroutine function taking no arguments."""


class ScanTimer:
    """One armed timeout on a :class:`ScanTimers`. ``cancel()`` before it fires stops it."""

    __slots__ = ("_cancelled", "_fired", "deadline_ns", "fire")

    def __init__(self, deadline_ns: int, fire: TimeoutFire) -> None:
        self.deadline_ns = deadline_ns
        self.fire = fire
        self._cancelled = False
        self._fired = False

    def cancel(self) -> None:
        self._cancelled = True

    def cancelled(self) -> bool:
        return self._cancelled

    def done(self) -> bool:
        """True once it fired or was cancelled (the same question asyncio's ``Task.done`` answers)."""
        return self._cancelled or self._fired


@dataclass(frozen=True, slots=True)
class ScanTimerStats:
    """Snapshot of a :class:`ScanTimers` (see ``statistics()``)."""

    armed: int
    fired: int
    cancelled: int


class ScanTimers:
    """Timeouts fired by the scan at its clock's time, in deadline order. Loop-thread only.

    Resolution is the scan period: a timeout is noticed by the first ``fire_due`` at or after
    its deadline (the scan calls it once per scan, with that scan's time).
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[tuple[int, int, ScanTimer]] = []
        #: The armed timers (a heap; may still hold cancelled ones): empty means nothing is armed.
        self.armed = self._heap
        self._seq = itertools.count()
        self._fired = 0
        self._cancelled = 0

    def schedule(self, delay_s: float, fire: TimeoutFire) -> ScanTimer:
        """Arm ``fire`` to run ``delay_s`` seconds from the clock's now."""
        timer = ScanTimer(self.clock.monotonic_ns() + round(delay_s * NS_PER_S), fire)
        heapq.heappush(self._heap, (timer.deadline_ns, next(self._seq), timer))
        return timer

    def next_deadline_ns(self) -> int | None:
        """Earliest armed deadline (monotonic ns), for a scheduler that wants to wake for it."""
        heap = self._heap
        while heap and heap[0][2].cancelled():
            heapq.heappop(heap)
            self._cancelled += 1
        return heap[0][0] if heap else None

    async def fire_due(self, now_ns: int | None = None) -> int:
        """Run every timer due at ``now_ns`` (default: the clock), earliest first; return how many ran."""
        now = self.clock.monotonic_ns() if now_ns is None else now_ns
        n = 0
        while True:
            deadline = self.next_deadline_ns()
            if deadline is None or deadline > now:
                return n
            timer = heapq.heappop(self._heap)[2]
            timer._fired = True
            self._fired += 1
            n += 1
            await timer.fire()

    def statistics(self) -> ScanTimerStats:
        live = sum(1 for _, _, t in self._heap if not t.cancelled())
        return ScanTimerStats(live, self._fired, self._cancelled + len(self._heap) - live)


#: The scan timers current in this context (``.set``/``.reset`` directly on a hot path).
CURRENT_SCAN_TIMERS: ContextVar[ScanTimers | None] = ContextVar("doover_fsm_scan_timers", default=None)
_CURRENT = CURRENT_SCAN_TIMERS


@contextmanager
def scan_timers(timers: ScanTimers) -> Iterator[ScanTimers]:
    """Make ``timers`` the place where machines arm their timeouts, inside this block (and its tasks)."""
    token = _CURRENT.set(timers)
    try:
        yield timers
    finally:
        _CURRENT.reset(token)


def enter_scan_timers(timers: ScanTimers) -> Token[ScanTimers | None]:
    """``scan_timers`` for code that cannot use a ``with`` block (``__aenter__``/``__aexit__`` pairs):
    pass the token to :func:`exit_scan_timers` in the same task."""
    return _CURRENT.set(timers)


def exit_scan_timers(token: Token[ScanTimers | None]) -> None:
    _CURRENT.reset(token)


def current_scan_timers() -> ScanTimers | None:
    """The :class:`ScanTimers` of the running app, or None outside an app (stand-alone use)."""
    return _CURRENT.get()
