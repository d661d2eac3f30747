"""Tag store speed: doover_fsm's TagStore (C table + ring) vs a plain-Python dict/deque store.

Run: ``PYTHONPATH=. python benchmarks/bench_tags.py``. Prints µs per operation and the ratio
TagStore / plain Python (below 1.0: TagStore is faster). Goals: set of a scalar <= 1 µs,
commit of 1,000 changed tags <= 1 ms.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from doover_fsm.tags.store import TagStore


class PlainTagStore:
    """The anchor: same semantics in plain Python (change detection, pending set, log deque)."""

    def __init__(self) -> None:
        self._values: dict[tuple[str | None, str], Any] = {}
        self._pending: set[tuple[str | None, str]] = set()
        self._log: deque[tuple[str | None, str, Any, int]] = deque()

    def set(self, app_key: str | None, name: str, value: Any, *, only_if_changed: bool = True,
            log: bool = False) -> bool:
        key = (app_key, name)
        old = self._values.get(key)
        if only_if_changed and type(old) is type(value) and old == value:
            return False
        self._values[key] = value
        self._pending.add(key)
        if log:
            self._log.append((app_key, name, value, time.time_ns()))
        return True

    def get(self, app_key: str | None, name: str, default: Any = None) -> Any:
        return self._values.get((app_key, name), default)

    def commit(self) -> tuple[dict[str, Any], list[Any]]:
        patch: dict[str, Any] = {}
        values = self._values
        for key in self._pending:
            app_key, name = key
            if app_key is None:
                patch[name] = values[key]
            else:
                section = patch.get(app_key)
                if section is None:
                    section = patch[app_key] = {}
                section[name] = values[key]
        self._pending.clear()
        logged = list(self._log)
        self._log.clear()
        return patch, logged


def best_us(fn: Any, loops: int, repeat: int = 7) -> float:
    """Best-of-``repeat`` mean µs per call of fn() over ``loops`` calls."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        fn(loops)
        best = min(best, (time.perf_counter_ns() - t0) / loops / 1000)
    return best


def bench_set(store: Any, changing: bool) -> float:
    store.set("pump", "rate", 0.0)

    def run(n: int) -> None:
        s = store.set
        if changing:
            for i in range(n):
                s("pump", "rate", float(i))
        else:
            for _ in range(n):
                s("pump", "rate", 1.5)

    return best_us(run, 200_000)


def bench_set_int(store: Any) -> float:
    def run(n: int) -> None:
        s = store.set
        for i in range(n):
            s("pump", "count", i)

    return best_us(run, 200_000)


def bench_get(store: Any) -> float:
    store.set("pump", "rate", 1.5)

    def run(n: int) -> None:
        g = store.get
        for _ in range(n):
            g("pump", "rate")

    return best_us(run, 200_000)


def bench_commit(store: Any, ntags: int = 1000) -> float:
    names = [f"t{i}" for i in range(ntags)]
    best = float("inf")
    for rep in range(30):
        for i, name in enumerate(names):
            store.set("app", name, rep * ntags + i)
        t0 = time.perf_counter_ns()
        store.commit()
        best = min(best, (time.perf_counter_ns() - t0) / 1000)
    return best


def bench_log_commit(store: Any, npoints: int = 1000) -> float:
    best = float("inf")
    for rep in range(30):
        for i in range(npoints):
            store.set("app", "logged", rep * npoints + i, log=True)
        t0 = time.perf_counter_ns()
        store.commit()
        best = min(best, (time.perf_counter_ns() - t0) / 1000)
    return best


def main() -> None:
    rows = [
        ("set scalar float, changed", bench_set(TagStore(), True), bench_set(PlainTagStore(), True), "µs"),
        ("set scalar float, unchanged", bench_set(TagStore(), False), bench_set(PlainTagStore(), False), "µs"),
        ("set scalar int, changed", bench_set_int(TagStore()), bench_set_int(PlainTagStore()), "µs"),
        ("get scalar", bench_get(TagStore()), bench_get(PlainTagStore()), "µs"),
        ("commit 1,000 changed tags", bench_commit(TagStore()), bench_commit(PlainTagStore()), "µs"),
        ("commit 1,000 log points", bench_log_commit(TagStore()), bench_log_commit(PlainTagStore()), "µs"),
    ]
    print(f"{'operation':32s} {'TagStore':>10s} {'plain py':>10s} {'ratio':>7s}")
    for name, ours, plain, unit in rows:
        print(f"{name:32s} {ours:8.3f}{unit} {plain:8.3f}{unit} {ours / plain:7.2f}")
    set_us = rows[0][1]
    commit_us = rows[4][1]
    print(f"goal set <= 1 µs: {'met' if set_us <= 1.0 else 'MISSED'} ({set_us:.3f} µs); "
          f"goal commit(1000) <= 1 ms: {'met' if commit_us <= 1000 else 'MISSED'} ({commit_us:.1f} µs)")


if __name__ == "__main__":
    main()
