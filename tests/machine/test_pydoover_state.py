"""``pydoover.state.StateMachine`` as real apps use it, each test run on doover_fsm *and* on the
transitions oracle (built as pydoover builds it) with the same expected values; plus signatures
against pydoover 1.18 and 0.4.18, and the scan-clock timers."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

import pytest

from doover_fsm.clock import VirtualClock
from doover_fsm.machine import (
    AsyncStateMachine,
    ScanTimers,
    current_scan_timers,
    enter_scan_timers,
    exit_scan_timers,
    scan_timers,
)
from tests.compat._oracle import oracle_signatures
from tests.machine._pydoover_state import OracleStateMachine, advance_loop, run_virtual, settle

IMPLS = pytest.mark.parametrize("SM", [AsyncStateMachine, OracleStateMachine], ids=["doover_fsm", "transitions"])


def test_pydoover_import_path_gives_our_class() -> None:
    from doover_fsm import compat

    compat.install()
    from pydoover.state import StateMachine

    assert StateMachine is AsyncStateMachine


def _plain(obj: Any) -> str:
    sig = inspect.signature(obj)
    return str(sig.replace(parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()],
                           return_annotation=inspect.Signature.empty))


METHODS = ["__init__", "add_model", "get_state", "get_model_state", "set_state", "is_state", "get_triggers",
           "get_transitions", "dispatch", "callbacks", "callback", "resolve_callable", "cancel_running_transitions"]


@pytest.mark.parametrize("version", ["1.18", "0.4"])
def test_signatures_match_pydoover(version: str) -> None:
    names = ["pydoover.state:StateMachine"] + [f"pydoover.state:StateMachine.{m}" for m in METHODS]
    want = oracle_signatures(names, version)
    assert want["pydoover.state:StateMachine"] is not None
    got = {"pydoover.state:StateMachine": _plain(AsyncStateMachine)}
    got.update({f"pydoover.state:StateMachine.{m}": _plain(getattr(AsyncStateMachine, m)) for m in METHODS})
    assert got == want


# --- the call forms of real apps ------------------------------------------------------------------
def make_link(SM: type, retry: float = 30) -> Any:
    """A link-supervisor model: class-level declarations, a timeout whose on_timeout names a trigger."""

    class Link:
        state: str
        states = [{"name": "down"}, {"name": "dialing"}, {"name": "up"}, {"name": "failed"}]
        transitions = [
            {"trigger": "dial", "source": ["down", "failed"], "dest": "dialing"},
            {"trigger": "answered", "source": "dialing", "dest": "up"},
            {"trigger": "dropped", "source": ["dialing", "up"], "dest": "failed"},
            {"trigger": "hang_up", "source": "*", "dest": "down"},
        ]

        def __init__(self) -> None:
            self.seen: list[str] = []
            decl = [dict(s) for s in self.states]
            decl[3].update(timeout=retry, on_timeout="dial")
            self.state_machine = SM(states=decl, transitions=self.transitions, model=self, initial="down",
                                    queued=True)

        async def on_enter_dialing(self) -> None:
            self.seen.append("dialing")

        async def on_enter_failed(self) -> None:
            self.seen.append("failed")

    return Link()


@IMPLS
def test_link_model_triggers_are_awaitable_and_queued(SM: type) -> None:
    async def main(loop: Any) -> list[Any]:
        link = make_link(SM)
        out = [link.state, link.is_down()]
        out.append(await link.dial())
        out += [link.state, await link.may_answered(), await link.may_dial()]
        out += [await link.answered(), await link.dropped(), link.state, link.seen]
        out.append(await link.hang_up())
        out.append(link.state)
        return out

    assert run_virtual(main) == ["down", True, True, "dialing", True, False, True, True, "failed",
                                 ["dialing", "failed"], True, "down"]


@IMPLS
def test_sync_caller_with_asyncio_run(SM: type) -> None:
    """An app's own test: construct outside any loop, then ``asyncio.run(model.trigger())``."""
    link = make_link(SM)
    assert link.state == "down"
    assert asyncio.run(link.dial()) is True
    assert link.state == "dialing"
    with pytest.raises(Exception, match="Can't trigger event answered from state down"):
        link.state_machine.set_state("down")
        asyncio.run(link.answered())


@IMPLS
def test_real_asyncio_timeout_names_a_trigger(SM: type) -> None:
    """Stand-alone (no app): the timeout runs on a real asyncio timer and fires the named trigger."""

    async def main() -> tuple[str, str]:
        link = make_link(SM, retry=0.02)
        await link.dial()
        await link.dropped()
        before = link.state
        await asyncio.sleep(0.2)
        return before, link.state

    assert asyncio.run(main()) == ("failed", "dialing")


