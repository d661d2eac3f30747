"""Drop-in ``StateMachine`` for code written against transitions' ``HierarchicalMachine``.

Same constructor keywords (for the supported features), binds ``model.<trigger>()``,
``model.may_<trigger>()``, ``model.is_<state>()``, ``model.trigger(name)`` and ``model.state``,
but runs on the compiled engine. Like transitions at construction, the initial state is set
without running its ``on_enter`` callbacks (its timeout timer is armed, though).

Timeouts: with ``clock=`` and ``owned_by_scan=True`` they are fired by whoever calls
``poll_timeouts()`` (the scan). Otherwise each armed timeout is scheduled on the running asyncio
loop (``loop.call_at``); with no running loop the fallback is lazy: due timeouts fire at the
start of the next trigger or ``poll_timeouts()`` call. Not thread-safe.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Sequence
from typing import Any

from doover_fsm.clock import Clock, MonotonicClock
from doover_fsm.machine.compiler import CompiledMachine, compile_machine
from doover_fsm.machine.engine import MachineRuntime


class StateMachine:
    """A hierarchical machine bound to ``model`` (default: itself), on the compiled engine.

    ``queued`` only changes return values (nested triggers are always queued, run to
    completion): with ``queued=True`` a trigger returns True as transitions does.
    With async callbacks, bound triggers return coroutines (like ``HierarchicalAsyncMachine``).
    """

    def __init__(
        self,
        model: Any = None,
        states: Sequence[Any] = (),
        initial: str | None = None,
        transitions: Sequence[Any] = (),
        *,
        queued: bool = False,
        ignore_invalid_triggers: bool | None = None,
        send_event: bool = False,
        auto_transitions: bool = True,
        before_state_change: Any = None,
        after_state_change: Any = None,
        prepare_event: Any = None,
        finalize_event: Any = None,
        on_exception: Any = None,
        name: str = "",
        clock: Clock | None = None,
        owned_by_scan: bool = False,
        compiled: CompiledMachine | None = None,
    ) -> None:
        self.model = self if model is None else model
        if initial is None:
            first = states[0]
            initial = first if isinstance(first, str) else first["name"]
        self.compiled = compiled or compile_machine(
            list(states), list(transitions), initial, name=name, auto_transitions=auto_transitions
        )
        self.queued = queued
        self.clock = clock or MonotonicClock()
        self._scan_owned = owned_by_scan and clock is not None
        self._handles: dict[int, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        self.runtime = MachineRuntime(
            self.compiled, self.model, clock=self.clock, send_event=send_event, on_exception=on_exception,
            before_state_change=before_state_change, after_state_change=after_state_change,
            prepare_event=prepare_event, finalize_event=finalize_event,
            ignore_invalid_triggers=bool(ignore_invalid_triggers),
            model_attribute=None if self.model is self else "state",
            timer_hook=None if self._scan_owned else self._on_timer,
        )
        self.runtime.start(run_callbacks=False)
        self._bind_model()

    # --- model binding ---------------------------------------------------------------------
    def _bind_model(self) -> None:
        for trig in sorted(self.compiled.triggers):
            self._assign(trig, functools.partial(self.trigger, trig))
            self._assign(f"may_{trig}", functools.partial(self.runtime.may_trigger, trig))
        for name in self.compiled.state_names:
            self._assign(f"is_{name}", functools.partial(self.runtime.is_state, name))
        self._assign("trigger", self.trigger)

    def _assign(self, name: str, func: Any) -> None:
        # transitions never overrides an existing model attribute (model_override=False).
        if getattr(self.model, name, None) is None:
            setattr(self.model, name, func)

    # --- triggering ------------------------------------------------------------------------
    def trigger(self, name: str, *args: Any, **kwargs: Any) -> bool | Awaitable[bool]:
        """Fire ``name`` on the model; a coroutine when the machine has async callbacks."""
        rt = self.runtime
        if not self._scan_owned and rt._deadlines and not self._handles:
            rt.poll_timeouts()
        if rt.is_async:
            return self._atrigger(name, args, kwargs)
        res = rt.trigger(name, *args, **kwargs)
        return True if self.queued else res

    async def _atrigger(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        res = await self.runtime.atrigger(name, *args, **kwargs)
        return True if self.queued else res

    def poll_timeouts(self, now_ns: int | None = None) -> int | Awaitable[int]:
        return self.runtime.poll_timeouts(now_ns)

    @property
    def state(self) -> Any:
        return self.runtime.state

    def is_state(self, name: str, model: Any = None, allow_substates: bool = False) -> bool:
        return self.runtime.is_state(name, allow_substates)

    def has_trigger(self, name: str) -> bool:
        return self.compiled.has_trigger(name)

    def get_triggers(self, *state_names: str) -> list[str]:
        """Triggers with a transition from any of ``state_names`` or their ancestors."""
        idx = self.compiled.index
        paths = {a for n in state_names if n in idx for a in self.compiled.states[idx[n]].path}
        return sorted(t for t, srcs in self.compiled._by_trigger.items() if paths & set(srcs))

    # --- timers on the asyncio loop ------------------------------------------------------------
    def _on_timer(self, state: int, deadline_ns: int | None) -> None:
        handle = self._handles.pop(state, None)
        if handle is not None:
            handle.cancel()
        if deadline_ns is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # lazy fallback: polled at the next trigger
        delay = max(0.0, (deadline_ns - self.clock.monotonic_ns()) / 1e9)
        self._handles[state] = loop.call_at(loop.time() + delay, self._fire, state)

    def _fire(self, state: int) -> None:
        self._handles.pop(state, None)
        res = self.runtime.poll_timeouts()
        if not isinstance(res, int):
            task = asyncio.ensure_future(res)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
