"""Helpers for the pydoover ``StateMachine`` tests: a virtual-time event loop, the transitions oracle
(built as pydoover 1.18 builds it), recording models, random flat declarations and a trace runner."""

from __future__ import annotations

import asyncio
import copy
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import strategies as st
from transitions.core import MachineError as OracleMachineError
from transitions.extensions.asyncio import AsyncMachine, AsyncTimeout
from transitions.extensions.states import add_state_features

from doover_fsm.clock import VirtualClock
from doover_fsm.machine import AsyncStateMachine, ScanTimers


@add_state_features(AsyncTimeout)
class OracleStateMachine(AsyncMachine):
    """pydoover 1.18's ``pydoover.state.StateMachine``, rebuilt here: transitions is a test dependency."""


class _FlagStaleTimers(AsyncTimeout):
    """``AsyncTimeout`` that notes on the model when a state is re-entered while its timer still runs
    (transitions then keeps both timers; doover_fsm cancels the stale one: docs/compat/sm.md), and
    counts the timeouts it processes (for the test's statistics)."""

    async def _process_timeout(self, event_data: Any) -> None:
        event_data.model.__dict__["timeouts"] = event_data.model.__dict__.get("timeouts", 0) + 1
        await super()._process_timeout(event_data)

    async def enter(self, event_data: Any) -> None:
        timer = self.runner.get(id(event_data.model))
        if timer is not None and not timer.done():
            event_data.model.__dict__["stale_timer"] = True
        await super().enter(event_data)


@add_state_features(_FlagStaleTimers)
class FlaggingOracleStateMachine(AsyncMachine):
    """The oracle, plus the stale-timer flag; otherwise the same behaviour."""


# --- virtual time ---------------------------------------------------------------------------------
class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose ``time()`` only moves when the test says so (asyncio timers included)."""

    def __init__(self) -> None:
        super().__init__()
        self.vt = 0.0

    def time(self) -> float:
        return self.vt


def _busy(loop: VirtualTimeLoop) -> bool:
    return bool(loop._ready) or any(  # type: ignore[attr-defined]
        not h.cancelled() and h.when() <= loop.vt for h in loop._scheduled)  # type: ignore[attr-defined]


async def settle(loop: VirtualTimeLoop) -> None:
    """Yield until no task can run at the current virtual time."""
    for _ in range(10_000):
        await asyncio.sleep(0)
        if not _busy(loop):
            return
    raise AssertionError("event loop never settled")


async def advance_loop(loop: VirtualTimeLoop, dt: float) -> None:
    """Move the loop's time by ``dt``, stopping at each timer due on the way."""
    target = loop.vt + dt
    while True:
        await settle(loop)
        due = [h.when() for h in loop._scheduled if not h.cancelled()]  # type: ignore[attr-defined]
        nxt = min(due, default=None)
        if nxt is None or nxt > target:
            break
        loop.vt = max(loop.vt, nxt)
    loop.vt = target
    await settle(loop)


async def advance_scan(loop: VirtualTimeLoop, clock: VirtualClock, timers: ScanTimers, dt: float) -> None:
    """The scan's way: move the virtual clock to each due deadline and fire what is due there."""
    target = clock.monotonic_ns() + round(dt * 1e9)
    while True:
        await settle(loop)
        nxt = timers.next_deadline_ns()
        if nxt is None or nxt > target:
            break
        clock.advance_ns(max(0, nxt - clock.monotonic_ns()))
        await timers.fire_due()
    clock.advance_ns(target - clock.monotonic_ns())
    await settle(loop)


