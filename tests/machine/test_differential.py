"""Randomised differential tests: our engine vs transitions' HierarchicalMachine (0.9.3)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transitions.extensions import HierarchicalMachine

from doover_fsm.clock import VirtualClock
from doover_fsm.machine import MachineRuntime, StateMachine, compile_machine
from tests.machine._oracle import MACHINE_CBS, Recorder, all_names, nested_states, steps, transitions_for

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pair(states: list[Any], trans: list[Any], queued: bool, send_event: bool = False) -> tuple[Any, ...]:
    initial = states[0]["name"]
    log_t: list[str] = []
    log_o: list[str] = []
    mt = Recorder(log_t)
    hm = HierarchicalMachine(model=mt, states=states, transitions=trans, initial=initial, auto_transitions=False,
                        ignore_invalid_triggers=True, queued=queued, send_event=send_event, **MACHINE_CBS)
    mt.__dict__["fire"] = mt.trigger
    mt.__dict__["hm"] = hm
    mo = Recorder(log_o)
    rt = MachineRuntime(compile_machine(states, trans, initial), mo, clock=VirtualClock(),
                        send_event=send_event, **MACHINE_CBS)
    rt.start(run_callbacks=False)
    mo.__dict__["fire"] = rt.trigger
    return mt, log_t, mo, log_o, rt


def _run(states: list[Any], trans: list[Any], seq: list[Any], queued: bool, send_event: bool = False) -> None:
    mt, log_t, mo, log_o, rt = _pair(states, trans, queued, send_event)
    names = all_names(states)
    assert rt.state == mt.state
    for trig, flags in seq:
        for m in (mt, mo):
            m.flags.update(flags)
            m.__dict__["budget"] = 3
        log_t.clear()
        log_o.clear()
        r_t = mt.trigger(trig)
        r_o = rt.trigger(trig)
        assert rt.state == mt.state, (trig, log_t, log_o)
        assert log_o == log_t, trig
        if not queued:
            assert r_o == bool(r_t), trig
        for n in names:
            assert rt.is_state(n) == getattr(mt, f"is_{n}")(), n
            assert rt.is_state(n, allow_substates=True) == mt.hm.is_state(n, mt, allow_substates=True)
        for t in sorted({x["trigger"] for x in trans})[:2]:
            log_t.clear()
            log_o.clear()
            assert rt.may_trigger(t) == getattr(mt, f"may_{t}")(), t
            assert log_o == log_t


@SETTINGS
@given(st.data())
def test_nested_machines_match_transitions(data: st.DataObject) -> None:
    states = data.draw(nested_states())
    trans = data.draw(transitions_for(states))
    _run(states, trans, data.draw(steps), queued=False)


@SETTINGS
@given(st.data())
def test_queued_nested_triggers_match_transitions(data: st.DataObject) -> None:
    states = data.draw(nested_states())
    trans = data.draw(transitions_for(states, nested_triggers=True))
    _run(states, trans, data.draw(steps), queued=True)


@SETTINGS
@given(st.data())
def test_parallel_regions_match_transitions(data: st.DataObject) -> None:
    states = data.draw(nested_states(parallel=True))
    trans = data.draw(transitions_for(states))
    _run(states, trans, data.draw(steps), queued=False)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_send_event_and_compat_match_transitions(data: st.DataObject) -> None:
    states = data.draw(nested_states())
    trans = data.draw(transitions_for(states))
    seq = data.draw(steps)
    _run(states, trans, seq, queued=False, send_event=True)
    # the drop-in StateMachine binds the same triggers on the model
    log_t: list[str] = []
    log_o: list[str] = []
    mt, mo = Recorder(log_t), Recorder(log_o)
    kw = dict(states=states, transitions=trans, initial=states[0]["name"], ignore_invalid_triggers=True,
              **MACHINE_CBS)
    HierarchicalMachine(model=mt, **kw)
    StateMachine(model=mo, **kw)
    for trig, flags in seq:
        mt.flags.update(flags)
        mo.flags.update(flags)
        assert mo.trigger(trig) == mt.trigger(trig)
        assert mo.state == mt.state
        assert log_o == log_t
    for n in all_names(states):
        log_t.clear()
        log_o.clear()
        getattr(mt, f"to_{n}")()
        getattr(mo, f"to_{n}")()
        assert mo.state == mt.state
        assert log_o == log_t