@IMPLS
def test_initial_state_timeout_is_not_armed_at_construction(SM: type) -> None:
    async def main(loop: Any) -> list[str]:
        log: list[str] = []
        m = SM(model=None, states=[{"name": "a", "timeout": 1, "on_timeout": lambda: log.append("t")}, "b"],
               initial="a")
        m2 = type("M", (), {})()
        m.add_model(m2)
        await advance_loop(loop, 5)
        await m2.to_b()
        await m2.to_a()
        await advance_loop(loop, 0.5)
        log.append(m2.state)
        await advance_loop(loop, 0.5)
        return log

    assert run_virtual(main) == ["a", "t"]


@IMPLS
def test_subclass_is_its_own_model(SM: type) -> None:
    class Pump(SM):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.log: list[str] = []
            super().__init__(states=["idle", {"name": "running", "on_exit": "note_exit"}], initial="idle",
                             transitions=[["start", "idle", "running"], ["stop", "running", "idle"]],
                             ignore_invalid_triggers=True, queued=True)

        def on_enter_running(self) -> None:
            self.log.append("enter running")

        def note_exit(self) -> None:
            self.log.append("exit running")

    async def main(loop: Any) -> list[Any]:
        p = Pump()
        out: list[Any] = [p.state, await p.start(), await p.start(), p.state, p.is_running()]
        out += [await p.trigger("stop"), p.state, p.log, p.model is p]
        return out

    assert run_virtual(main) == ["idle", True, True, "running", True, True, "idle",
                                 ["enter running", "exit running"], True]


@IMPLS
def test_no_trigger_bound_over_an_existing_attribute(SM: type, caplog: pytest.LogCaptureFixture) -> None:
    class Model:
        def connect(self) -> str:
            return "mine"

        is_b = "kept"

    async def main(loop: Any) -> list[Any]:
        m = Model()
        SM(model=m, states=["a", "b"], initial="a", transitions=[["connect", "a", "b"]])
        out: list[Any] = [m.connect(), m.is_b, await m.may_connect()]
        out += [await m.trigger("connect"), m.state]
        return out

    with caplog.at_level(logging.WARNING):
        assert run_virtual(main) == ["mine", "kept", True, True, "b"]
    assert any("'connect'" in r.getMessage() for r in caplog.records)


@IMPLS
def test_string_callbacks_are_resolved_when_called(SM: type) -> None:
    class Model:
        def __init__(self) -> None:
            self.log: list[str] = []
            self.ready = False

    async def main(loop: Any) -> list[Any]:
        m = Model()
        SM(model=m, states=["a", {"name": "b", "on_enter": "greet"}], initial="a",
           transitions=[{"trigger": "go", "source": "a", "dest": "b", "conditions": "ready"}])
        out: list[Any] = [await m.go(), m.state]  # 'ready' is a plain attribute: read as a value
        m.ready = True
        m.greet = lambda: m.log.append("late greet")  # defined after construction: still found
        out += [await m.go(), m.state, m.log]
        return out

    assert run_virtual(main) == [False, "a", True, "b", ["late greet"]]


@IMPLS
def test_missing_callback_raises_when_called(SM: type) -> None:
    async def main(loop: Any) -> list[Any]:
        m = type("M", (), {})()
        SM(model=m, states=["a", {"name": "b", "on_enter": "nowhere"}], initial="a", transitions=[["go", "a", "b"]])
        try:
            await m.go()
        except AttributeError as err:
            return [str(err), m.state]
        return []

    assert run_virtual(main) == [
        "Callable with name 'nowhere' could neither be retrieved from the passed model nor imported from a module.",
        "b"]


@IMPLS
def test_dotted_import_callbacks_and_final_states(SM: type) -> None:
    async def main(loop: Any) -> list[Any]:
        m = type("M", (), {})()
        m.log = []
        SM(model=m, states=["a", {"name": "done", "final": True}], initial="a",
           transitions=[{"trigger": "finish", "source": "a", "dest": "done", "before": "os.getcwd"}],
           on_final=lambda: m.log.append("final"))
        out: list[Any] = [await m.finish(), m.state, m.log]
        return out

    assert run_virtual(main) == [True, "done", ["final"]]


@IMPLS
def test_model_attribute_and_several_models(SM: type) -> None:
    async def main(loop: Any) -> list[Any]:
        a, b = type("M", (), {})(), type("M", (), {})()
        sm = SM(model=[a, b], states=["x", "y"], initial="x", model_attribute="mode",
                transitions=[["flip", "x", "y"], ["flip", "y", "x"]])
        out: list[Any] = [await a.flip(), a.mode, b.mode, a.is_mode_y(), await b.to_mode_y(), b.mode]
        out += [await sm.dispatch("flip"), a.mode, b.mode, sm.model == [a, b]]
        return out

    assert run_virtual(main) == [True, "y", "x", True, True, "y", True, "x", "x", True]


