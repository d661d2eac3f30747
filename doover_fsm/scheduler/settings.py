"""Scheduler settings: how hard to try to start each scan exactly on its deadline.

The trade-off is CPU against lateness: arming the timerfd early by the learned wake-up latency and
spinning the last few tens of microseconds gives near-zero lateness for a few percent of one core at
1 ms; sleeping the finish costs no CPU but pays the kernel's wake-up latency again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Compensation = Literal["auto", "off"] | int
Finish = Literal["auto", "spin", "sleep", "none"]

_FINISHES = ("auto", "spin", "sleep", "none")


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """Wake-up policy of a :class:`~doover_fsm.scheduler.Scheduler`. Immutable, thread-safe.

    compensation: ``"auto"`` learns this machine's wake-up latency (the ``wake_quantile``
        percentile of the last 256 timerfd wakes) and arms that much early; ``"off"`` arms on the
        deadline; an int arms that many ns early. Always capped by ``max_early_ns`` and half the period.
    finish: how the last stretch before the deadline is covered after an early wake:
        ``"spin"`` busy-waits (bounded by ``max_early_ns``), ``"sleep"`` uses
        ``clock_nanosleep(TIMER_ABSTIME)`` (blocks the loop thread briefly, no CPU), ``"none"``
        starts the scan at wake-up (compensation is then not applied), ``"auto"`` spins. Under
        SCHED_FIFO/SCHED_RR ``"auto"`` and ``"spin"`` sleep instead (never busy-wait under RT throttling).
    max_early_ns: upper bound on early arming, hence on the spin/sleep finish per scan.
    wake_quantile: which wake-latency percentile "auto" compensates (higher: late scans rarer, more
        time spent finishing). ``None`` (default) picks by finish mode: 0.9 when spinning (each µs
        of early arming is a µs of CPU), 0.99 when sleeping (costs no CPU, only a bounded block).
    """

    compensation: Compensation = "auto"
    finish: Finish = "auto"
    max_early_ns: int = 250_000
    wake_quantile: float | None = None

    def quantile_for(self, spinning: bool) -> float:
        """The wake-latency percentile to learn for a finish that spins or sleeps."""
        if self.wake_quantile is not None:
            return float(self.wake_quantile)
        return 0.9 if spinning else 0.99

    def __post_init__(self) -> None:
        c = self.compensation
        if isinstance(c, bool) or not (c in ("auto", "off") or isinstance(c, int)):
            raise ValueError(
                f"SchedulerSettings.compensation must be 'auto', 'off' or an int of ns, got {c!r}")
        if isinstance(c, int) and c < 0:
            raise ValueError(f"SchedulerSettings.compensation must be >= 0 ns, got {c!r}")
        if self.finish not in _FINISHES:
            raise ValueError(
                f"SchedulerSettings.finish must be one of {', '.join(_FINISHES)}, got {self.finish!r}")
        if isinstance(self.max_early_ns, bool) or not isinstance(self.max_early_ns, int) \
                or self.max_early_ns < 0:
            raise ValueError(f"SchedulerSettings.max_early_ns must be an int >= 0, got {self.max_early_ns!r}")
        q = self.wake_quantile
        if q is not None and (not isinstance(q, float | int) or isinstance(q, bool) or not math.isfinite(q)
                              or not 0 < q < 1):
            raise ValueError(f"SchedulerSettings.wake_quantile must be in (0, 1), got {q!r}")
