"""Measuring this machine's timing floor: the Scheduler with a given scan, and ``cyclictest``.

Shared by ``doover-fsm bench``/``tune`` and ``benchmarks/bench_scheduler.py`` so every report uses
the same definitions: lateness = scan start - deadline; ticks = scans run; drift = last scan start
minus where the loop's own slot count says it should be (bounded for absolute-deadline loops,
growing for relative-sleep loops). Not thread-safe (plain functions; run one measurement at a time).
"""

from __future__ import annotations

import asyncio
import math
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from doover_fsm.clock import NS_PER_S, MonotonicClock
from doover_fsm.scheduler.scheduler import Scheduler
from doover_fsm.scheduler.settings import SchedulerSettings

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
_PERIOD_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ns|us|µs|ms|s)?\s*$")


def parse_period(text: str) -> float:
    """``"1ms"``, ``"250us"``, ``"0.01"`` (seconds) or ``"2s"`` -> seconds (> 0)."""
    m = _PERIOD_RE.match(text)
    if not m:
        raise ValueError(f"not a period: {text!r} (use e.g. 1ms, 250us, 0.01s)")
    value = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    if not value > 0:
        raise ValueError(f"period must be > 0: {text!r}")
    return value


def parse_periods(text: str) -> list[float]:
    """Comma-separated periods (see :func:`parse_period`), in the given order."""
    items = [p for p in text.split(",") if p.strip()]
    if not items:
        raise ValueError("no periods given")
    return [parse_period(p) for p in items]


def format_period(seconds: float) -> str:
    """Seconds as a short label: 0.001 -> ``1ms``, 0.00025 -> ``250us``."""
    if seconds >= 1:
        return f"{seconds:g}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:g}ms"
    return f"{seconds * 1e6:g}us"


def percentile(values: Sequence[int], q: float) -> int:
    """Nearest-rank percentile (the same definition as the C histogram, but exact)."""
    if not values:
        return 0
    s = sorted(values)
    rank = max(1, min(len(s), math.ceil(q * len(s))))
    return s[rank - 1]


@dataclass(frozen=True, slots=True)
class LoopMeasurement:
    """One loop at one period: lateness percentiles (ns), ticks, drift, CPU."""

    name: str
    period: float
    seconds: float
    ticks: int
    expected: int
    skipped: int
    lateness_p50_ns: int
    lateness_p99_ns: int
    lateness_max_ns: int
    drift_ns: int
    cpu_s: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ticks_pct(self) -> float:
        return 100.0 * self.ticks / self.expected if self.expected else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ticks_pct"] = self.ticks_pct
        return d


def summarize(name: str, period: float, seconds: float, lateness: Sequence[int], skipped: int,
              drift_ns: int, cpu_s: float | None = None, note: str = "") -> LoopMeasurement:
    """Build a :class:`LoopMeasurement` from raw lateness samples (ns)."""
    return LoopMeasurement(name, period, seconds, len(lateness), int(seconds / period), skipped,
                           percentile(lateness, 0.5), percentile(lateness, 0.99),
                           max(lateness) if lateness else 0, drift_ns, cpu_s, note)


async def measure_scheduler(period: float, seconds: float, *, settings: SchedulerSettings | None = None,
                            scan: Callable[[], Any] | None = None,
                            name: str = "doover_fsm") -> LoopMeasurement:
    """Run the Scheduler for ``seconds`` with ``scan`` (default: empty) on the running loop."""
    sched = Scheduler(period, clock=MonotonicClock(), settings=settings)
    cpu0 = time.process_time()
    try:
        t0 = time.monotonic_ns()
        sched.start(now_ns=t0)
        end = t0 + round(seconds * NS_PER_S)
        last = None
        ticks = 0
        while True:
            slot = await sched.wait_for_next_scan()
            if slot.woke_ns >= end:
                sched.end_scan()
                break
            last = slot
            ticks += 1
            if scan is not None:
                r = scan()
                if asyncio.iscoroutine(r):
                    await r
            sched.end_scan()
        st = sched.statistics()
    finally:
        sched.close()
    cpu = time.process_time() - cpu0
    drift = 0 if last is None else last.woke_ns - (t0 + last.index * round(period * NS_PER_S))
    return LoopMeasurement(name, period, seconds, ticks, int(seconds / period), st.skipped,
                           st.lateness_p50_ns, st.lateness_p99_ns, st.lateness_max_ns, drift, cpu,
                           extra={"compensation_ns": st.compensation_ns, "overruns": st.overruns,
                                  "duration_p99_ns": st.duration_p99_ns})


