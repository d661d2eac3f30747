"""Real-time knobs for the scan thread: SCHED_FIFO priority, CPU affinity, mlockall, timer slack,
gc.freeze. Each knob is optional and reports on its own when the system refuses it.

Call :func:`apply_realtime` **on the scan thread** (the asyncio loop thread), after setup.
SCHED_FIFO is set with ``SCHED_RESET_ON_FORK``: threads (and processes) started afterwards by this
thread come up as SCHED_OTHER, so executor/I/O helper threads never inherit the RT priority. CPU
affinity and timer slack are per thread and *are* inherited by threads started afterwards; mlockall
and gc.freeze are process-wide.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from dataclasses import dataclass

from doover_fsm._core import timing as _t
from doover_fsm.errors import RealtimeSettingError

_POLICY_NAMES = {os.SCHED_OTHER: "SCHED_OTHER", os.SCHED_FIFO: "SCHED_FIFO", os.SCHED_RR: "SCHED_RR",
                 os.SCHED_BATCH: "SCHED_BATCH", os.SCHED_IDLE: "SCHED_IDLE"}


@dataclass(frozen=True, slots=True)
class RealtimeSettings:
    """Which RT knobs to apply; ``None``/``False`` leaves a knob alone. Immutable, thread-safe.

    priority: SCHED_FIFO priority 1..99 for the calling thread. cpu: CPU index or list to pin the
    calling thread to. mlock: mlockall(current and future pages). timer_slack_ns: the calling
    thread's timer slack (>= 1; the kernel default is 50 µs). gc_freeze: collect, then move every
    object into the permanent generation so later collections don't walk them.
    """

    priority: int | None = None
    cpu: int | Sequence[int] | None = None
    mlock: bool = False
    timer_slack_ns: int | None = None
    gc_freeze: bool = False

    def __post_init__(self) -> None:
        p = self.priority
        if p is not None:
            lo, hi = os.sched_get_priority_min(os.SCHED_FIFO), os.sched_get_priority_max(os.SCHED_FIFO)
            if isinstance(p, bool) or not isinstance(p, int) or not lo <= p <= hi:
                raise ValueError(f"RealtimeSettings.priority must be an int in {lo}..{hi}, got {p!r}")
        if self.cpu is not None:
            cpus = self.cpus()
            if not cpus or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in cpus):
                raise ValueError(f"RealtimeSettings.cpu must be a CPU index >= 0 or a non-empty list, "
                                 f"got {self.cpu!r}")
        s = self.timer_slack_ns
        if s is not None and (isinstance(s, bool) or not isinstance(s, int) or s < 1):
            raise ValueError(f"RealtimeSettings.timer_slack_ns must be an int >= 1, got {s!r}")

    def cpus(self) -> list[int]:
        """The CPU set as a list (empty when ``cpu`` is None)."""
        if self.cpu is None:
            return []
        return [self.cpu] if isinstance(self.cpu, int) else list(self.cpu)


@dataclass(frozen=True, slots=True)
class RealtimeReport:
    """The outcome of one knob: ``applied`` or not, with a human-readable ``detail`` naming the
    knob and, on refusal, the ``error`` (a :class:`RealtimeSettingError` chained to the OS error)."""

    knob: str
    applied: bool
    detail: str
    error: RealtimeSettingError | None = None


def policy_name(tid: int = 0) -> str:
    """Scheduling policy of a thread (0: the calling thread), e.g. ``"SCHED_FIFO"``."""
    pol = os.sched_getscheduler(tid) & ~getattr(os, "SCHED_RESET_ON_FORK", 0)
    return _POLICY_NAMES.get(pol, str(pol))


def is_realtime_thread() -> bool:
    """True when the calling thread runs under SCHED_FIFO or SCHED_RR (never busy-wait then)."""
    return policy_name() in ("SCHED_FIFO", "SCHED_RR")


def _refused(knob: str, what: str, exc: OSError) -> RealtimeReport:
    message = f"{knob}: the system refused {what}: {exc.strerror or exc}"
    err = RealtimeSettingError(exc.errno or 0, message)
    err.__cause__ = exc
    return RealtimeReport(knob, False, message, err)


def apply_realtime(settings: RealtimeSettings, *, strict: bool = False) -> list[RealtimeReport]:
    """Apply each requested knob to the calling thread/process; one report per requested knob.

    With ``strict=True`` the first refusal raises its :class:`RealtimeSettingError` instead.
    """
    reports: list[RealtimeReport] = []

    def done(r: RealtimeReport) -> None:
        if strict and r.error is not None:
            raise r.error
        reports.append(r)

    if settings.cpu is not None:
        cpus = settings.cpus()
        try:
            os.sched_setaffinity(0, cpus)
            done(RealtimeReport("cpu", True, f"cpu: scan thread pinned to CPU(s) {cpus}"))
        except OSError as exc:
            done(_refused("cpu", f"sched_setaffinity to CPU(s) {cpus}", exc))
    if settings.timer_slack_ns is not None:
        try:
            _t.set_timer_slack(settings.timer_slack_ns)
            done(RealtimeReport("timer_slack_ns", True,
                                f"timer_slack_ns: scan thread timer slack {settings.timer_slack_ns} ns"))
        except OSError as exc:
            done(_refused("timer_slack_ns", f"PR_SET_TIMERSLACK {settings.timer_slack_ns} ns", exc))
    if settings.mlock:
        try:
            _t.lock_memory()
            done(RealtimeReport("mlock", True, "mlock: all current and future pages locked in RAM"))
        except OSError as exc:
            done(_refused("mlock", "mlockall(MCL_CURRENT|MCL_FUTURE) (needs CAP_IPC_LOCK or a large "
                          "RLIMIT_MEMLOCK)", exc))
    if settings.gc_freeze:
        gc.collect()
        gc.freeze()
        done(RealtimeReport("gc_freeze", True, f"gc_freeze: {gc.get_freeze_count()} objects frozen"))
    if settings.priority is not None:
        # Last, so nothing above runs at RT priority; RESET_ON_FORK keeps later threads SCHED_OTHER.
        policy = os.SCHED_FIFO | getattr(os, "SCHED_RESET_ON_FORK", 0)
        try:
            os.sched_setscheduler(0, policy, os.sched_param(settings.priority))
            done(RealtimeReport("priority", True,
                                f"priority: scan thread SCHED_FIFO {settings.priority} (reset on fork: "
                                "threads started later run SCHED_OTHER)"))
        except OSError as exc:
            done(_refused("priority", f"SCHED_FIFO priority {settings.priority} (needs root or "
                          "CAP_SYS_NICE / RLIMIT_RTPRIO)", exc))
    return reports


def reset_realtime_policy() -> None:
    """Put the calling thread back on SCHED_OTHER (e.g. in a thread initializer, or after tests)."""
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
