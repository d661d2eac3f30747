"""``pydoover.state.StateMachine``: transitions' ``AsyncMachine`` + ``AsyncTimeout``, without transitions.

pydoover's ``StateMachine`` *is* ``transitions.extensions.asyncio.AsyncMachine`` with the
``AsyncTimeout`` state feature. Apps construct it in a sync ``__init__`` with their own object as
``model`` (or subclass it) and ``await model.<trigger>()``. This class keeps that behaviour, checked
by differential tests against transitions 0.9.3 (``tests/machine/test_pydoover_state*.py``):

* every bound trigger returns a coroutine; callbacks may be sync or ``async def``; the callbacks of
  one list run concurrently (``asyncio.gather``), as in transitions;
* callbacks named by string are looked up on the model when called, so an ``on_timeout`` may name
  a trigger; ``on_enter_<state>`` / ``on_exit_<state>`` / ``on_timeout_<state>`` methods are added;
* ``queued=True`` runs triggers fired from callbacks after the current one (and returns True);
  without it they run at once, nested;
* a transition about to happen cancels the model's *other* triggers still in progress;
* a state's timeout starts when it is entered (not for the initial state at construction) and is
  cancelled when it is left; it runs on the app's scan clock when the machine belongs to a running
  app (:mod:`doover_fsm.machine.timers`), otherwise on an asyncio timer.

Deliberate differences are listed in ``docs/compat/sm.md``. Not thread-safe: use it from the
event loop that runs the app.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any

from doover_fsm.errors import MachineError
from doover_fsm.machine.flat import Callback, FlatMachine, FlatTransition, TimedState, compile_flat
from doover_fsm.machine.spec import listify
from doover_fsm.machine.timers import ScanTimer, ScanTimers, current_scan_timers

_LOG = logging.getLogger(__name__)

_CONTEXT: ContextVar[asyncio.Task[Any] | None] = ContextVar("doover_fsm_machine_context", default=None)
"""The task running the outermost trigger of the current call chain (transitions' ``current_context``)."""

_DYNAMIC = ("on_enter", "on_exit", "on_timeout")


class Event:
    """What ``event_data.event`` is: the trigger, by name."""

    __slots__ = ("machine", "name")

    def __init__(self, name: str, machine: AsyncStateMachine) -> None:
        self.name = name
        self.machine = machine

    def __repr__(self) -> str:
        return f"<Event({self.name!r})>"


class EventData:
    """Passed to callbacks when ``send_event=True``; same attributes as transitions' ``EventData``."""

    __slots__ = ("args", "error", "event", "kwargs", "machine", "model", "result", "state", "transition")

    def __init__(self, state: TimedState | None, event: Event, machine: AsyncStateMachine, model: Any,
                 args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.state = state
        self.event = event
        self.machine = machine
        self.model = model
        self.args = args
        self.kwargs = kwargs
        self.transition: FlatTransition | None = None
        self.error: BaseException | None = None
        self.result = False

    def update(self, state: Any) -> None:
        """Point ``state`` at the model's current state (after a state change)."""
        self.state = self.machine.get_state(state)

    def __repr__(self) -> str:
        return f"<EventData({self.event!r}, state={getattr(self.state, 'name', None)!r})>"


TimerLike = ScanTimer | asyncio.Task[Any]


@dataclass(frozen=True, slots=True)
class AsyncMachineStats:
    """Snapshot of an :class:`AsyncStateMachine` (see ``statistics()``)."""

    events: int
    transitions: int
    timeouts_fired: int
    queue_depth: int
    queue_peak: int
    running_triggers: int


class AsyncStateMachine:
    """A flat async state machine bound to ``model`` (default: itself); pydoover's ``StateMachine``.

    Extra to pydoover: ``attach_scan_timers`` pins where timeouts run; otherwise the scan's timers
    current when a timeout is first armed are used from then on, else asyncio.
    """

    wildcard_all = "*"
    wildcard_same = "="
    self_literal = "self"

    def __init__(
        self,
        model: Any = "self",
        states: Any = None,
        initial: Any = "initial",
        transitions: Any = None,
        send_event: bool = False,
        auto_transitions: bool = True,
        ordered_transitions: bool = False,
        ignore_invalid_triggers: bool | None = None,
        before_state_change: Any = None,
        after_state_change: Any = None,
        name: str | None = None,
        queued: bool | str = False,
        prepare_event: Any = None,
        finalize_event: Any = None,
        model_attribute: str = "state",
        model_override: bool = False,
        on_exception: Any = None,
        on_final: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise ValueError(f"StateMachine: unknown keyword argument(s) {sorted(kwargs)}")
        self.send_event = send_event
        self.auto_transitions = auto_transitions
        self.ignore_invalid_triggers = ignore_invalid_triggers
        self.prepare_event: list[Callback] = listify(prepare_event)
        self.before_state_change: list[Callback] = listify(before_state_change)
        self.after_state_change: list[Callback] = listify(after_state_change)
        self.finalize_event: list[Callback] = listify(finalize_event)
        self.on_exception: list[Callback] = listify(on_exception)
        self.on_final: list[Callback] = listify(on_final)
        self.name = f"{name}: " if name is not None else ""
        self.model_attribute = model_attribute
        self.model_override = model_override
        self._scan_timers: ScanTimers | None = None
        self._queued = queued
        self._queues: dict[int, deque[Callable[[], Awaitable[Any]]]] = {}
        self._running: dict[int, list[asyncio.Task[Any]]] = {}
        self._cancelled_by_us: set[asyncio.Task[Any]] = set()
        self._runners: dict[tuple[str, int], TimerLike] = {}
        self._n_events = self._n_transitions = self._n_timeouts = self._queue_peak = 0
        self._flat: FlatMachine = compile_flat(
            states, transitions, initial, auto_transitions=auto_transitions,
            ordered_transitions=ordered_transitions, ignore_invalid_triggers=ignore_invalid_triggers,
            model_attribute=model_attribute,
        )
        self.states: dict[str, TimedState] = self._flat.states
        self.events: dict[str, Event] = {t: Event(t, self) for t in self._flat.triggers}
        self.models: list[Any] = []
        for mod in listify(model) if model else []:
            self.add_model(mod)

    # --- models ----------------------------------------------------------------------------
    @property
    def initial(self) -> str | None:
        return self._flat.initial

    @property
    def model(self) -> Any:
        """The model, or the list of models when there are several (or none)."""
        return self.models[0] if len(self.models) == 1 else self.models

    @property
    def has_queue(self) -> bool | str:
        return self._queued

    def attach_scan_timers(self, timers: ScanTimers | None) -> None:
        """Run this machine's timeouts on ``timers`` (a running app's scan); None: automatic again.

        Usually not needed: a machine attaches itself to the scan's timers current when it first
        arms a timeout (see :func:`doover_fsm.machine.timers.scan_timers`).
        """
        self._scan_timers = timers

    def add_model(self, model: Any, initial: str | None = None) -> None:
        """Bind triggers, ``may_*``, ``is_*`` and ``trigger`` on ``model`` and set its initial state.

        Like transitions, a name the model already has is left alone (a warning is logged).
        """
        for mod in listify(model):
            mod = self if mod is self.self_literal else mod
            if any(m is mod for m in self.models):
                continue
            start = initial if initial is not None else self.initial
            if start is None:
                raise ValueError("No initial state configured for machine, must specify when adding model.")
            self._checked_assignment(mod, "trigger", partial(self._get_trigger, mod))
            self._checked_assignment(mod, "may_trigger", partial(self._can_trigger, mod))
            for trig in self._flat.triggers:
                self._checked_assignment(mod, trig, partial(self._trigger_event, mod, trig))
                self._checked_assignment(mod, f"may_{trig}", partial(self._can_trigger, mod, trig))
            attr = self.model_attribute
            for st in self.states.values():
                is_name = f"is_{st.name}" if attr == "state" else f"is_{attr}_{st.name}"
                self._checked_assignment(mod, is_name, partial(self.is_state, st.value, mod))
                for kind in _DYNAMIC:
                    meth = f"{kind}_{st.name}"
                    cbs: list[Callback] = getattr(st, kind)
                    if inspect.ismethod(getattr(mod, meth, None)) and meth not in cbs:
                        cbs.append(meth)
            self.set_state(start, mod)
            self.models.append(mod)
            if self._queued == "model":
                self._queues[id(mod)] = deque()

    def _checked_assignment(self, model: Any, name: str, func: Any) -> None:
        if (getattr(model, name, None) is None) ^ bool(self.model_override):
            setattr(model, name, func)
        else:
            _LOG.warning("%sModel already has an attribute '%s': not bound (transitions' model override "
                         "policy).", self.name, name)

    # --- states ----------------------------------------------------------------------------
    def get_state(self, state: Any) -> TimedState:
        try:
            return self.states[state]
        except (KeyError, TypeError):
            raise ValueError(f"State '{state}' is not a registered state.") from None

    def get_model_state(self, model: Any) -> TimedState:
        return self.get_state(getattr(model, self.model_attribute))

    def set_state(self, state: Any, model: Any = None) -> None:
        """Set the state without callbacks or timers (transitions' ``set_state``)."""
        st = state if isinstance(state, TimedState) else self.get_state(state)
        for mod in self.models if model is None else listify(model):
            setattr(mod, self.model_attribute, st.value)

    def is_state(self, state: Any, model: Any) -> bool:
        return bool(getattr(model, self.model_attribute) == state)

    def get_triggers(self, *args: Any) -> list[str]:
        """Triggers with a transition from any of the states ``args`` (names or state objects)."""
        names = {s.name if hasattr(s, "name") else s for s in args}
        return [t for t in self._flat.triggers if names & self._flat.sources[t]]

    def get_transitions(self, trigger: str = "", source: str = "*", dest: str = "*") -> list[FlatTransition]:
        """Declared transitions, filtered like transitions' ``get_transitions``."""
        out = []
        for row in self._flat.table.values():
            for trig, ts in row.items():
                if trigger and trig != trigger:
                    continue
                out += [t for t in ts if source in ("*", t.source) and dest in ("*", t.dest)]
        return out

    # --- triggering ------------------------------------------------------------------------
    async def dispatch(self, trigger: str, *args: Any, **kwargs: Any) -> bool:
        """Fire ``trigger`` on every model; True if all succeeded."""
        res = await asyncio.gather(*(getattr(m, trigger)(*args, **kwargs) for m in self.models))
        return all(res)

    async def _get_trigger(self, model: Any, trigger_name: str, *args: Any, **kwargs: Any) -> bool:
        if trigger_name not in self._flat.sources:
            st = self.get_model_state(model)
            ignore = st.ignore_invalid_triggers if st.ignore_invalid_triggers is not None \
                else self.ignore_invalid_triggers
            if not ignore:
                raise AttributeError(f"Do not know event named '{trigger_name}'.")
            return False
        return await self._trigger_event(model, trigger_name, *args, **kwargs)

    async def _trigger_event(self, model: Any, trigger: str, *args: Any, **kwargs: Any) -> bool:
        ed = EventData(None, Event(trigger, self), self, model, args, kwargs)
        return bool(await self._process_context(partial(self._run_event, ed), model))

    async def _process_context(self, func: Callable[[], Awaitable[Any]], model: Any) -> Any:
        if _CONTEXT.get() is not None:
            return await self._process_queue(func, model)
        task = asyncio.current_task()
        assert task is not None  # a coroutine runs in a task
        token = _CONTEXT.set(task)
        running = self._running.setdefault(id(model), [])
        running.append(task)
        try:
            return await self._process_queue(func, model)
        except asyncio.CancelledError:
            if task not in self._cancelled_by_us:
                raise  # cancelled from outside (e.g. app shutdown): not ours to swallow
            task.uncancel()
            return False
        finally:
            self._cancelled_by_us.discard(task)
            running.remove(task)
            if not running:
                del self._running[id(model)]
            _CONTEXT.reset(token)

    async def _process_queue(self, func: Callable[[], Awaitable[Any]], model: Any) -> Any:
        if not self._queued:
            return await func()
        queue = self._queues.setdefault(id(model) if self._queued == "model" else 0, deque())
        queue.append(func)
        self._queue_peak = max(self._queue_peak, len(queue))
        if len(queue) > 1:
            return True  # a trigger is running: this one runs after it
        while queue:
            try:
                await queue[0]()
            except BaseException:
                queue.clear()
                raise
            if queue:
                queue.popleft()
        return True

    async def cancel_running_transitions(self, model: Any, msg: str | None = None) -> None:
        """Cancel the model's other triggers still in progress (a transition is about to happen)."""
        current = _CONTEXT.get()
        for task in self._running.get(id(model), ()):
            if task is not current and not task.done():
                _LOG.debug("%sCancel running tasks...", self.name)
                self._cancelled_by_us.add(task)
                task.cancel(msg)

    async def _run_event(self, ed: EventData) -> bool:
        trigger = ed.event.name
        self._n_events += 1
        ed.state = state = self.get_model_state(ed.model)
        try:
            if self._is_valid_source(state, trigger):
                await self.callbacks(self.prepare_event, ed)
                for trans in self._flat.table[state.name][trigger]:
                    ed.transition = trans
                    ed.result = await self._execute(trans, ed)
                    if ed.result:
                        break
        except BaseException as err:
            # the caller gets the error (or on_exception does): logged at debug only, not twice
            _LOG.debug("%sException was raised while processing the trigger '%s': %r", self.name, trigger, err)
            ed.error = err
            if not self.on_exception:
                raise
            await self.callbacks(self.on_exception, ed)
        finally:
            try:
                await self.callbacks(self.finalize_event, ed)
            except BaseException as err:
                _LOG.error("%sWhile executing finalize callbacks a %s occurred: %s.", self.name,
                           type(err).__name__, err)
        return ed.result

    def _is_valid_source(self, state: TimedState, trigger: str) -> bool:
        if trigger in self._flat.table[state.name]:
            return True
        msg = f"{self.name}Can't trigger event {trigger} from state {state.name}!"
        ignore = state.ignore_invalid_triggers if state.ignore_invalid_triggers is not None \
            else self.ignore_invalid_triggers
        if ignore:
            _LOG.debug(msg)  # asked to ignore: apps fire such triggers every loop, so not a warning
            return False
        raise MachineError(msg)

    async def _execute(self, trans: FlatTransition, ed: EventData) -> bool:
        await self.callbacks(trans.prepare, ed)
        if trans.conditions:
            checks = await asyncio.gather(*(self._check(cb, target, ed) for cb, target in trans.conditions))
            if not all(checks):
                return False
        await self.cancel_running_transitions(ed.model, ed.event.name)
        await self.callbacks(self.before_state_change, ed)
        await self.callbacks(trans.before, ed)
        if trans.dest is not None:
            await self._change_state(trans, ed)
        await self.callbacks(trans.after, ed)
        await self.callbacks(self.after_state_change, ed)
        self._n_transitions += 1
        return True

    async def _check(self, cb: Callback, target: bool, ed: EventData) -> bool:
        func = self.resolve_callable(cb, ed)
        res = func(ed) if self.send_event else func(*ed.args, **ed.kwargs)
        if inspect.isawaitable(res):
            res = await res
        return bool(res == target)

    async def _change_state(self, trans: FlatTransition, ed: EventData) -> None:
        await self._exit(self.get_state(trans.source), ed)
        self.set_state(trans.dest, ed.model)
        ed.update(getattr(ed.model, self.model_attribute))
        dest = self.get_state(trans.dest)
        await self._enter(dest, ed)
        if dest.final:
            await self.callbacks(self.on_final, ed)

    async def _exit(self, state: TimedState, ed: EventData) -> None:
        timer = self._runners.get((state.name, id(ed.model)))
        if timer is not None and not timer.done():
            timer.cancel()
        await self.callbacks(state.on_exit, ed)

    async def _enter(self, state: TimedState, ed: EventData) -> None:
        if state.timeout > 0:
            key = (state.name, id(ed.model))
            stale = self._runners.get(key)
            if stale is not None and not stale.done():
                stale.cancel()  # re-entered before the old entry's exit ran: one timeout per entry
            self._runners[key] = self._arm(state, ed)
        await self.callbacks(state.on_enter, ed)

    # --- may_<trigger> ---------------------------------------------------------------------
    async def _can_trigger(self, model: Any, trigger: str, *args: Any, **kwargs: Any) -> bool:
        state = self.get_model_state(model)
        ed = EventData(state, Event(trigger, self), self, model, args, kwargs)
        if trigger not in self._flat.table[state.name]:
            return False
        for trans in self._flat.table[state.name][trigger]:
            ed.transition = trans
            try:
                await self.callbacks(self.prepare_event, ed)
                await self.callbacks(trans.prepare, ed)
                checks = await asyncio.gather(*(self._check(cb, target, ed) for cb, target in trans.conditions))
                if all(checks):
                    return True
            except BaseException as err:
                ed.error = err
                if not self.on_exception:
                    raise
                await self.callbacks(self.on_exception, ed)
        return False

    # --- callbacks -------------------------------------------------------------------------
    async def callbacks(self, funcs: Iterable[Callback], event_data: EventData) -> None:
        """Run callbacks concurrently, as transitions' ``AsyncMachine`` does (every one runs; the
        first error is raised after)."""
        funcs = list(funcs)
        if funcs:
            await asyncio.gather(*(self.callback(f, event_data) for f in funcs))

    async def callback(self, func: Callback, event_data: EventData) -> None:
        """Call one callback (a name is looked up now) and await what it returns if awaitable."""
        fn = self.resolve_callable(func, event_data)
        res = fn(event_data) if self.send_event else fn(*event_data.args, **event_data.kwargs)
        if inspect.isawaitable(res):
            await res

    @staticmethod
    def resolve_callable(func: Callback, event_data: EventData) -> Callable[..., Any]:
        """A model attribute (a non-callable one is returned as a constant), else a dotted import path."""
        if not isinstance(func, str):
            return func
        try:
            value = getattr(event_data.model, func)
        except AttributeError:
            mod_name, _, attr = func.rpartition(".")
            try:
                if not mod_name:
                    raise ImportError(func)
                found: Callable[..., Any] = getattr(importlib.import_module(mod_name), attr)
            except (ImportError, AttributeError, ValueError):
                raise AttributeError(f"Callable with name '{func}' could neither be retrieved from the passed "
                                     "model nor imported from a module.") from None
            return found
        if callable(value):
            return value
        return lambda *_a, **_k: value

    # --- timeouts --------------------------------------------------------------------------
    def _arm(self, state: TimedState, ed: EventData) -> TimerLike:
        timers = self._scan_timers
        if timers is None:
            # the first scan that sees this machine arm a timeout owns it from then on
            timers = self._scan_timers = current_scan_timers()
        fire = partial(self._process_timeout, state, ed)
        if timers is not None:
            return timers.schedule(state.timeout, fire)
        return asyncio.get_running_loop().create_task(self._asyncio_timer(state.timeout, fire))

    @staticmethod
    async def _asyncio_timer(delay: float, fire: Callable[[], Awaitable[None]]) -> None:
        try:
            await asyncio.sleep(delay)
            # shielded: leaving the state from inside on_timeout cancels this timer, not the callbacks
            await asyncio.shield(fire())
        except asyncio.CancelledError:
            pass

    async def _process_timeout(self, state: TimedState, ed: EventData) -> None:
        tmo = EventData(ed.state, Event("timeout", self), self, ed.model, (), {})
        self._n_timeouts += 1
        token = _CONTEXT.set(None)  # triggers fired by on_timeout are outermost triggers
        try:
            await self.callbacks(state.on_timeout, tmo)
        except BaseException as err:
            _LOG.warning("%sException raised while processing timeout!", self.name, exc_info=err)
            tmo.error = err
            try:
                if not self.on_exception:
                    raise
                await self.callbacks(self.on_exception, tmo)
            except BaseException as err2:
                _LOG.error("%sHandling timeout exception '%r' caused another exception: %r. "
                           "Cancel running transitions...", self.name, err, err2)
                await self.cancel_running_transitions(tmo.model, "timeout")
        finally:
            _CONTEXT.reset(token)

    def statistics(self) -> AsyncMachineStats:
        """Events dispatched, transitions made, timeouts fired, queue depth/peak, triggers in flight."""
        return AsyncMachineStats(self._n_events, self._n_transitions, self._n_timeouts,
                                 sum(len(q) for q in self._queues.values()), self._queue_peak,
                                 sum(len(r) for r in self._running.values()))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}states={list(self.states)}>"
