"""The one Python wrapper of the compiled timing core (``_timing``): timer, stats, RT knobs.

Thin and typed: it turns C's ``-1``/errno into exceptions via :func:`error_from_errno` and hides
cffi from the rest of the package. Nothing here knows about asyncio or the scheduler's policy.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Final

from doover_fsm._core._timing import ffi, lib
from doover_fsm.errors import InternalError, error_from_errno

FINISH_NONE: Final[int] = lib.DFSM_FINISH_NONE
FINISH_SLEEP: Final[int] = lib.DFSM_FINISH_SLEEP
FINISH_SPIN: Final[int] = lib.DFSM_FINISH_SPIN
STATS_LATENESS: Final[int] = lib.DFSM_STATS_LATENESS
STATS_DURATION: Final[int] = lib.DFSM_STATS_DURATION
STATS_BUCKETS: Final[int] = lib.DFSM_STATS_BUCKETS
WAKE_WINDOW: Final[int] = lib.DFSM_TIMER_WINDOW


def _raise(what: str) -> None:
    err = ffi.errno
    if err == errno.ENOTRECOVERABLE and lib.dfsm_contract_last(ffi.NULL):
        v = ffi.new("struct dfsm_contract_violation *")
        lib.dfsm_contract_last(v)
        detail = (f"{ffi.string(v.module).decode()} #{v.id}: {ffi.string(v.expr).decode()} "
                  f"({ffi.string(v.file).decode()}:{v.line})")
        raise InternalError(f"{what}: C core contract violated: {detail}")
    raise error_from_errno(err, f"{what} failed (errno {err})")


def now_ns() -> int:
    """CLOCK_MONOTONIC now in ns (same clock as ``time.monotonic_ns`` on Linux)."""
    return int(lib.dfsm_clock_now_ns())


def sleep_until(deadline_ns: int, mode: int = FINISH_SLEEP, spin_window_ns: int = 0) -> int:
    """Block the calling thread until ``deadline_ns`` (absolute CLOCK_MONOTONIC); returns now."""
    r = int(lib.dfsm_clock_sleep_until(deadline_ns, mode, spin_window_ns))
    if r < 0:
        _raise("dfsm_clock_sleep_until")
    return r


class Timer:
    """A timerfd armed on absolute CLOCK_MONOTONIC times that learns its wake latency.

    Not thread-safe: use from the thread that owns the event loop watching :attr:`fd`.
    """

    def __init__(self, quantile: float = 0.9) -> None:
        ptr = lib.dfsm_timer_new(quantile)
        if ptr == ffi.NULL:
            _raise(f"dfsm_timer_new(quantile={quantile!r})")
        self._ptr = ptr

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def _p(self):  # type: ignore[no-untyped-def]
        if self._ptr is None:
            raise ValueError("Timer is closed")
        return self._ptr

    @property
    def fd(self) -> int:
        """The timerfd to watch for readability."""
        return int(lib.dfsm_timer_fd(self._p()))

    def arm(self, fire_ns: int) -> None:
        """Fire at absolute ``fire_ns``; a past time fires at once."""
        if lib.dfsm_timer_arm(self._p(), fire_ns) != 0:
            _raise(f"dfsm_timer_arm({fire_ns})")

    def disarm(self) -> None:
        if lib.dfsm_timer_disarm(self._p()) != 0:
            _raise("dfsm_timer_disarm")

    def consume(self) -> int:
        """Drain the expiration count (0 when nothing was pending)."""
        r = int(lib.dfsm_timer_consume(self._p()))
        if r < 0:
            _raise("dfsm_timer_consume")
        return r

    def finish(self, deadline_ns: int, mode: int, spin_window_ns: int, max_block_ns: int) -> int:
        """After a wake: learn its latency, then finish to ``deadline_ns``; returns now (ns)."""
        r = int(lib.dfsm_timer_finish(self._p(), deadline_ns, mode, spin_window_ns, max_block_ns))
        if r < 0:
            _raise("dfsm_timer_finish")
        return r

    def set_quantile(self, quantile: float) -> None:
        """Learn another percentile of the wake latency (recomputed at once from the window)."""
        if lib.dfsm_timer_set_quantile(self._p(), quantile) != 0:
            _raise(f"dfsm_timer_set_quantile({quantile!r})")

    @property
    def wake_latency_ns(self) -> int:
        """Learned wake latency (the configured percentile over the recent window)."""
        return int(lib.dfsm_timer_wake_latency(self._p()))

    @property
    def wakes(self) -> int:
        return int(lib.dfsm_timer_wakes(self._p()))

    def reset_learning(self) -> None:
        lib.dfsm_timer_reset_learning(self._p())

    def close(self) -> None:
        """Close the fd and free the C object (idempotent)."""
        if self._ptr is not None:
            lib.dfsm_timer_free(self._ptr)
            self._ptr = None


@dataclass(frozen=True, slots=True)
class StatsSummary:
    """Counters and percentiles (ns) of a :class:`TimingStats`, read in one C call."""

    scans: int
    overruns: int
    skipped: int
    early: int
    lateness_min_ns: int
    lateness_max_ns: int
    lateness_p50_ns: int
    lateness_p90_ns: int
    lateness_p99_ns: int
    lateness_p999_ns: int
    duration_min_ns: int
    duration_max_ns: int
    duration_p50_ns: int
    duration_p90_ns: int
    duration_p99_ns: int
    duration_p999_ns: int


_SUMMARY_FIELDS = tuple(StatsSummary.__dataclass_fields__)


class TimingStats:
    """Per-scan lateness/duration histograms and counters in C (fixed storage, O(1) record).

    Not thread-safe: record and read from the scan thread.
    """

    def __init__(self) -> None:
        ptr = lib.dfsm_stats_new()
        if ptr == ffi.NULL:
            _raise("dfsm_stats_new")
        self._ptr = ptr
        self._out = ffi.new("dfsm_stats_summary *")

    def _p(self):  # type: ignore[no-untyped-def]
        if self._ptr is None:
            raise ValueError("TimingStats is closed")
        return self._ptr

    def record_scan(self, lateness_ns: int, duration_ns: int, skipped: int = 0,
                    overrun: bool = False) -> None:
        """Record one scan (one C call)."""
        if lib.dfsm_stats_record_scan(self._p(), lateness_ns, duration_ns, skipped, overrun) != 0:
            _raise(f"dfsm_stats_record_scan(duration_ns={duration_ns}, skipped={skipped})")

    def percentile(self, which: int, q: float) -> int:
        """Value (ns) at quantile ``q`` in [0, 1] of STATS_LATENESS or STATS_DURATION."""
        r = int(lib.dfsm_stats_percentile(self._p(), which, q))
        if r < 0:
            _raise(f"dfsm_stats_percentile(which={which}, q={q})")
        return r

    def summary(self) -> StatsSummary:
        if lib.dfsm_stats_summarize(self._p(), self._out) != 0:
            _raise("dfsm_stats_summarize")
        o = self._out
        return StatsSummary(*(int(getattr(o, f)) for f in _SUMMARY_FIELDS))

    def reset(self) -> None:
        lib.dfsm_stats_reset(self._p())

    def close(self) -> None:
        if self._ptr is not None:
            lib.dfsm_stats_free(self._ptr)
            self._ptr = None


def bucket_bounds(value: int) -> tuple[int, int]:
    """(lowest, width) of the histogram bucket holding ``value`` (for tests and docs)."""
    i = lib.dfsm_stats_bucket_index(value)
    return int(lib.dfsm_stats_bucket_lowest(i)), int(lib.dfsm_stats_bucket_width(i))


def set_timer_slack(slack_ns: int) -> None:
    """Set the calling thread's timer slack (PR_SET_TIMERSLACK; 0 restores the default)."""
    if lib.dfsm_rt_set_timer_slack(slack_ns) != 0:
        _raise(f"prctl(PR_SET_TIMERSLACK, {slack_ns})")


def get_timer_slack() -> int:
    r = int(lib.dfsm_rt_get_timer_slack())
    if r < 0:
        _raise("prctl(PR_GET_TIMERSLACK)")
    return r


def lock_memory() -> None:
    """mlockall(MCL_CURRENT | MCL_FUTURE)."""
    if lib.dfsm_rt_lock_memory() != 0:
        _raise("mlockall(MCL_CURRENT|MCL_FUTURE)")


def unlock_memory() -> None:
    if lib.dfsm_rt_unlock_memory() != 0:
        _raise("munlockall")