@IMPLS
def test_ordered_transitions(SM: type) -> None:
    async def main(loop: Any) -> list[Any]:
        m = type("M", (), {})()
        SM(model=m, states=["a", "b", "c"], initial="b", ordered_transitions=True)
        seen = []
        for _ in range(4):
            await m.next_state()
            seen.append(m.state)
        return seen

    assert run_virtual(main) == ["c", "a", "b", "c"]


@IMPLS
def test_a_transition_cancels_other_running_triggers(SM: type) -> None:
    """Not queued: a second trigger that passes its conditions cancels one still awaiting callbacks."""

    async def main(loop: Any) -> list[Any]:
        m = type("M", (), {})()
        gate = asyncio.Event()

        async def slow() -> None:
            await gate.wait()

        SM(model=m, states=["a", {"name": "b", "on_enter": slow}, "c"], initial="a",
           transitions=[["go", "a", "b"], ["jump", "b", "c"]])
        first = asyncio.ensure_future(m.go())
        await settle(loop)
        second = await m.jump()
        return [await first, second, m.state]

    assert run_virtual(main) == [False, True, "c"]


@IMPLS
def test_on_timeout_error_is_logged_not_raised(SM: type, caplog: pytest.LogCaptureFixture) -> None:
    def boom() -> None:
        raise ValueError("boom")

    async def main(loop: Any) -> str:
        m = type("M", (), {})()
        SM(model=m, states=["a", {"name": "b", "timeout": 1, "on_timeout": boom}], initial="a",
           transitions=[["go", "a", "b"]])
        await m.go()
        await advance_loop(loop, 1)
        return str(m.state)

    with caplog.at_level(logging.WARNING):
        assert run_virtual(main) == "b"
    assert any("timeout" in r.getMessage() for r in caplog.records)


# --- the scan's clock -----------------------------------------------------------------------------
def test_timeouts_follow_the_scan_clock() -> None:
    """Inside an app, timeouts run on the scan's timers: virtual time, no asyncio timer."""

    async def main() -> list[Any]:
        clock = VirtualClock()
        timers = ScanTimers(clock)
        with scan_timers(timers):
            link = make_link(AsyncStateMachine, retry=30)
            await link.dial()
            await link.dropped()
        out: list[Any] = [link.state, timers.next_deadline_ns()]
        clock.advance(29.5)
        out.append(await timers.fire_due())
        clock.advance(0.5)
        out += [await timers.fire_due(), link.state, timers.next_deadline_ns()]
        out.append(timers.statistics())
        return out

    got = asyncio.run(main())
    assert got[:6] == ["failed", 30_000_000_000, 0, 1, "dialing", None]
    assert (got[6].armed, got[6].fired) == (0, 1)


def test_leaving_a_state_cancels_its_scan_timer() -> None:
    async def main() -> list[Any]:
        clock = VirtualClock()
        timers = ScanTimers(clock)
        link = make_link(AsyncStateMachine, retry=10)
        link.state_machine.attach_scan_timers(timers)
        await link.dial()
        await link.dropped()
        clock.advance(5)
        await link.hang_up()
        clock.advance(10)
        return [await timers.fire_due(), link.state, timers.next_deadline_ns(), timers.statistics().cancelled]

    assert asyncio.run(main()) == [0, "down", None, 1]


def test_a_machine_stays_on_the_scan_timers_it_first_used() -> None:
    """Triggers fired outside the scan (e.g. by a test) still arm on the app's scan timers."""

    async def main() -> list[Any]:
        clock = VirtualClock()
        timers = ScanTimers(clock)
        link = make_link(AsyncStateMachine, retry=1)
        with scan_timers(timers):
            await link.dial()
            await link.dropped()
        await link.hang_up()
        await link.dial()
        await link.dropped()  # outside the block: still the scan's timers
        clock.advance(1)
        return [await timers.fire_due(), link.state]

    assert asyncio.run(main()) == [1, "dialing"]