_HIST_LINE = re.compile(r"^(\d+)\s+(\d+)\s*$")


def parse_cyclictest(text: str) -> tuple[dict[int, int], int, dict[str, int]]:
    """Parse ``cyclictest -q -h N`` output: ({latency_us: count}, overflows, summary fields)."""
    hist: dict[int, int] = {}
    summary: dict[str, int] = {}
    overflows = 0
    for line in text.splitlines():
        m = _HIST_LINE.match(line)
        if m:
            c = int(m.group(2))
            if c:
                hist[int(m.group(1))] = hist.get(int(m.group(1)), 0) + c
            continue
        m2 = re.match(r"^# (Min|Avg|Max) Latencies:\s+(\d+)", line)
        if m2:
            summary[m2.group(1).lower()] = int(m2.group(2))
        m3 = re.match(r"^# Histogram Overflows:\s+(\d+)", line)
        if m3:
            overflows = int(m3.group(1))
    return hist, overflows, summary


def _hist_percentile(hist: dict[int, int], overflow: int, overflow_value: int, q: float) -> int:
    total = sum(hist.values()) + overflow
    if total == 0:
        return 0
    rank = max(1, math.ceil(q * total))
    seen = 0
    for us in sorted(hist):
        seen += hist[us]
        if seen >= rank:
            return us
    return overflow_value


def run_cyclictest(period: float, seconds: float, *, priority: int | None = None,
                   hist_max_us: int = 20_000) -> LoopMeasurement | None:
    """Run ``cyclictest`` (one SCHED_OTHER thread unless ``priority``) at ``period``; None when it is
    not installed. ``-m`` (mlockall) is tried first and dropped if refused."""
    exe = shutil.which("cyclictest")
    if exe is None:
        return None
    interval_us = max(1, round(period * 1e6))
    base = [exe, "-q", "-t1", f"-i{interval_us}", f"-D{max(1, round(seconds))}", f"-h{hist_max_us}"]
    if priority is not None:
        base.append(f"-p{priority}")
    note = ""
    for extra in (["-m"], []):
        proc = subprocess.run(base + extra, capture_output=True, text=True, timeout=seconds + 30)
        if proc.returncode == 0 and "Total" in proc.stdout:
            break
        note = f"-m refused: {proc.stderr.strip()[:80]}" if extra else note
    else:
        return LoopMeasurement("cyclictest", period, seconds, 0, int(seconds / period), 0, 0, 0, 0, 0,
                               note=f"failed: {proc.stderr.strip()[:120]}")
    hist, overflows, summary = parse_cyclictest(proc.stdout)
    mx = summary.get("max", hist_max_us)
    ticks = sum(hist.values()) + overflows
    us = 1000
    return LoopMeasurement(
        "cyclictest", period, seconds, ticks, int(round(seconds) / period), 0,
        _hist_percentile(hist, overflows, mx, 0.5) * us, _hist_percentile(hist, overflows, mx, 0.99) * us,
        mx * us, 0, note=note or ("SCHED_OTHER" if priority is None else f"SCHED_FIFO {priority}"))


def format_table(rows: Iterable[LoopMeasurement], anchor: dict[float, LoopMeasurement] | None = None) -> str:
    """Fixed-width table; with ``anchor`` (cyclictest per period) adds p99 ratios."""
    head = (f"{'loop':<26} {'period':>7} {'p50 µs':>9} {'p99 µs':>9} {'max µs':>9} {'ticks':>9} "
            f"{'ticks %':>8} {'drift µs':>11} {'cpu %':>6} {'p99/ct':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = ""
        a = (anchor or {}).get(r.period)
        if a is not None and a.lateness_p99_ns > 0 and r is not a:
            ratio = f"{r.lateness_p99_ns / a.lateness_p99_ns:.2f}"
        cpu = f"{100 * r.cpu_s / r.seconds:.1f}" if r.cpu_s is not None else "-"
        lines.append(
            f"{r.name:<26} {format_period(r.period):>7} {r.lateness_p50_ns / 1e3:>9.1f} "
            f"{r.lateness_p99_ns / 1e3:>9.1f} {r.lateness_max_ns / 1e3:>9.1f} {r.ticks:>9d} "
            f"{r.ticks_pct:>7.2f}% {r.drift_ns / 1e3:>11.1f} {cpu:>6} {ratio:>7}"
            + (f"  {r.note}" if r.note else ""))
    return "\n".join(lines)
