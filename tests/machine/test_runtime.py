"""Runtime behaviour: callbacks, run to completion, timeouts, scan handlers, async, hooks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from doover_fsm.clock import VirtualClock
from doover_fsm.errors import MachineError
from doover_fsm.events import Event
from doover_fsm.machine import EventData, MachineRuntime, compile_machine

STATES: list[Any] = [
    {"name": "idle", "shutdown_safe": True, "on_scan": "scan_idle"},
    {"name": "run", "on_enter": "enter_run", "on_exit": "exit_run", "timeout": 172800, "on_timeout": "run_expired",
     "children": [{"name": "fill", "timeout": 30, "on_timeout": "fill_expired"},
                  {"name": "drain", "shutdown_safe": True}], "initial": "fill"},
    {"name": "fault"},
]
TRANSITIONS: list[Any] = [
    ["start", "idle", "run"],
    {"trigger": "full", "source": "run_fill", "dest": "run_drain", "conditions": "is_full"},
    ["stop", "run", "idle"],
    ["fail", "*", "fault"],
    {"trigger": "poke", "source": "run", "dest": None, "after": "poked"},
]


class Pump:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.full = True

    def enter_run(self, *a: Any) -> None:
        self.log.append("enter run")

    def exit_run(self, *a: Any) -> None:
        self.log.append("exit run")

    def on_enter_run_drain(self, *a: Any) -> None:  # found by convention
        self.log.append("enter drain")

    def on_scan_run(self) -> None:  # found by convention
        self.log.append("scan run")

    def on_scan_run_fill(self) -> None:
        self.log.append("scan fill")

    def scan_idle(self) -> None:
        self.log.append("scan idle")

    def is_full(self, *a: Any) -> bool:
        return self.full

    def run_expired(self, *a: Any) -> None:
        self.log.append("run expired")

    def fill_expired(self, *a: Any) -> None:
        self.log.append("fill expired")
        self.machine.trigger("stop")

    def poked(self, *a: Any) -> None:
        self.log.append("poked")


COMPILED = compile_machine(STATES, TRANSITIONS, "idle", model_class=Pump)


def make(**kw: Any) -> tuple[MachineRuntime, Pump, VirtualClock]:
    clock = VirtualClock()
    pump = Pump()
    rt = MachineRuntime(COMPILED, pump, clock=clock, **kw)
    pump.machine = rt  # type: ignore[attr-defined]
    rt.start()
    return rt, pump, clock


def test_basic_flow_and_introspection() -> None:
    rt, pump, _ = make()
    assert rt.state == "idle" and rt.active_states == ("idle",)
    assert rt.trigger("start")
    assert rt.state == "run_fill" and rt.active_states == ("run", "run_fill")
    assert rt.is_state("run_fill") and not rt.is_state("run") and rt.is_state("run", allow_substates=True)
    assert rt.may_trigger("full") and not rt.may_trigger("start")
    assert rt.trigger("full") and rt.state == "run_drain"
    assert pump.log == ["enter run", "enter drain"]
    assert rt.trigger("poke") and rt.state == "run_drain" and pump.log[-1] == "poked"  # internal
    assert not rt.trigger("start")  # invalid here, ignored by default
    assert not rt.trigger("unknown")
    stats = rt.statistics()
    assert stats.transitions == 3 and stats.events_dispatched == 5 and stats.invalid_triggers == 2


def test_invalid_triggers_can_raise() -> None:
    rt, _, _ = make(ignore_invalid_triggers=False)
    with pytest.raises(MachineError, match="Can't trigger event 'stop'"):
        rt.trigger("stop")
    with pytest.raises(MachineError, match="Do not know event named 'nope'"):
        rt.trigger("nope")


def test_guard_failure_returns_false() -> None:
    rt, pump, _ = make()
    rt.trigger("start")
    pump.full = False
    assert rt.trigger("full") is False and rt.state == "run_fill"


def test_two_day_timeout_on_virtual_clock() -> None:
    rt, pump, clock = make()
    assert rt.poll_timeouts() == 0
    rt.trigger("start")
    rt.trigger("full")  # leaves fill: its 30 s timer is cancelled
    clock.advance(3600)
    assert rt.poll_timeouts() == 0
    clock.advance(2 * 86400)
    assert rt.poll_timeouts() == 1 and pump.log[-1] == "run expired"
    clock.advance(10 * 86400)
    assert rt.poll_timeouts() == 0  # fires once per entry
    assert rt.statistics().timeouts_fired == 1


def test_timeout_callback_triggers_run_to_completion() -> None:
    rt, pump, clock = make()
    rt.trigger("start")
    clock.advance(29.9)
    assert rt.poll_timeouts() == 0
    clock.advance(0.1)
    assert rt.next_deadline_ns() == 30 * 10**9
    assert rt.poll_timeouts() == 1
    assert pump.log == ["enter run", "fill expired", "exit run"] and rt.state == "idle"
    assert rt.statistics().timers_armed == 0  # the run timer was cancelled on exit


def test_scan_handlers_outermost_first_and_queue_triggers() -> None:
    rt, pump, _ = make()
    assert rt.run_scan_handlers() == 1 and pump.log == ["scan idle"]
    rt.trigger("start")
    pump.log.clear()
    assert rt.run_scan_handlers() == 2 and pump.log == ["scan run", "scan fill"]


def test_shutdown_safe() -> None:
    rt, _, _ = make()
    assert rt.shutdown_safe()  # idle is marked
    rt.trigger("start")
    assert not rt.shutdown_safe()
    rt.trigger("full")
    assert rt.shutdown_safe()  # drain is marked


def test_on_transition_hook_and_dispatch_event() -> None:
    seen: list[Any] = []
    rt, _, _ = make(on_transition=lambda *a: seen.append(a))
    ev = Event("start", "ui", data={"who": "me"})
    assert rt.dispatch_event(ev) is True
    assert seen == [("idle", "start", "run_fill", ev)]
    assert rt.dispatch_event(Event("not_a_trigger", "ui")) is False


def test_send_event_data() -> None:
    got: list[EventData] = []
    c = compile_machine(["A", "B"], [{"trigger": "go", "source": "A", "dest": "B", "after": got.append}], "A")
    rt = MachineRuntime(c, object(), clock=VirtualClock(), send_event=True)
    rt.start()
    ev = Event("go", "agent", data=42)
    rt.dispatch_event(ev)
    ed = got[0]
    assert ed.event.name == "go" and ed.transition.source == "A" and ed.transition.dest == "B"
    assert ed.state.name == "B" and ed.app_event is ev and ed.data == 42 and ed.args == (ev,)
    rt.trigger("go", 1, x=2)  # invalid now: nothing recorded
    assert len(got) == 1


def test_nested_trigger_is_queued_after_current_step() -> None:
    log: list[str] = []

    class M:
        def a_enter(self) -> None:
            log.append("enter B")
            assert rt.trigger("next") is True  # queued
            log.append("after queueing")

        def c_enter(self) -> None:
            log.append("enter C")

        def after_go(self) -> None:
            log.append("after go")

    c = compile_machine(["A", {"name": "B", "on_enter": "a_enter"}, {"name": "C", "on_enter": "c_enter"}],
                        [{"trigger": "go", "source": "A", "dest": "B", "after": "after_go"}, ["next", "B", "C"]], "A")
    rt = MachineRuntime(c, M(), clock=VirtualClock(), send_event=False)
    rt.start()
    assert rt.trigger("go")
    assert log == ["enter B", "after queueing", "after go", "enter C"] and rt.state == "C"
    assert rt.statistics().queue_peak == 1


def test_exceptions_on_exception_and_finalize() -> None:
    log: list[str] = []

    def boom(ed: EventData) -> None:
        raise ValueError("boom")

    c = compile_machine(["A", "B"], [{"trigger": "go", "source": "A", "dest": "B", "before": boom}], "A")
    rt = MachineRuntime(c, object(), clock=VirtualClock(), finalize_event=lambda ed: log.append("final"))
    rt.start()
    with pytest.raises(ValueError, match="boom"):
        rt.trigger("go")
    assert log == ["final"] and rt.state == "A"
    errs: list[BaseException] = []
    rt2 = MachineRuntime(c, object(), clock=VirtualClock(), on_exception=lambda ed: errs.append(ed.error))
    rt2.start()
    assert rt2.trigger("go") is False and isinstance(errs[0], ValueError)


async def test_async_callbacks() -> None:
    log: list[str] = []

    class M:
        async def enter_b(self) -> None:
            await asyncio.sleep(0)
            log.append("enter B")

        async def guard(self) -> bool:
            await asyncio.sleep(0)
            return True

        def after(self) -> None:
            log.append("after")

    c = compile_machine(["A", {"name": "B", "on_enter": "enter_b"}],
                        [{"trigger": "go", "source": "A", "dest": "B", "conditions": "guard", "after": "after"}],
                        "A")
    rt = MachineRuntime(c, M(), clock=VirtualClock(), send_event=False)
    assert rt.is_async
    await rt.astart()
    with pytest.raises(MachineError, match="async callbacks"):
        rt.trigger("go")
    assert await rt.atrigger("go") is True
    assert log == ["enter B", "after"] and rt.state == "B"
    res = rt.dispatch_event(Event("go", "ui"))
    assert asyncio.iscoroutine(res)
    assert await res is False


def test_sync_trigger_refuses_hidden_awaitable() -> None:
    async def later() -> None:
        return None

    c = compile_machine(["A", "B"], [{"trigger": "go", "source": "A", "dest": "B", "after": lambda: later()}], "A")
    rt = MachineRuntime(c, object(), clock=VirtualClock(), send_event=False)
    rt.start()
    with pytest.raises(MachineError, match="awaitable"):
        rt.trigger("go")


def test_not_started() -> None:
    rt = MachineRuntime(COMPILED, Pump(), clock=VirtualClock())
    with pytest.raises(MachineError, match="not started"):
        rt.trigger("start")
    assert not rt.is_state("idle")


def test_deliberate_differences() -> None:
    log: list[str] = []
    c = compile_machine([{"name": "pump_on", "on_enter": lambda: log.append("enter"),
                          "children": ["a"], "initial": "a"}, "off"], [["stop", "pump_on", "off"]], None)
    rt = MachineRuntime(c, object(), clock=VirtualClock(), send_event=False)
    rt.start()  # runs on_enter of the initial chain; names may contain "_"; initial=None → first state
    assert log == ["enter"] and rt.state == "pump_on_a"
    assert rt.trigger("stop") and rt.state == "off"
    silent = MachineRuntime(c, object(), clock=VirtualClock(), send_event=False)
    silent.start(run_callbacks=False)
    assert log == ["enter"] and silent.state == "pump_on_a"
