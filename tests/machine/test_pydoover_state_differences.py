"""The deliberate differences of ``pydoover.state.StateMachine`` from transitions 0.9.3, one test each
(docs/compat/sm.md lists them with their reasons). Where it helps, the oracle's behaviour is shown too."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

import pytest

from doover_fsm.clock import VirtualClock
from doover_fsm.errors import DooverFSMError, MachineDefinitionError, MachineError
from doover_fsm.machine import AsyncStateMachine, ScanTimers
from tests.machine._pydoover_state import OracleStateMachine, advance_loop, run_virtual, settle


def _model() -> Any:
    return type("M", (), {})()


# 1 ---------------------------------------------------------------------------------------------
def test_trigger_by_unknown_name_is_always_awaitable() -> None:
    async def main(loop: Any) -> list[Any]:
        ours, theirs = _model(), _model()
        AsyncStateMachine(model=ours, states=["a"], initial="a", ignore_invalid_triggers=True)
        OracleStateMachine(model=theirs, states=["a"], initial="a", ignore_invalid_triggers=True)
        r_ours, r_theirs = ours.trigger("nope"), theirs.trigger("nope")
        out: list[Any] = [inspect.isawaitable(r_ours), await r_ours, r_theirs]
        strict = _model()
        AsyncStateMachine(model=strict, states=["a"], initial="a")
        pending = strict.trigger("nope")  # no error yet: it is raised where it is awaited
        with pytest.raises(AttributeError, match=r"Do not know event named 'nope'\."):
            await pending
        return out

    assert run_virtual(main) == [True, False, False]


# 2 ---------------------------------------------------------------------------------------------
def test_unknown_destination_is_rejected_at_construction() -> None:
    decl = {"states": ["a"], "initial": "a", "transitions": [{"trigger": "go", "source": "a", "dest": "b"}]}
    with pytest.raises(MachineDefinitionError, match=r"transition #0 \('go': 'a' -> 'b'\): unknown destination"):
        AsyncStateMachine(model=_model(), **decl)

    async def oracle(loop: Any) -> str:
        m = _model()
        OracleStateMachine(model=m, **decl)  # accepted; fails later, half-way through the transition
        with pytest.raises(ValueError, match=r"State 'b' is not a registered state\."):
            await m.go()
        return str(m.state)

    assert run_virtual(oracle) == "a"


# 3 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("states", "match"), [
    ([{"name": "a", "children": ["x"]}], r"state 'a': unknown key\(s\) \['children'\]"),
    ([{"name": "a", "timeout": 5}], r"state 'a': timeout=5 needs 'on_timeout'"),
    ([{"name": "a", "timeout": -1, "on_timeout": "x"}], r"state 'a': timeout must be a number of seconds >= 0"),
    ([{"name": "a", "timeout": "5", "on_timeout": "x"}], r"state 'a': timeout must be a number"),
    (["a", "a"], r"state 'a': declared twice"),
    ([{"name": "a", "on_enter": 3}], r"state 'a': on_enter entries must be names or callables"),
])
def test_declaration_mistakes_raise_machine_definition_error(states: list[Any], match: str) -> None:
    with pytest.raises(MachineDefinitionError, match=match) as info:
        AsyncStateMachine(model=_model(), states=states, initial="a")
    assert isinstance(info.value, ValueError)


def test_oracle_reports_declaration_mistakes_less_clearly() -> None:
    with pytest.raises(TypeError):
        OracleStateMachine(model=_model(), states=[{"name": "a", "children": ["x"]}], initial="a")
    with pytest.raises(AttributeError):
        OracleStateMachine(model=_model(), states=[{"name": "a", "timeout": 5}], initial="a")
    OracleStateMachine(model=_model(), states=[{"name": "a", "timeout": -1, "on_timeout": "x"}], initial="a")


def test_unknown_keyword_names_the_keyword() -> None:
    with pytest.raises(ValueError, match=r"unknown keyword argument\(s\) \['clock'\]"):
        AsyncStateMachine(model=_model(), states=["a"], initial="a", clock=None)


# 4 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("SM", "want"), [(AsyncStateMachine, "cancelled"), (OracleStateMachine, False)],
                         ids=["doover_fsm", "transitions"])
def test_cancelling_the_caller_from_outside_is_not_swallowed(SM: type, want: Any) -> None:
    async def main(loop: Any) -> Any:
        m = _model()
        gate = asyncio.Event()

        async def slow() -> None:
            await gate.wait()

        SM(model=m, states=["a", {"name": "b", "on_enter": slow}], initial="a", transitions=[["go", "a", "b"]])
        task = asyncio.ensure_future(m.go())
        await settle(loop)
        task.cancel()  # e.g. the app is shutting down
        try:
            return await task
        except asyncio.CancelledError:
            return "cancelled"

    assert run_virtual(main) == want


# 5 ---------------------------------------------------------------------------------------------
def test_ignored_and_raised_triggers_are_not_logged_as_warnings(caplog: pytest.LogCaptureFixture) -> None:
    async def main(loop: Any) -> None:
        for SM in (AsyncStateMachine, OracleStateMachine):
            m = _model()
            SM(model=m, states=["a", "b"], initial="a", transitions=[["go", "b", "a"]], ignore_invalid_triggers=True,
               name=SM.__name__)
            await m.go()
            m2 = _model()
            SM(model=m2, states=["a", "b"], initial="a", transitions=[["go", "b", "a"]], name=SM.__name__)
            with pytest.raises(Exception, match="Can't trigger event go from state a"):
                await m2.go()

    with caplog.at_level(logging.WARNING):
        run_virtual(main)
    loud = {r.getMessage().split(":")[0] for r in caplog.records if r.levelno >= logging.WARNING}
    assert loud == {"OracleStateMachine"}


# 6 ---------------------------------------------------------------------------------------------
def test_the_apps_state_dicts_are_left_alone() -> None:
    ours = [{"name": "a"}, {"name": "b", "timeout": 1, "on_timeout": "x"}]
    theirs = [{"name": "a"}, {"name": "b", "timeout": 1, "on_timeout": "x"}]
    AsyncStateMachine(model=_model(), states=ours, initial="a")
    OracleStateMachine(model=_model(), states=theirs, initial="a")
    assert ours == [{"name": "a"}, {"name": "b", "timeout": 1, "on_timeout": "x"}]
    assert theirs[0] == {"name": "a", "ignore_invalid_triggers": None}


# 7 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("SM", "want"), [(AsyncStateMachine, 1), (OracleStateMachine, 2)],
                         ids=["doover_fsm", "transitions"])
def test_a_reentered_state_keeps_one_timer(SM: type, want: int) -> None:
    async def main(loop: Any) -> int:
        m = _model()
        fired: list[str] = []

        async def leave_a() -> None:
            if not fired:
                fired.append("nested")
                await m.go()  # not queued: runs now, entering S before the outer transition does

        SM(model=m, states=[{"name": "A", "on_exit": leave_a},
                            {"name": "S", "timeout": 1, "on_timeout": lambda: fired.append("timeout")}],
           initial="A", transitions=[["go", "A", "S"]])
        await m.go()
        await advance_loop(loop, 1)
        return fired.count("timeout")

    assert run_virtual(main) == want


# 8 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("SM", "want"), [(AsyncStateMachine, [True, True]), (OracleStateMachine, [False, True])],
                         ids=["doover_fsm", "transitions"])
def test_two_machines_on_one_model_do_not_cancel_each_other(SM: type, want: list[bool]) -> None:
    async def main(loop: Any) -> list[bool]:
        m = _model()
        gate = asyncio.Event()

        async def slow() -> None:
            await gate.wait()

        SM(model=m, states=["a", {"name": "b", "on_enter": slow}], initial="a", transitions=[["go", "a", "b"]])
        SM(model=m, states=["x", "y"], initial="x", transitions=[["flip", "x", "y"]], model_attribute="mode")
        first = asyncio.ensure_future(m.go())
        await settle(loop)
        second = await m.flip()  # another machine's transition
        gate.set()
        return [await first, second]

    assert run_virtual(main) == want


# 9 ---------------------------------------------------------------------------------------------
def test_invalid_trigger_error_is_doover_fsm_machine_error() -> None:
    async def main(loop: Any) -> None:
        m = _model()
        AsyncStateMachine(model=m, states=["a", "b"], initial="a", transitions=[["go", "b", "a"]], name="pump")
        with pytest.raises(MachineError) as info:
            await m.go()
        assert isinstance(info.value, RuntimeError) and isinstance(info.value, DooverFSMError)
        assert str(info.value) == "pump: Can't trigger event go from state a!"

    run_virtual(main)


# 10 --------------------------------------------------------------------------------------------
def test_scan_timers_fire_at_the_first_scan_after_the_deadline() -> None:
    """Resolution is the scan period; a timer armed by a timeout starts at that scan's time."""

    async def main() -> list[Any]:
        clock = VirtualClock()
        timers = ScanTimers(clock)
        m = _model()
        sm = AsyncStateMachine(model=m, initial="a", transitions=[["go", "a", "b"], ["go", "b", "c"]],
                               states=["a", {"name": "b", "timeout": 0.3, "on_timeout": "go"},
                                       {"name": "c", "timeout": 0.3, "on_timeout": "to_a"}])
        sm.attach_scan_timers(timers)
        await m.go()
        out: list[Any] = []
        for _ in range(3):  # scans every 1 s
            clock.advance(1.0)
            await timers.fire_due()
            out.append((m.state, timers.next_deadline_ns()))
        return out

    assert asyncio.run(main()) == [("c", 1_300_000_000), ("a", None), ("a", None)]