def make_valve(SM: type) -> Any:
    """A valve controller as field apps write them: chained timeouts (minutes to a day) that name
    triggers or async methods which await triggers, ``queued=True``, a spin-until-stable loop."""

    class Valve:
        state: str
        transitions = [
            {"trigger": "stop", "source": "*", "dest": "idle"},
            {"trigger": "open", "source": ["idle", "fault"], "dest": "priming"},
            {"trigger": "primed", "source": "priming", "dest": "flowing"},
            {"trigger": "fail", "source": "*", "dest": "fault"},
        ]

        def __init__(self, run_secs: float) -> None:
            self.run_secs = run_secs
            self.want_open = False
            self.notes: list[str] = []
            self.states = [
                {"name": "idle"},
                {"name": "priming", "timeout": 120, "on_timeout": "report_fault"},
                {"name": "flowing", "timeout": self.run_secs, "on_timeout": "stop"},
                {"name": "fault", "timeout": 24 * 3600, "on_timeout": "stop", "on_enter": "note_fault"},
            ]
            self.state_machine = SM(states=self.states, transitions=self.transitions, model=self,
                                    initial="idle", queued=True)

        async def report_fault(self) -> None:
            if self.state != "fault":
                await self.fail()

        async def note_fault(self) -> None:
            self.notes.append(f"fault from {self.state}")

        async def spin(self) -> str:
            last = None
            while last != self.state:
                last = self.state
                if self.state == "idle" and self.want_open:
                    await self.open()
            return str(self.state)

    return Valve(run_secs=600)


VALVE_PLAN = [("spin", None), ("advance", 119), ("advance", 1), ("advance", 24 * 3600 - 1), ("advance", 1),
              ("open", None), ("primed", None), ("advance", 599), ("advance", 1)]
VALVE_STATES = ["priming", "priming", "fault", "fault", "idle", "priming", "flowing", "flowing", "idle"]


@IMPLS
def test_valve_timeouts_on_the_event_loop(SM: type) -> None:
    async def main(loop: Any) -> list[Any]:
        v = make_valve(SM)
        v.want_open = True
        seen = []
        for what, dt in VALVE_PLAN:
            if what == "advance":
                await advance_loop(loop, dt)
            elif what == "spin":
                await v.spin()
            else:
                await getattr(v, what)()
            seen.append(v.state)
        return [seen, v.notes]

    assert run_virtual(main) == [VALVE_STATES, ["fault from fault"]]


def test_valve_timeouts_on_the_scan_clock() -> None:
    """The same plan with the scan's timers: a day of virtual time passes instantly."""

    async def main() -> list[Any]:
        clock = VirtualClock()
        timers = ScanTimers(clock)
        seen = []
        with scan_timers(timers):
            v = make_valve(AsyncStateMachine)
            v.want_open = True
            for what, dt in VALVE_PLAN:
                if what == "advance":
                    clock.advance(dt)
                    await timers.fire_due()
                elif what == "spin":
                    await v.spin()
                else:
                    await getattr(v, what)()
                seen.append(v.state)
        return [seen, v.notes]

    assert asyncio.run(main()) == [VALVE_STATES, ["fault from fault"]]


def test_scan_timers_by_token_as_an_async_context_would() -> None:
    """``enter_scan_timers`` in ``__aenter__`` and ``exit_scan_timers`` in ``__aexit__`` (test mode's
    ``async with app``): triggers awaited in between arm on the scan's timers."""

    class AppContext:
        def __init__(self, timers: ScanTimers) -> None:
            self.timers = timers

        async def __aenter__(self) -> AppContext:
            self.token = enter_scan_timers(self.timers)
            return self

        async def __aexit__(self, *exc: object) -> None:
            exit_scan_timers(self.token)

    async def main() -> list[Any]:
        clock = VirtualClock()
        timers = ScanTimers(clock)
        link = make_link(AsyncStateMachine, retry=5)
        async with AppContext(timers):
            await link.dial()
            await link.dropped()
            clock.advance(5)
            fired = await timers.fire_due()
        return [fired, link.state, current_scan_timers()]

    assert asyncio.run(main()) == [1, "dialing", None]


def test_statistics_count_what_happened() -> None:
    async def main() -> Any:
        clock = VirtualClock()
        timers = ScanTimers(clock)
        link = make_link(AsyncStateMachine, retry=1)
        link.state_machine.attach_scan_timers(timers)
        await link.dial()
        await link.answered()
        await link.dropped()
        await link.trigger("hang_up")
        await link.dial()
        await link.dropped()
        clock.advance(1)
        await timers.fire_due()
        return link.state_machine.statistics()

    s = asyncio.run(main())
    assert (s.events, s.transitions, s.timeouts_fired, s.queue_depth, s.queue_peak, s.running_triggers) == \
        (7, 7, 1, 0, 1, 0)


@IMPLS
def test_model_override_binds_only_declared_placeholders(SM: type) -> None:
    class Model:
        def go(self) -> None:  # a typed placeholder the machine replaces
            raise NotImplementedError

    async def main(loop: Any) -> list[Any]:
        m = Model()
        SM(model=m, states=["a", "b"], initial="a", transitions=[["go", "a", "b"]], model_override=True)
        return [await m.go(), m.state, hasattr(m, "is_a"), hasattr(m, "to_b")]

    assert run_virtual(main) == [True, "b", False, False]
