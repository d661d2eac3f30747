"""Dispatch speed of doover_fsm's compiled machine vs transitions' hierarchical machines.

Run: ``python benchmarks/bench_machine.py`` (prints µs/event and ratios), or with pytest
(``pytest benchmarks/bench_machine.py``) for pytest-benchmark figures.
The machine: depth-4 nesting, a guard, entry/exit callbacks on every state, and a cycle of
four events that moves between the deepest leaves of two sibling subtrees and back.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from transitions.extensions import HierarchicalMachine
from transitions.extensions.asyncio import HierarchicalAsyncMachine

from doover_fsm.clock import VirtualClock
from doover_fsm.machine import MachineRuntime, compile_machine


def _leafy(name: str, depth: int) -> dict[str, Any]:
    st: dict[str, Any] = {"name": name, "on_enter": "entered", "on_exit": "exited"}
    if depth > 1:
        st["children"] = [_leafy("a", depth - 1), _leafy("b", depth - 1)]
        st["initial"] = "a"
    return st


STATES = [_leafy("L", 4), _leafy("R", 4)]
TRANSITIONS = [
    {"trigger": "cross", "source": "L_a_a_a", "dest": "R_a_a_b", "conditions": "allowed"},
    {"trigger": "deep", "source": "R_a_a", "dest": "R_a_b"},
    {"trigger": "cross", "source": "R", "dest": "L", "conditions": "allowed"},
    {"trigger": "hop", "source": "L_a_a", "dest": "L_a_a_a"},
]
EVENTS = ["cross", "deep", "cross", "hop"]


class Model:
    def __init__(self) -> None:
        self.n = 0

    def entered(self, *_: Any) -> None:
        self.n += 1

    def exited(self, *_: Any) -> None:
        self.n += 1

    def allowed(self, *_: Any) -> bool:
        return True


class AsyncModel(Model):
    async def entered(self, *_: Any) -> None:  # type: ignore[override]
        self.n += 1


def make_ours(model: Any | None = None) -> MachineRuntime:
    compiled = compile_machine(STATES, TRANSITIONS, "L", model_class=Model)
    rt = MachineRuntime(compiled, model or Model(), clock=VirtualClock(), send_event=False)
    rt.start()
    return rt


def make_hsm() -> Any:
    m = Model()
    HierarchicalMachine(model=m, states=STATES, transitions=TRANSITIONS, initial="L", auto_transitions=False)
    return m


def _per_event(fn: Any, n: int) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        fn(n)
        best = min(best, (time.perf_counter() - t0) / (n * len(EVENTS)))
    return best * 1e6


def bench_ours(n: int) -> float:
    rt = make_ours()
    trig = rt.trigger

    def run(k: int) -> None:
        for _ in range(k):
            for e in EVENTS:
                trig(e)

    return _per_event(run, n)


def bench_hsm(n: int) -> float:
    m = make_hsm()

    def run(k: int) -> None:
        for _ in range(k):
            for e in EVENTS:
                m.trigger(e)

    return _per_event(run, n)


def bench_async(n: int) -> tuple[float, float]:
    async def go() -> tuple[float, float]:
        m = AsyncModel()
        HierarchicalAsyncMachine(model=m, states=STATES, transitions=TRANSITIONS, initial="L",
                                 auto_transitions=False)
        rt = MachineRuntime(compile_machine(STATES, TRANSITIONS, "L"), AsyncModel(), clock=VirtualClock(),
                            send_event=False)
        await rt.astart()
        res = []
        for fire in (m.trigger, rt.atrigger):
            best = float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                for _ in range(n):
                    for e in EVENTS:
                        await fire(e)
                best = min(best, (time.perf_counter() - t0) / (n * len(EVENTS)))
            res.append(best * 1e6)
        return res[0], res[1]

    return asyncio.run(go())


def bench_compile() -> float:
    states = [{"name": f"s{i}", "on_enter": "entered", "on_exit": "exited",
               "children": [f"c{j}" for j in range(4)], "initial": "c0"} for i in range(10)]
    states += [{"name": f"t{i}", "on_enter": "entered"} for i in range(0)]
    trans = [{"trigger": f"go{i}", "source": f"s{i}", "dest": f"s{(i + 1) % 10}_c{i % 4}", "conditions": "allowed"}
             for i in range(10)]
    trans += [{"trigger": "step", "source": f"s{i}_c{j}", "dest": f"s{i}_c{(j + 1) % 4}"}
              for i in range(10) for j in range(4)]
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        compile_machine(states, trans, "s0", model_class=Model)
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def main() -> None:
    n = 5000
    ours = bench_ours(n)
    hsm = bench_hsm(max(n // 10, 100))
    hsm_async, ours_async = bench_async(max(n // 10, 100))
    comp = bench_compile()
    print("depth-4 nested machine, guard + entry/exit callbacks, 4-event cycle")
    print(f"  doover_fsm MachineRuntime.trigger       {ours:8.2f} µs/event")
    print(f"  doover_fsm MachineRuntime.atrigger      {ours_async:8.2f} µs/event (async entry callbacks)")
    print(f"  transitions HierarchicalMachine         {hsm:8.2f} µs/event  ratio {hsm / ours:6.1f}x (goal >= 30x)")
    print(f"  transitions HierarchicalAsyncMachine    {hsm_async:8.2f} µs/event  ratio {hsm_async / ours:6.1f}x "
          f"vs sync, {hsm_async / ours_async:6.1f}x vs our async (goal >= 50x)")
    print(f"  compile_machine, 50 states / 50 transitions: {comp:.2f} ms (goal < 50 ms)")


def test_bench_ours(benchmark: Any) -> None:
    rt = make_ours()
    benchmark(lambda: [rt.trigger(e) for e in EVENTS])


def test_bench_hsm(benchmark: Any) -> None:
    m = make_hsm()
    benchmark(lambda: [m.trigger(e) for e in EVENTS])


def test_bench_compile(benchmark: Any) -> None:
    benchmark(bench_compile)


if __name__ == "__main__":
    main()
