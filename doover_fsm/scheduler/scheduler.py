"""The scan scheduler: absolute deadlines ``t0 + k*T`` on CLOCK_MONOTONIC, jitter-compensated.

Live clock: a timerfd from the C core, watched by the running asyncio loop (``add_reader``), is
armed early by the learned wake-up latency; after it fires, the C core finishes exactly on the
deadline (bounded spin, or ``clock_nanosleep(TIMER_ABSTIME)``). The loop keeps running other tasks
while the scan waits. Virtual clock: nothing waits; the slot for the current virtual time is
returned. Missed deadlines are skipped (the phase stays on the grid), never caught up in a burst.
"""

from __future__ import annotations

import asyncio
import math
import os
from dataclasses import dataclass

from doover_fsm._core import timing as _t
from doover_fsm.clock import NS_PER_S, Clock
from doover_fsm.errors import SchedulerError
from doover_fsm.scheduler.grid import DeadlineGrid
from doover_fsm.scheduler.settings import SchedulerSettings

_RT_POLICIES = frozenset({os.SCHED_FIFO, os.SCHED_RR})
_RESET_ON_FORK = getattr(os, "SCHED_RESET_ON_FORK", 0)
# Below this much time to the (early) fire point, finishing directly beats a loop round trip.
_MIN_ARM_NS = 20_000


@dataclass(frozen=True, slots=True)
class ScanSlot:
    """One scan's place on the grid: slot ``index`` due at ``deadline_ns``, started at ``woke_ns``;
    ``skipped`` slots were passed over since the previous scan (overrun or a blocked loop)."""

    index: int
    deadline_ns: int
    woke_ns: int
    lateness_ns: int
    skipped: int


@dataclass(frozen=True, slots=True)
class ScanResult:
    """How a scan ended: its duration, and whether it ran past the next deadline(s), which are
    then skipped (``skipped`` of them)."""

    duration_ns: int
    overrun: bool
    skipped: int


@dataclass(frozen=True, slots=True)
class SchedulerStats:
    """Timing of the scans since start or the last reset (ns); ``period`` in seconds."""

    scans: int
    overruns: int
    skipped: int
    early: int
    lateness_p50_ns: int
    lateness_p90_ns: int
    lateness_p99_ns: int
    lateness_p999_ns: int
    lateness_max_ns: int
    duration_p50_ns: int
    duration_p90_ns: int
    duration_p99_ns: int
    duration_p999_ns: int
    duration_max_ns: int
    period: float
    compensation_ns: int


def _period_ns(period: float) -> int:
    if isinstance(period, bool) or not isinstance(period, int | float) or not math.isfinite(period) \
            or period <= 0:
        raise ValueError(f"Scheduler.period must be a finite number of seconds > 0, got {period!r}")
    ns = round(period * NS_PER_S)
    if ns <= 0:
        raise ValueError(f"Scheduler.period is below 1 ns: {period!r}")
    return ns