def run_virtual(main: Callable[[VirtualTimeLoop], Awaitable[Any]]) -> Any:
    """Run ``main(loop)`` on a fresh virtual-time loop; cancel what is left (timers) before closing."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(main(loop))
    finally:
        pending = asyncio.all_tasks(loop)
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()


# --- recording models -----------------------------------------------------------------------------
TRIGGERS = ("t0", "t1", "t2", "t3")
CONDS = ("c0", "c1", "c2")
STATES = ("A", "B", "C", "D")


def _is_ed(x: Any) -> bool:
    return hasattr(x, "event") and hasattr(x, "machine")


def _arg(x: Any) -> Any:
    return f"ed({x.event.name},{getattr(x.state, 'name', None)})" if _is_ed(x) else x


def describe(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """Arguments as the callback saw them; an EventData is reduced to what both sides share."""
    if len(args) == 1 and _is_ed(args[0]):
        ed = args[0]
        tr = ed.transition
        return (f"ed({ed.event.name},{getattr(ed.state, 'name', None)},"
                f"{None if tr is None else (tr.source, tr.dest)},{[_arg(a) for a in ed.args]},{ed.kwargs},"
                f"{ed.result},{type(ed.error).__name__ if ed.error else None})")
    return f"{[_arg(a) for a in args]}{sorted(kwargs.items())}"


class Recorder:
    """A model whose ``rec *``, ``cond *``, ``boom *``, ``fire *`` attributes record their calls in ``log``.

    ``fire X`` is async: it awaits ``model.trigger(X)`` (at most ``budget`` times per step).
    """

    def __init__(self, log: list[str]) -> None:
        self.__dict__.update(log=log, flags={}, budget=0)

    def __getattr__(self, name: str) -> Any:
        kind, _, what = name.partition(" ")
        log = self.__dict__["log"]
        if kind == "rec":
            def rec(*a: Any, **k: Any) -> None:
                log.append(f"{what} {describe(a, k)}")
            return rec
        if kind == "arec":
            async def arec(*a: Any, **k: Any) -> None:
                log.append(f"{what} {describe(a, k)}")
            return arec
        if kind == "cond":
            def cond(*a: Any, **k: Any) -> bool:
                log.append(name)
                return bool(self.flags.get(what, False))
            return cond
        if kind == "acond":
            async def acond(*a: Any, **k: Any) -> bool:
                log.append(name)
                return bool(self.flags.get(what, False))
            return acond
        if kind == "boom":
            def boom(*a: Any, **k: Any) -> None:
                log.append(name)
                raise ValueError(name)
            return boom
        if kind == "yield":
            async def yielding(*a: Any, **k: Any) -> None:
                log.append(f"{what} start")
                await asyncio.sleep(0)
                log.append(f"{what} end")
            return yielding
        if kind == "fire":
            async def fire(*a: Any, **k: Any) -> None:
                log.append(name)
                if self.__dict__["budget"] > 0:
                    self.__dict__["budget"] -= 1
                    res = self.trigger(what)  # transitions: unknown+ignored names give a plain False
                    res = await res if inspect.isawaitable(res) else res
                    log.append(f"{name} -> {res}")
            return fire
        raise AttributeError(name)


class ConventionRecorder(Recorder):
    """A model that also has transitions' convention methods for some states."""

    def on_enter_A(self, *a: Any, **k: Any) -> None:
        self.log.append(f"conv enter A {describe(a, k)}")

    async def on_exit_B(self, *a: Any, **k: Any) -> None:
        self.log.append(f"conv exit B {describe(a, k)}")

    def on_timeout_C(self, *a: Any, **k: Any) -> None:
        self.log.append(f"conv timeout C {describe(a, k)}")


# --- random declarations --------------------------------------------------------------------------
def _cb(draw: Any, label: str, *, allow_fire: bool = True) -> str:
    kinds = ["rec"] * 4 + ["arec"] * 2 + ["yield", "boom"] + (["fire"] * 2 if allow_fire else [])
    kind = draw(st.sampled_from(kinds))
    what = draw(st.sampled_from(TRIGGERS)) if kind == "fire" else label
    return f"{kind} {what}"


