"""Application-level cost: ``set_tag``/``get_tag`` and the per-scan commit, vs a plain-Python anchor.

Run: ``.venv/bin/python benchmarks/bench_app.py``. The anchor is what a pydoover-style app does:
a dict of tag values plus a pending dict merged into the aggregate once per loop. Goals (issue 2):
``set_tag`` of a scalar <= 1 µs; the commit of 1,000 changed tags <= 1 ms (both on this machine).
Also prints the cost of one empty scan in test mode (the runtime's own per-scan overhead).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from doover_fsm import Application, run_app


class PlainApp:
    """The anchor: pydoover-style tags (value dict + pending dict, one merge per loop)."""

    def __init__(self, app_key: str) -> None:
        self.app_key = app_key
        self.values: dict[str, dict[str, Any]] = {app_key: {}}
        self.pending: dict[str, dict[str, Any]] = {}

    def set_tag(self, key: str, value: Any, only_if_changed: bool = True) -> None:
        mine = self.values[self.app_key]
        if only_if_changed and key in mine and mine[key] == value and type(mine[key]) is type(value):
            return
        mine[key] = value
        self.pending.setdefault(self.app_key, {})[key] = value

    def get_tag(self, key: str, default: Any = None) -> Any:
        return self.values[self.app_key].get(key, default)

    def commit(self) -> dict[str, Any]:
        patch, self.pending = self.pending, {}
        return patch


def per_call_us(fn: Any, n: int) -> float:
    best = []
    for _ in range(5):
        t0 = time.perf_counter_ns()
        fn(n)
        best.append((time.perf_counter_ns() - t0) / n / 1000)
    return min(best)


async def main() -> None:
    data = tempfile.mkdtemp(prefix="bench-app-")
    app = Application(test_mode=True, data_dir=data, app_key="bench")
    task = asyncio.create_task(run_app(app, start=False, setup_logging=False))
    await app.wait_until_ready()
    plain = PlainApp("bench")
    n = 200_000
    keys = [f"t{i}" for i in range(1000)]

    def ours_set(n: int) -> None:
        st = app.set_tag
        for i in range(n):
            st("speed", float(i))

    def plain_set(n: int) -> None:
        st = plain.set_tag
        for i in range(n):
            st("speed", float(i))

    def ours_get(n: int) -> None:
        gt = app.get_tag
        for _ in range(n):
            gt("speed")

    def plain_get(n: int) -> None:
        gt = plain.get_tag
        for _ in range(n):
            gt("speed")

    rows = [("set_tag (scalar, changed)", per_call_us(ours_set, n), per_call_us(plain_set, n)),
            ("get_tag", per_call_us(ours_get, n), per_call_us(plain_get, n))]

    def commit_ours() -> float:
        for i, k in enumerate(keys):
            app.set_tag(k, i + time.monotonic_ns() % 1000 * 1.0)
        t0 = time.perf_counter_ns()
        app.dfsm.store.commit()
        return (time.perf_counter_ns() - t0) / 1000

    def commit_plain() -> float:
        for i, k in enumerate(keys):
            plain.set_tag(k, i + time.monotonic_ns() % 1000 * 1.0)
        t0 = time.perf_counter_ns()
        plain.commit()
        return (time.perf_counter_ns() - t0) / 1000

    rows.append(("commit of 1,000 changed tags", statistics.median(commit_ours() for _ in range(50)),
                 statistics.median(commit_plain() for _ in range(50))))

    scan_us = []
    for _ in range(300):
        t0 = time.perf_counter_ns()
        await app.next()
        scan_us.append((time.perf_counter_ns() - t0) / 1000)
    app.request_stop()
    await task

    print(f"{'operation':32} {'doover_fsm µs':>14} {'plain Python µs':>16} {'ratio':>7}")
    for name, ours, anchor in rows:
        print(f"{name:32} {ours:14.3f} {anchor:16.3f} {ours / anchor:7.2f}")
    print(f"empty scan in test mode (next(), p50 of 300): {statistics.median(scan_us):.1f} µs")
    print("goals: set_tag <= 1 µs; commit of 1,000 changed tags <= 1000 µs")


if __name__ == "__main__":
    asyncio.run(main())