class Scheduler:
    """Paces scans on absolute deadlines and records their timing in the C stats.

    Not thread-safe: create, use and close it on the asyncio loop thread.
    """

    def __init__(self, period: float, *, clock: Clock, settings: SchedulerSettings | None = None) -> None:
        self._period_ns = _period_ns(period)
        self._clock = clock
        self._settings = settings or SchedulerSettings()
        self._virtual = bool(clock.is_virtual)
        self._stats = _t.TimingStats()
        self._timer: _t.Timer | None = None
        self._quantile = self._settings.quantile_for(spinning=True)
        if not self._virtual:
            self._timer = _t.Timer(self._quantile)
        self._grid: DeadlineGrid | None = None
        self._next_index = 0
        self._last_index = -1
        self._slot: ScanSlot | None = None  # the scan in progress (between wait and end)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    # --- configuration ---------------------------------------------------------------------
    @property
    def period(self) -> float:
        """Scan period in seconds. Setting it applies from the next deadline, anchored at the last
        one (no phase jump, no burst)."""
        return self._period_ns / NS_PER_S

    @period.setter
    def period(self, value: float) -> None:
        ns = _period_ns(value)
        if self._grid is not None:
            if self._last_index >= 0:
                # Anchor at the last slot run; the next deadline is that one + the new period.
                self._grid.reanchor(self._last_index, ns)
                self._next_index = self._last_index + 1
            else:
                self._grid.reanchor(self._next_index, ns)
        self._period_ns = ns

    @property
    def settings(self) -> SchedulerSettings:
        return self._settings

    @property
    def started(self) -> bool:
        return self._grid is not None

    @property
    def compensation_ns(self) -> int:
        """How early the timerfd is armed before each deadline right now."""
        return self._compensation(self._finish_mode())

    def _compensation(self, mode: int) -> int:
        s = self._settings
        if self._timer is None or mode == _t.FINISH_NONE or s.compensation == "off":
            return 0
        comp = self._timer.wake_latency_ns if s.compensation == "auto" else int(s.compensation)
        return max(0, min(comp, s.max_early_ns, self._period_ns // 2))

    def _finish_mode(self) -> int:
        f = self._settings.finish
        if f == "none":
            return _t.FINISH_NONE
        if f == "sleep":
            return _t.FINISH_SLEEP
        # Never busy-wait under SCHED_FIFO/RR: RT throttling turns spinning into huge stalls.
        if os.sched_getscheduler(0) & ~_RESET_ON_FORK in _RT_POLICIES:
            return _t.FINISH_SLEEP
        return _t.FINISH_SPIN

    # --- the scan cycle --------------------------------------------------------------------
    def start(self, now_ns: int | None = None) -> None:
        """Set t0 (default: now): slot 0 is due at t0, slot k at t0 + k*T."""
        self._check_open()
        t0 = self._clock.monotonic_ns() if now_ns is None else int(now_ns)
        self._grid = DeadlineGrid(anchor_ns=t0, period_ns=self._period_ns)
        self._next_index = 0
        self._last_index = -1
        self._slot = None

    async def wait_for_next_scan(self) -> ScanSlot:
        """Wait until the next deadline (live) and return its slot; never waits on a virtual clock."""
        self._check_open()
        if self._grid is None:
            self.start()
        if self._slot is not None:  # the previous scan was not ended explicitly
            self.end_scan()
        grid = self._grid
        assert grid is not None
        if self._virtual:
            now = self._clock.monotonic_ns()
            index = max(self._next_index, grid.index_at_or_before(now))
        else:
            now = await self._wait_live()
            index = self._next_index
            latest = grid.index_at_or_before(now)
            if latest > index:  # woke after later deadlines too (loop was blocked): skip to latest
                index = latest
        skipped = index - self._next_index
        deadline = grid.deadline(index)
        slot = ScanSlot(index, deadline, now, now - deadline, skipped)
        self._slot = slot
        self._last_index = index
        self._next_index = index + 1
        return slot

    async def _wait_live(self) -> int:
        timer = self._timer
        assert timer is not None and self._grid is not None
        self._ensure_reader()
        while True:
            deadline = self._grid.deadline(self._next_index)
            now = _t.now_ns()
            if now >= deadline:
                return now
            mode = self._finish_mode()
            q = self._settings.quantile_for(spinning=mode == _t.FINISH_SPIN)
            if q != self._quantile:  # the thread's policy changed (e.g. apply_realtime ran)
                timer.set_quantile(q)
                self._quantile = q
            comp = self._compensation(mode)
            fire = deadline - comp
            if fire - now > _MIN_ARM_NS:
                loop = self._loop
                assert loop is not None
                self._waiter = loop.create_future()
                timer.arm(fire)
                try:
                    await self._waiter
                finally:
                    self._waiter = None
            # The period may have changed while we waited: finish on the current deadline.
            deadline = self._grid.deadline(self._next_index)
            bound = max(comp, _MIN_ARM_NS) + _MIN_ARM_NS
            now = timer.finish(deadline, mode, self._settings.max_early_ns, bound)
            if now >= deadline:
                return now

    def _now(self) -> int:
        # Live: CLOCK_MONOTONIC straight from C (the clock the timerfd runs on).
        return self._clock.monotonic_ns() if self._virtual else _t.now_ns()

    def _ensure_reader(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            return
        assert self._timer is not None
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._timer.fd)
        loop.add_reader(self._timer.fd, self._on_timer)
        self._loop = loop

    def _on_timer(self) -> None:
        # Level-triggered: the fd must be drained here or the loop would spin.
        if self._timer is not None:
            self._timer.consume()
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def end_scan(self, now_ns: int | None = None) -> ScanResult:
        """Record the scan's duration and lateness; skip the slots it ran past (overrun)."""
        self._check_open()
        slot = self._slot
        if slot is None or self._grid is None:
            raise SchedulerError("Scheduler.end_scan called without a scan in progress "
                                 "(call wait_for_next_scan first)")
        now = self._now() if now_ns is None else int(now_ns)
        duration = max(0, now - slot.woke_ns)
        nxt = self._grid.first_index_not_before(now, slot.index + 1)
        skipped = nxt - (slot.index + 1)
        self._next_index = nxt
        self._slot = None
        self._stats.record_scan(slot.lateness_ns, duration, slot.skipped + skipped, skipped > 0)
        return ScanResult(duration, skipped > 0, skipped)

    # --- statistics and lifetime -----------------------------------------------------------
    def statistics(self) -> SchedulerStats:
        """Counters and lateness/duration percentiles since start or the last reset."""
        self._check_open()
        s = self._stats.summary()
        return SchedulerStats(
            scans=s.scans, overruns=s.overruns, skipped=s.skipped, early=s.early,
            lateness_p50_ns=s.lateness_p50_ns, lateness_p90_ns=s.lateness_p90_ns,
            lateness_p99_ns=s.lateness_p99_ns, lateness_p999_ns=s.lateness_p999_ns,
            lateness_max_ns=s.lateness_max_ns,
            duration_p50_ns=s.duration_p50_ns, duration_p90_ns=s.duration_p90_ns,
            duration_p99_ns=s.duration_p99_ns, duration_p999_ns=s.duration_p999_ns,
            duration_max_ns=s.duration_max_ns,
            period=self.period, compensation_ns=self.compensation_ns,
        )

    def reset_statistics(self) -> None:
        """Forget recorded scans (the learned wake latency is kept)."""
        self._check_open()
        self._stats.reset()

    def close(self) -> None:
        """Stop watching the timer and free the C objects (idempotent). A pending
        ``wait_for_next_scan`` raises :class:`SchedulerError`."""
        if self._closed:
            return
        self._closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(SchedulerError("Scheduler closed while waiting for the next scan"))
        if self._timer is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self._timer.fd)
            self._timer.close()
        self._stats.close()

    def _check_open(self) -> None:
        if self._closed:
            raise SchedulerError("Scheduler is closed")

    def __repr__(self) -> str:
        return f"Scheduler(period={self.period!r}, next_index={self._next_index}, virtual={self._virtual})"