@st.composite
def flat_machines(draw: Any, timed: bool = False) -> dict[str, Any]:
    """A random flat pydoover-style declaration: states with timeouts, transitions, machine options.

    ``timed``: every state has a timeout (the timeout-heavy profile).
    """
    n = draw(st.integers(2, 4))
    names = list(STATES[:n])
    states: list[Any] = []
    for s in names:
        if not timed and draw(st.integers(0, 4)) == 0:
            states.append(s)
            continue
        d: dict[str, Any] = {"name": s}
        if draw(st.booleans()):
            d["on_enter"] = [_cb(draw, f"enter {s}") for _ in range(draw(st.integers(1, 2)))]
        if draw(st.booleans()):
            d["on_exit"] = _cb(draw, f"exit {s}")
        if timed or draw(st.integers(0, 3)) > 0:
            d["timeout"] = draw(st.sampled_from([0.25, 0.5, 1.0, 1.5]))
            d["on_timeout"] = draw(st.sampled_from(
                [f"rec timeout {s}", f"rec timeout {s}", *TRIGGERS, f"to_{names[0]}", f"fire {TRIGGERS[0]}",
                 f"boom timeout {s}",
                 [f"rec timeout {s}", f"arec timeout2 {s}"]]))
        if draw(st.integers(0, 5)) == 0:
            d["ignore_invalid_triggers"] = draw(st.booleans())
        states.append(d)
    trans: list[Any] = []
    for i in range(draw(st.integers(2, 9))):
        src = draw(st.one_of(st.sampled_from(names), st.just("*"), st.just("Z"),
                             st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)))
        dest = draw(st.one_of(st.sampled_from(names), st.none(), st.just("=")))
        t: dict[str, Any] = {"trigger": draw(st.sampled_from(TRIGGERS)), "source": src, "dest": dest}
        conds = draw(st.lists(st.sampled_from(CONDS), max_size=2))
        if conds:
            t["conditions"] = [f"{draw(st.sampled_from(['cond', 'acond']))} {c}" for c in conds]
        unless = draw(st.lists(st.sampled_from(CONDS), max_size=1))
        if unless:
            t["unless"] = [f"cond {c}" for c in unless]
        if draw(st.booleans()):
            t["prepare"] = f"rec prepare {i}"
        if draw(st.booleans()):
            t["before"] = _cb(draw, f"before {i}")
        if draw(st.booleans()):
            t["after"] = [f"rec after {i}", _cb(draw, f"after2 {i}")]
        trans.append(t)
    for dest in draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)):
        # ways out of every state (tried after the others for t3), so timed states are entered often
        trans.insert(draw(st.integers(0, len(trans))),
                     {"trigger": "t3", "source": "*", "dest": dest, "after": f"rec t3 to {dest}"})
    opts: dict[str, Any] = {
        "queued": draw(st.sampled_from([False, True, "model"])),
        "ignore_invalid_triggers": draw(st.sampled_from([None, True, False])),
        "send_event": draw(st.booleans()),
        "auto_transitions": draw(st.booleans()),
    }
    for key in ("prepare_event", "before_state_change", "after_state_change", "finalize_event"):
        if draw(st.booleans()):
            opts[key] = f"rec m_{key}"
    if draw(st.integers(0, 3)) == 0:
        opts["on_exception"] = "rec m_on_exception"
    initial = draw(st.sampled_from(names))
    return {"states": states, "transitions": trans, "initial": initial, "opts": opts,
            "convention": draw(st.booleans())}


