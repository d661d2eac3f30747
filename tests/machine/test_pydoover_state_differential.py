"""Randomised differential tests: ``pydoover.state.StateMachine`` on doover_fsm vs transitions 0.9.3.

The oracle is built the way pydoover 1.18 builds it (``AsyncMachine`` + ``AsyncTimeout``). Each
example runs one random flat machine (timeouts, conditions, string callbacks, sync/async/raising
callbacks, nested triggers, invalid triggers) through a random sequence of triggers, ``may_*``
calls and clock advances, three times: on transitions, on our machine with asyncio timers, and on
our machine with the scan's timers on a virtual clock. States, callback logs, return values and
errors must be equal after every step.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.machine._pydoover_state import flat_machines, step_lists, trace

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _compare(decl: dict[str, Any], steps: list[Any]) -> None:
    want = trace(decl, steps, "oracle")
    for side in ("asyncio", "scan"):
        got = trace(decl, steps, side)
        assert len(got) == len(want), side
        for g, w in zip(got, want, strict=True):
            assert g == w, (side, decl)


@SETTINGS
@given(flat_machines(), step_lists())
def test_random_flat_machines_match_transitions(decl: dict[str, Any], steps: list[Any]) -> None:
    _compare(decl, steps)
