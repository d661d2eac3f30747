"""Scan-pacing benchmark: doover_fsm's Scheduler against its anchors, in one process and one run.

Loops, each at every period for ``--seconds``:
  pydoover-style   relative ``asyncio.sleep(period - elapsed)``, re-anchored on ``time.time()``
  asyncio-abs      plain asyncio absolute deadlines (``asyncio.sleep(deadline - loop.time())``)
  doover_fsm       the Scheduler with default settings (timerfd + learned early arm + finish)
  cyclictest       rt-tests' cyclictest, SCHED_OTHER, when installed (the machine's floor)
``--variants`` adds the alternatives the design was chosen from: Scheduler finish none/sleep/spin,
and a dedicated thread sleeping in clock_nanosleep that wakes the loop by call_soon_threadsafe.

Usage: python benchmarks/bench_scheduler.py [--periods 1ms,10ms] [--seconds 10] [--variants] [--json F]
                                           [--rt-priority P]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doover_fsm._core import timing as _t
from doover_fsm.scheduler import RealtimeSettings, SchedulerSettings, apply_realtime
from doover_fsm.scheduler.measure import (
    LoopMeasurement,
    format_period,
    format_table,
    measure_scheduler,
    parse_periods,
    run_cyclictest,
    summarize,
)

NS = 1_000_000_000


async def pydoover_style(period: float, seconds: float) -> LoopMeasurement:
    """pydoover's pacing: work, then sleep the rest of the period, relative to time.time()."""
    cpu0 = time.process_time()
    t0 = time.monotonic_ns()
    end = t0 + int(seconds * NS)
    lateness: list[int] = []
    target = t0
    while True:
        now = time.monotonic_ns()
        if now >= end:
            break
        lateness.append(now - target)
        start = time.time()  # pydoover re-anchors every iteration on the wall clock
        elapsed = time.time() - start
        target = time.monotonic_ns() + int((period - elapsed) * NS)
        await asyncio.sleep(max(period - elapsed, 0))
    last = t0 + sum(lateness) + (len(lateness) - 1) * int(period * NS)  # where its last tick was
    drift = last - (t0 + (len(lateness) - 1) * int(period * NS))
    return summarize("pydoover-style", period, seconds, lateness, 0, drift, time.process_time() - cpu0)


async def asyncio_absolute(period: float, seconds: float) -> LoopMeasurement:
    """Absolute deadlines with plain asyncio (ms-rounded epoll timeouts); skips missed slots."""
    loop = asyncio.get_running_loop()
    cpu0 = time.process_time()
    p = int(period * NS)
    t0 = time.monotonic_ns()
    end = t0 + int(seconds * NS)
    lateness: list[int] = []
    k, skipped, drift = 0, 0, 0
    while True:
        deadline = t0 + k * p
        delay = (deadline - time.monotonic_ns()) / NS
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic_ns()
        if now >= end:
            break
        lateness.append(now - deadline)
        drift = now - deadline
        nk = max(k + 1, (now - t0) // p + 1)
        skipped += nk - k - 1
        k = nk
    del loop
    return summarize("asyncio-abs", period, seconds, lateness, skipped, drift, time.process_time() - cpu0)


async def thread_waker(period: float, seconds: float) -> LoopMeasurement:
    """A dedicated thread sleeps to each deadline (clock_nanosleep ABSTIME, GIL released) and wakes
    the loop with call_soon_threadsafe; the task measures when it actually resumes."""
    loop = asyncio.get_running_loop()
    cpu0 = time.process_time()
    p = int(period * NS)
    t0 = time.monotonic_ns()
    end = t0 + int(seconds * NS)
    queue: asyncio.Queue[int] = asyncio.Queue()
    stop = threading.Event()

    def run() -> None:
        k = 0
        while not stop.is_set():
            deadline = t0 + k * p
            _t.sleep_until(deadline)
            loop.call_soon_threadsafe(queue.put_nowait, deadline)
            k = max(k + 1, (time.monotonic_ns() - t0) // p + 1)

    th = threading.Thread(target=run, name="waker", daemon=True)
    th.start()
    lateness: list[int] = []
    skipped, drift, last_k = 0, 0, -1
    while True:
        deadline = await queue.get()
        now = time.monotonic_ns()
        if now >= end:
            break
        k = (deadline - t0) // p
        skipped += k - last_k - 1
        last_k = k
        lateness.append(now - deadline)
        drift = now - deadline
    stop.set()
    th.join()
    return summarize("thread+call_soon_threadsafe", period, seconds, lateness, skipped, drift,
                     time.process_time() - cpu0)


async def run_all(periods: list[float], seconds: float, variants: bool,
                  rt_priority: int | None = None) -> list[LoopMeasurement]:
    rows: list[LoopMeasurement] = []
    for period in periods:
        print(f"# {format_period(period)} ...", file=sys.stderr, flush=True)
        rows.append(await pydoover_style(period, seconds))
        rows.append(await asyncio_absolute(period, seconds))
        rows.append(await measure_scheduler(period, seconds))
        if variants:
            rows.append(await thread_waker(period, seconds))
            for finish in ("none", "sleep", "spin"):
                s = SchedulerSettings(finish=finish)  # type: ignore[arg-type]
                rows.append(await measure_scheduler(period, seconds, settings=s,
                                                    name=f"doover_fsm finish={finish}"))
            for q in (0.5, 0.99):
                qs = SchedulerSettings(wake_quantile=q)
                rows.append(await measure_scheduler(period, seconds, settings=qs, name=f"doover_fsm q={q}"))
        ct = run_cyclictest(period, seconds, priority=rt_priority)
        if ct is not None:
            rows.append(ct)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--periods", default="1ms,10ms")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--variants", action="store_true", help="also measure the design alternatives")
    ap.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    ap.add_argument("--rt-priority", type=int, metavar="P",
                    help="run every loop (and cyclictest -pP) under SCHED_FIFO P (needs root)")
    args = ap.parse_args(argv)
    periods = parse_periods(args.periods)
    if args.rt_priority is not None:
        for report in apply_realtime(RealtimeSettings(priority=args.rt_priority), strict=True):
            print(f"# {report.detail}", file=sys.stderr)
    rows = asyncio.run(run_all(periods, args.seconds, args.variants, args.rt_priority))
    anchor = {r.period: r for r in rows if r.name == "cyclictest" and r.ticks}
    print(format_table(rows, anchor))
    print()
    for period in periods:
        ours = next(r for r in rows if r.period == period and r.name == "doover_fsm")
        ct = anchor.get(period)
        verdict = [f"{format_period(period)}: ticks {ours.ticks_pct:.2f}%",
                   f"drift {ours.drift_ns / 1e3:.1f} µs"]
        if ct is not None:
            ratio = ours.lateness_p99_ns / max(ct.lateness_p99_ns, 1)
            verdict.append(f"p99 {ratio:.2f}x cyclictest ({'OK' if ratio <= 2 else 'over goal 2x'})")
        print("  " + ", ".join(verdict))
    if args.json:
        Path(args.json).write_text(json.dumps([r.as_dict() for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