@st.composite
def step_lists(draw: Any, timed: bool = False, concurrent: bool = False) -> list[Any]:
    """``concurrent``: some triggers are started as tasks and not awaited, so they overlap."""
    out: list[Any] = []
    for i in range(draw(st.integers(1, 14))):
        if concurrent and draw(st.integers(0, 2)) == 0:
            flags = draw(st.fixed_dictionaries({c: st.booleans() for c in CONDS}))
            out.append(("spawn", draw(st.sampled_from([*TRIGGERS, "t3"])), flags, ()))
            continue
        if timed:
            kind = "advance" if i % 2 else "trig"
        else:
            kind = draw(st.sampled_from(["trig"] * 3 + ["advance"] * 3 + ["may", "named"]))
        flags = draw(st.fixed_dictionaries({c: st.booleans() for c in CONDS}))
        if kind == "advance":
            out.append(("advance", draw(st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0])), flags))
        elif kind == "named":
            out.append(("named", draw(st.sampled_from([*TRIGGERS, "to_A", "nope"])), flags))
        else:
            args = draw(st.sampled_from([(), (1,), (1, 2)]))
            out.append((kind, draw(st.sampled_from([*TRIGGERS, "t3", "t3"])), flags, args))
    return out


STATS: dict[str, int] = {"timeouts": 0}
"""How many oracle steps saw a timeout fire (the differential test reports it as a hypothesis event)."""


# --- running a trace ------------------------------------------------------------------------------
def outcome(err: BaseException) -> str:
    msg = err.value if isinstance(err, OracleMachineError) else str(err)
    return f"{type(err).__name__}: {msg}"


def trace(decl: dict[str, Any], steps: list[Any], side: str) -> list[Any]:
    """Run ``steps`` on one side ("oracle", "asyncio" or "scan"); one record per step."""

    async def main(loop: VirtualTimeLoop) -> list[Any]:
        log: list[str] = []
        model = (ConventionRecorder if decl["convention"] else Recorder)(log)
        kw = dict(states=copy.deepcopy(decl["states"]), transitions=copy.deepcopy(decl["transitions"]),
                  initial=decl["initial"], model=model, **decl["opts"])
        out: list[Any] = []
        clock = VirtualClock()
        timers = ScanTimers(clock)
        try:
            if side == "oracle":
                FlaggingOracleStateMachine(**kw)
            else:
                sm = AsyncStateMachine(**kw)
                if side == "scan":
                    sm.attach_scan_timers(timers)
        except Exception as err:  # the outcome is what is compared
            return [("construct", outcome(err))]
        out.append(("start", model.state, list(log)))
        spawned: list[asyncio.Future[Any]] = []
        for step in steps:
            log.clear()
            model.flags.update(step[2])
            model.__dict__["budget"] = 3
            res: Any
            try:
                if step[0] == "advance":
                    if side == "scan":
                        await advance_scan(loop, clock, timers, step[1])
                    else:
                        await advance_loop(loop, step[1])
                    res = None
                elif step[0] == "spawn":
                    spawned.append(asyncio.ensure_future(getattr(model, step[1])(*step[3])))
                    await asyncio.sleep(0)  # let it start; the next step overlaps it
                    out.append((step, model.state, list(log)))
                    continue
                elif step[0] == "named":
                    r = model.trigger(step[1])
                    res = await r if inspect.isawaitable(r) else r
                elif step[0] == "may":
                    res = await getattr(model, f"may_{step[1]}")(*step[3])
                else:
                    res = await getattr(model, step[1])(*step[3])
                await settle(loop)
            except Exception as err:  # the outcome is what is compared
                res = outcome(err)
                await settle(loop)
            is_ = [getattr(model, f"is_{s}")() for s in STATES[:len(decl["states"])]]
            out.append((step, res, model.state, list(log), is_))
            if side == "oracle" and model.__dict__.get("timeouts"):
                STATS["timeouts"] += 1
                model.__dict__["timeouts"] = 0
            if model.__dict__.get("stale_timer"):
                out.append("stale timer")
                break
        await settle(loop)
        for fut in spawned:
            out.append(("spawned", outcome(fut.exception()) if fut.done() and not fut.cancelled()
                        and fut.exception() else fut.result() if fut.done() and not fut.cancelled() else "pending"))
        return out

    result: list[Any] = run_virtual(main)
    return result
