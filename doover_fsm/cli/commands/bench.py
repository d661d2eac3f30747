"""``doover-fsm bench``: this machine's timing floor — the Scheduler with an empty scan, and cyclictest.

Run it on the target board before choosing ``loop_target_period``: it shows how late scans start
(p50/p99/max), how many ticks were achieved, and the same figures for ``cyclictest`` when installed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from doover_fsm.cli._common import print_json
from doover_fsm.scheduler import RealtimeSettings, SchedulerSettings, apply_realtime
from doover_fsm.scheduler.measure import (
    LoopMeasurement,
    format_period,
    format_table,
    measure_scheduler,
    parse_periods,
    run_cyclictest,
)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "bench", help="measure this machine's scan timing floor",
        description="Run the scan scheduler with an empty scan at each period (and cyclictest when it is "
                    "installed) and print lateness percentiles, ticks and drift. "
                    "Example: doover-fsm bench --periods 1ms,10ms --seconds 5",
    )
    p.add_argument("--periods", default="1ms,10ms", metavar="LIST",
                   help="comma-separated periods, e.g. 1ms,2ms,10ms (default: 1ms,10ms)")
    p.add_argument("--seconds", type=float, default=5.0, metavar="S", help="seconds per period (default 5)")
    p.add_argument("--finish", choices=["auto", "spin", "sleep", "none"], default="auto",
                   help="how the scheduler finishes the last stretch before a deadline (default auto)")
    p.add_argument("--rt-priority", type=int, metavar="P",
                   help="measure under SCHED_FIFO priority P (cyclictest too); needs root or CAP_SYS_NICE")
    p.add_argument("--no-cyclictest", action="store_true", help="do not run cyclictest")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


async def _measure(periods: list[float], seconds: float, settings: SchedulerSettings,
                   cyclictest: bool, quiet: bool, rt_priority: int | None) -> list[LoopMeasurement]:
    rows: list[LoopMeasurement] = []
    for period in periods:
        if not quiet:
            print(f"measuring {format_period(period)} for {seconds:g} s ...", file=sys.stderr, flush=True)
        rows.append(await measure_scheduler(period, seconds, settings=settings))
        if cyclictest:
            ct = run_cyclictest(period, seconds, priority=rt_priority)
            if ct is not None:
                rows.append(ct)
    return rows


def run(args: argparse.Namespace) -> int:
    if not args.seconds > 0:
        raise ValueError(f"--seconds must be > 0, got {args.seconds}")
    periods = parse_periods(args.periods)
    settings = SchedulerSettings(finish=args.finish)
    if args.rt_priority is not None:
        # Raises RealtimeSettingError naming the knob when the system refuses.
        apply_realtime(RealtimeSettings(priority=args.rt_priority), strict=True)
    rows = asyncio.run(_measure(periods, args.seconds, settings, not args.no_cyclictest, args.json,
                                args.rt_priority))
    if args.json:
        print_json([r.as_dict() for r in rows])
        return 0
    anchor = {r.period: r for r in rows if r.name == "cyclictest" and r.ticks}
    print(format_table(rows, anchor))
    if not args.no_cyclictest and not anchor:
        print("(cyclictest not installed: apt-get install rt-tests for the kernel's own figures)")
    return 0
