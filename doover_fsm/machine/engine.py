"""Run-time of a compiled machine: one instance per model, run-to-completion, table dispatch.

The core of each step is a synchronous generator that *yields* only when a callback returns an
awaitable. The sync driver (``trigger``) runs it straight through and refuses awaitables; the
async driver (``atrigger``) awaits what it yields. So both paths share one implementation of
``transitions``' semantics and the all-sync path stays fast. Not thread-safe: use one runtime
from one thread (the scan).
"""

from __future__ import annotations

import collections
import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

from doover_fsm.clock import Clock
from doover_fsm.errors import MachineDefinitionError, MachineError
from doover_fsm.events import Event
from doover_fsm.machine.compiler import CompiledMachine, thaw
from doover_fsm.machine.spec import SEP, StateDef, TransitionDef, listify

_LOG = logging.getLogger(__name__)
_isawaitable = inspect.isawaitable
_Step = Generator[Any, Any, Any]


class TriggerRef:
    """What ``event_data.event`` is: the trigger, with ``.name`` as in transitions' ``Event``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<TriggerRef {self.name!r}>"


class EventData:
    """Passed to callbacks when ``send_event=True`` (like transitions' ``EventData``).

    ``args``/``kwargs`` are the trigger's arguments; ``app_event`` is the
    :class:`doover_fsm.events.Event` when the step came from ``dispatch_event`` (else None),
    and ``data`` is its payload.
    """

    __slots__ = ("app_event", "args", "error", "kwargs", "machine", "model", "result", "state", "transition",
                 "trigger")

    def __init__(self, machine: MachineRuntime, trigger: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                 app_event: Event | None) -> None:
        self.machine = machine
        self.model = machine.model
        self.trigger = trigger
        self.args = args
        self.kwargs = kwargs
        self.app_event = app_event
        self.state: StateDef | None = None
        self.transition: TransitionDef | None = None
        self.error: BaseException | None = None
        self.result: bool | None = None

    @property
    def event(self) -> TriggerRef:
        return TriggerRef(self.trigger)

    @property
    def data(self) -> Any:
        return None if self.app_event is None else self.app_event.data

    def __repr__(self) -> str:
        return f"<EventData {self.trigger!r} state={getattr(self.state, 'name', None)!r}>"


@dataclass(frozen=True, slots=True)
class MachineStats:
    """Snapshot of a :class:`MachineRuntime` (see ``statistics()``)."""

    events_dispatched: int
    transitions: int
    invalid_triggers: int
    queue_depth: int
    queue_peak: int
    timeouts_fired: int
    timers_armed: int


def _is_coro_fn(cb: Any) -> bool:
    return inspect.iscoroutinefunction(cb) or inspect.iscoroutinefunction(type(cb).__call__)


def _discard(aw: Any) -> None:
    close = getattr(aw, "close", None)
    if close is not None:
        close()


class MachineRuntime:
    """One model's live state machine over a shared :class:`CompiledMachine`. Not thread-safe.

    Callbacks named by string are bound to ``model`` once, here (so a method replaced on the
    instance later is not seen). Nested triggers raised from callbacks are queued and run after
    the current step (run to completion, like transitions' ``queued=True``).
    """

    def __init__(
        self,
        compiled: CompiledMachine,
        model: Any,
        *,
        clock: Clock,
        send_event: bool = True,
        on_exception: Any = None,
        before_state_change: Any = None,
        after_state_change: Any = None,
        prepare_event: Any = None,
        finalize_event: Any = None,
        ignore_invalid_triggers: bool = True,
        on_transition: Callable[[Any, str, Any, Event | None], None] | None = None,
        model_attribute: str | None = None,
        timer_hook: Callable[[int, int | None], None] | None = None,
    ) -> None:
        self.compiled = compiled
        self.model = model
        self.clock = clock
        self._send = bool(send_event)
        self._ignore = bool(ignore_invalid_triggers)
        self._on_transition = on_transition
        self._model_attr = model_attribute
        self._timer_hook = timer_hook
        self._states = compiled.states
        self._async = False
        mcb = compiled.machine_callbacks

        def machine_cbs(given: Any, key: str) -> tuple[Callable[..., Any], ...]:
            return self._bind_all(listify(given) if given is not None else mcb.get(key, ()), "machine")

        self._before_sc = machine_cbs(before_state_change, "before_state_change")
        self._after_sc = machine_cbs(after_state_change, "after_state_change")
        self._prepare_event = machine_cbs(prepare_event, "prepare_event")
        self._finalize = machine_cbs(finalize_event, "finalize_event")
        self._on_exception = machine_cbs(on_exception, "on_exception")
        self._enter: list[tuple[Callable[..., Any], ...]] = []
        self._exit: list[tuple[Callable[..., Any], ...]] = []
        self._tmo: list[tuple[Callable[..., Any], ...]] = []
        self._scan: list[tuple[Callable[..., Any], ...]] = []
        for st in compiled.states:
            where = f"state {st.name!r}"
            self._enter.append(self._bind_all(self._with_convention(st.on_enter, "on_enter", st), where))
            self._exit.append(self._bind_all(self._with_convention(st.on_exit, "on_exit", st), where))
            self._tmo.append(self._bind_all(self._with_convention(st.on_timeout, "on_timeout", st), where))
            self._scan.append(self._bind_all(self._with_convention(st.on_scan, "on_scan", st), where))
        self._timeout_ns = tuple(st.timeout_ns for st in compiled.states)
        self._tcb: list[tuple[Any, ...]] = []
        for t in compiled.spec.transitions:
            self._tcb.append((
                self._bind_all(t.prepare, t.label),
                tuple((cb, target) for cb, target in zip(self._bind_all([c for c, _ in t.conditions], t.label),
                                                         [tg for _, tg in t.conditions], strict=True)),
                self._before_sc + self._bind_all(t.before, t.label),
                self._bind_all(t.after, t.label) + self._after_sc,
            ))
        self._cfg = -1
        self._value: Any = None
        self._result: Any = None
        self._plans: list[dict[int, tuple[Any, ...]]] = []
        self._scratch = EventData(self, "", (), {}, None)
        self._deadlines: dict[int, int] = {}
        self._queue: collections.deque[tuple[Any, ...]] = collections.deque()
        self._busy = False
        self._n_events = 0
        self._n_transitions = 0
        self._n_invalid = 0
        self._n_timeouts = 0
        self._queue_peak = 0

    # --- binding ---------------------------------------------------------------------------
    def _with_convention(self, declared: tuple[Any, ...], kind: str, st: StateDef) -> list[Any]:
        name = f"{kind}{SEP}{st.name}"
        out = list(declared)
        meth = getattr(self.model, name, None)
        if meth is not None and inspect.ismethod(meth) and name not in out:
            out.append(name)
        return out

    def _bind_all(self, cbs: Any, where: str) -> tuple[Callable[..., Any], ...]:
        out = tuple(self._bind(cb, where) for cb in cbs)
        if not self._async and any(_is_coro_fn(cb) for cb in out):
            self._async = True
        return out

    def _bind(self, cb: Any, where: str) -> Callable[..., Any]:
        if not isinstance(cb, str):
            return cb
        model = self.model
        static = inspect.getattr_static(type(model), cb, None)
        if isinstance(static, property):
            return _PropertyCallback(model, cb)
        try:
            value = getattr(model, cb)
        except AttributeError:
            if "." in cb:
                mod_name, _, attr = cb.rpartition(".")
                try:
                    return getattr(importlib.import_module(mod_name), attr)
                except (ImportError, AttributeError) as err:
                    raise MachineDefinitionError(f"{where}: cannot import callback {cb!r}") from err
            raise MachineDefinitionError(
                f"{where}: callback {cb!r} is not an attribute of {type(model).__name__}"
            ) from None
        if callable(value):
            return value
        return _PropertyCallback(model, cb)

    # --- introspection ---------------------------------------------------------------------
    @property
    def is_async(self) -> bool:
        """True when some bound callback is a coroutine function (use the ``a*`` methods)."""
        return self._async

    @property
    def started(self) -> bool:
        return self._cfg >= 0

    @property
    def state(self) -> Any:
        """What transitions puts in ``model.state``: the leaf's full name, or lists for parallel states."""
        self._check_started()
        return thaw(self._value)

    @property
    def active_states(self) -> tuple[str, ...]:
        """Full names of all active states, outermost first (pre-order over the active tree)."""
        self._check_started()
        return tuple(self._states[s].name for s in self.compiled.config(self._cfg).active)

    def is_state(self, name: str, allow_substates: bool = False) -> bool:
        """transitions' ``is_state``: True for an active *leaf*; ancestors only with ``allow_substates``."""
        idx = self.compiled.index.get(name)
        if idx is None or self._cfg < 0:
            return False
        cfg = self.compiled.config(self._cfg)
        return idx in cfg.active_set and (allow_substates or idx in cfg.leaves)

    def shutdown_safe(self) -> bool:
        """True when every active leaf is marked ``shutdown_safe`` or lies inside a state that is."""
        self._check_started()
        states = self._states
        for leaf in self.compiled.config(self._cfg).leaves:
            if not any(states[s].shutdown_safe for s in states[leaf].path):
                return False
        return True

    def statistics(self) -> MachineStats:
        return MachineStats(self._n_events, self._n_transitions, self._n_invalid, len(self._queue),
                            self._queue_peak, self._n_timeouts, len(self._deadlines))

    def next_deadline_ns(self) -> int | None:
        """Earliest armed timeout (monotonic ns), for a scheduler that wants to wake for it."""
        return min(self._deadlines.values()) if self._deadlines else None

    def _check_started(self) -> None:
        if self._cfg < 0:
            raise MachineError(f"machine {self.compiled.name or type(self.model).__name__!r} not started")

    # --- start -----------------------------------------------------------------------------
    def start(self, *, run_callbacks: bool = True) -> Awaitable[None] | None:
        """Enter the initial chain (on_enter callbacks outermost first; timers armed).

        Returns an awaitable when some callback is async (await it), else None.
        ``run_callbacks=False`` only sets the state, as transitions does at construction.
        """
        if self._cfg >= 0:
            raise MachineError("machine already started")
        gen = self._run_start(run_callbacks)
        if self._async:
            return self._process_async(gen)
        self._process_sync(gen)
        return None

    async def astart(self, *, run_callbacks: bool = True) -> None:
        """Async form of :meth:`start`."""
        if self._cfg >= 0:
            raise MachineError("machine already started")
        await self._process_async(self._run_start(run_callbacks))

    def _run_start(self, run_callbacks: bool) -> _Step:
        path = self.compiled.start_path
        ed = EventData(self, "initial", (), {}, None)
        self._set_config(path.config)
        ed.state = self._states[self.compiled.config(path.config).leaves[0]]
        now = self.clock.monotonic_ns() if self.compiled.has_timeouts else 0
        for s in path.enters:
            if self._timeout_ns[s]:
                self._arm(s, now)
            if run_callbacks:
                for cb in self._enter[s]:
                    r = cb(ed) if self._send else cb()
                    if r is not None and _isawaitable(r):
                        yield r

    # --- triggering ------------------------------------------------------------------------
    def trigger(self, name: str, *args: Any, **kwargs: Any) -> bool:
        """Dispatch ``name`` synchronously; True if a transition ran (or, nested, was queued)."""
        if self._busy:
            self._enqueue((0, name, args, kwargs, None))
            return True
        if self._async:
            raise MachineError(f"trigger({name!r}): this machine has async callbacks; use 'await atrigger()'")
        if self._cfg < 0:
            self._check_started()
        return bool(self._process_sync(self._run(name, args, kwargs, None)))

    async def atrigger(self, name: str, *args: Any, **kwargs: Any) -> bool:
        """Dispatch ``name``, awaiting async callbacks in order."""
        if self._busy:
            self._enqueue((0, name, args, kwargs, None))
            return True
        self._check_started()
        return bool(await self._process_async(self._run(name, args, kwargs, None)))

    def has_trigger(self, name: str) -> bool:
        return name in self.compiled.triggers

    def dispatch_event(self, event: Event) -> Awaitable[bool] | bool:
        """Trigger ``event.trigger`` if the machine knows it, passing ``event`` to the callbacks.

        Callbacks get ``event`` as their only positional argument (``send_event=False``) or see
        it as ``event_data.app_event`` / ``event_data.args[0]``. Returns False for an unknown
        trigger. Returns an awaitable when the machine has async callbacks.
        """
        if event.trigger not in self.compiled.triggers:
            return False
        if self._busy:
            self._enqueue((0, event.trigger, (event,), {}, event))
            return True
        self._check_started()
        gen = self._run(event.trigger, (event,), {}, event)
        if self._async:
            return self._process_async(gen)
        return bool(self._process_sync(gen))

    def may_trigger(self, name: str, *args: Any, **kwargs: Any) -> bool:
        """transitions' ``may_<trigger>``: would some transition's prepare+conditions pass now?"""
        self._check_started()
        srcs = self.compiled._by_trigger.get(name)
        if not srcs:
            return False
        return bool(self._sync(self._run_may(srcs, name, args, kwargs)))

    def _enqueue(self, item: tuple[Any, ...]) -> None:
        self._queue.append(item)
        if len(self._queue) > self._queue_peak:
            self._queue_peak = len(self._queue)

    # --- drivers ---------------------------------------------------------------------------
    def _sync(self, gen: _Step) -> Any:
        self._result = None
        for aw in gen:
            _discard(aw)
            gen.close()
            raise MachineError("a callback returned an awaitable in a synchronous call; use the async API "
                               "(atrigger/astart/await dispatch_event)")
        return self._result

    async def _drive(self, gen: _Step) -> Any:
        self._result = None
        try:
            aw = gen.send(None)
            while True:
                try:
                    val = await aw
                except BaseException as err:
                    aw = gen.throw(err)
                else:
                    aw = gen.send(val)
        except StopIteration:
            return self._result

    def _item(self, item: tuple[Any, ...]) -> _Step:
        if item[0] == 0:
            return self._run(item[1], item[2], item[3], item[4])
        if item[0] == 1:
            return self._run_timeout(item[1])
        return self._run_scan()

    def _process_sync(self, gen: _Step) -> Any:
        self._busy = True
        try:
            res = self._sync(gen)
            queue = self._queue
            while queue:
                self._sync(self._item(queue.popleft()))
            return res
        except BaseException:
            self._queue.clear()
            raise
        finally:
            self._busy = False

    async def _process_async(self, gen: _Step) -> Any:
        self._busy = True
        try:
            res = await self._drive(gen)
            queue = self._queue
            while queue:
                await self._drive(self._item(queue.popleft()))
            return res
        except BaseException:
            self._queue.clear()
            raise
        finally:
            self._busy = False

    # --- the step ----------------------------------------------------------------------------
    def _set_config(self, cfg: int) -> None:
        self._cfg = cfg
        self._value = self.compiled.config(cfg).value
        if self._model_attr is not None:
            setattr(self.model, self._model_attr, thaw(self._value))

    def _arm(self, s: int, now: int) -> None:
        deadline = now + self._timeout_ns[s]
        self._deadlines[s] = deadline
        if self._timer_hook is not None:
            self._timer_hook(s, deadline)

    def _disarm(self, s: int) -> None:
        if self._deadlines.pop(s, None) is not None and self._timer_hook is not None:
            self._timer_hook(s, None)

    def _invalid(self, trigger: str) -> bool:
        self._n_invalid += 1
        states = self._states
        for leaf in self.compiled.config(self._cfg).leaves:
            ign = states[leaf].ignore_invalid_triggers
            if not (self._ignore if ign is None else ign):
                if trigger in self.compiled.triggers:
                    raise MachineError(f"{self.compiled.name}Can't trigger event {trigger!r} from state(s) "
                                       f"{thaw(self._value)!r}!")
                raise MachineError(f"Do not know event named {trigger!r}.")
        _LOG.debug("ignored trigger %r in state %r", trigger, self._value)
        return False

    def _plan(self, cfg: int, dst: int) -> tuple[Any, ...]:
        """Per-instance flattening of a compiled path: the bound exit/enter callbacks in order."""
        path = self.compiled.path(cfg, dst)
        tns = self._timeout_ns
        plan = (
            tuple(cb for s in path.exits for cb in self._exit[s]),
            tuple(cb for s in path.enters for cb in self._enter[s]),
            path.config,
            self._states[path.leaf],
            tuple(s for s in path.exits if tns[s]),
            tuple(s for s in path.enters if tns[s]),
        )
        while len(self._plans) <= cfg:
            self._plans.append({})
        self._plans[cfg][dst] = plan
        return plan

    def _run(self, trigger: str, args: tuple[Any, ...], kwargs: dict[str, Any], app_event: Event | None) -> _Step:
        """One event, with transitions' callback order. Yields only awaitables returned by callbacks.

        The outcome goes to ``self._result`` (a generator's return value costs an exception).
        """
        compiled = self.compiled
        send = self._send
        if send:
            ed = EventData(self, trigger, args, kwargs, app_event)
            argv: tuple[Any, ...] = (ed,)
            kw: dict[str, Any] = {}
        else:
            ed = self._scratch  # invisible to callbacks without send_event: reuse it
            ed.trigger, ed.args, ed.kwargs, ed.app_event, ed.error = trigger, args, kwargs, app_event, None
            argv, kw = args, kwargs
        self._n_events += 1
        result: bool | None = None
        try:
            cfg = self._cfg
            table = compiled._dispatch[cfg] if cfg < len(compiled._dispatch) else compiled.dispatch_table(cfg)
            groups = table.get(trigger)
            if groups is not None:
                parallel = compiled.parallel
                done: set[int] = set()
                states = self._states
                for g in groups:
                    if parallel and g.state in done:
                        continue
                    ed.state = states[g.state]
                    for cb in self._prepare_event:
                        r = cb(*argv, **kw) if kw else cb(*argv)
                        if r is not None and _isawaitable(r):
                            yield r
                    for t in g.transitions:
                        ed.transition = t
                        prepare, conds, before, after = self._tcb[t.index]
                        for cb in prepare:
                            r = cb(*argv, **kw) if kw else cb(*argv)
                            if r is not None and _isawaitable(r):
                                yield r
                        ok = True
                        for cb, target in conds:
                            r = cb(*argv, **kw) if kw else cb(*argv)
                            if r is not True and r is not False and _isawaitable(r):
                                r = yield r
                            if not r == target:  # noqa: SIM201 - transitions compares with ==
                                ok = False
                                break
                        if not ok:
                            result = False
                            continue
                        for cb in before:
                            r = cb(*argv, **kw) if kw else cb(*argv)
                            if r is not None and _isawaitable(r):
                                yield r
                        dst = t.dst
                        if dst is not None:
                            source_value = self._value
                            cfg = self._cfg
                            try:
                                exit_cbs, enter_cbs, new_cfg, leaf, timed_exits, timed_enters = \
                                    self._plans[cfg][dst]
                            except (KeyError, IndexError):
                                exit_cbs, enter_cbs, new_cfg, leaf, timed_exits, timed_enters = \
                                    self._plan(cfg, dst)
                            for s in timed_exits:
                                self._disarm(s)
                            for cb in exit_cbs:
                                r = cb(*argv, **kw) if kw else cb(*argv)
                                if r is not None and _isawaitable(r):
                                    yield r
                            self._set_config(new_cfg)
                            ed.state = leaf
                            if timed_enters:
                                now = self.clock.monotonic_ns()
                                for s in timed_enters:
                                    self._arm(s, now)
                            for cb in enter_cbs:
                                r = cb(*argv, **kw) if kw else cb(*argv)
                                if r is not None and _isawaitable(r):
                                    yield r
                        for cb in after:
                            r = cb(*argv, **kw) if kw else cb(*argv)
                            if r is not None and _isawaitable(r):
                                yield r
                        self._n_transitions += 1
                        result = True
                        if dst is not None and self._on_transition is not None:
                            self._on_transition(thaw(source_value), trigger, thaw(self._value), app_event)
                        break
                    if result:
                        if not parallel:
                            break
                        done.update(g.done)
            ed.result = result
            if result is None:
                result = self._invalid(trigger)
        except BaseException as err:
            ed.error = err
            if not self._on_exception:
                raise
            for cb in self._on_exception:
                r = cb(*argv, **kw) if kw else cb(*argv)
                if r is not None and _isawaitable(r):
                    yield r
        finally:
            for cb in self._finalize:
                try:
                    r = cb(*argv, **kw) if kw else cb(*argv)
                    if r is not None and _isawaitable(r):
                        yield r
                except Exception:  # transitions logs and swallows finalize errors
                    _LOG.exception("finalize_event callback failed for trigger %r", trigger)
        self._result = result

    def _run_may(self, srcs: dict[int, tuple[TransitionDef, ...]], trigger: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> _Step:
        send = self._send
        ed = EventData(self, trigger, args, kwargs, None)
        for seq in self.compiled.may_sequence(self._cfg):
            for s in seq:
                ed.state = self._states[s]
                for t in srcs.get(s, ()):
                    ed.transition = t
                    prepare, conds, _before, _after = self._tcb[t.index]
                    try:
                        for cb in self._prepare_event + prepare:
                            r = cb(ed) if send else cb(*args, **kwargs)
                            if r is not None and _isawaitable(r):
                                yield r
                        ok = True
                        for cb, target in conds:
                            r = cb(ed) if send else cb(*args, **kwargs)
                            if r is not True and r is not False and _isawaitable(r):
                                r = yield r
                            if not r == target:  # noqa: SIM201 - transitions compares with ==
                                ok = False
                                break
                        if ok:
                            self._result = True
                            return
                    except BaseException as err:
                        ed.error = err
                        if not self._on_exception:
                            raise
                        for cb in self._on_exception:
                            r = cb(ed) if send else cb(*args, **kwargs)
                            if r is not None and _isawaitable(r):
                                yield r
        self._result = False

    # --- timeouts and scan handlers -------------------------------------------------------------
    def poll_timeouts(self, now_ns: int | None = None) -> int | Awaitable[int]:
        """Fire ``on_timeout`` of states whose timeout elapsed at ``now_ns`` (default: the clock).

        Each timeout fires once per entry; due ones fire by deadline, outer states first on ties.
        Returns how many fired (an awaitable of that when the machine has async callbacks).
        """
        if not self._deadlines:
            return 0
        now = self.clock.monotonic_ns() if now_ns is None else now_ns
        due = sorted((d, len(self._states[s].path), s) for s, d in self._deadlines.items() if d <= now)
        if not due:
            return 0
        if self._async or self._busy:
            return self._poll_async(due) if self._async else self._poll_queued(due)
        fired = 0
        for deadline, _, s in due:
            if self._deadlines.get(s) == deadline:
                del self._deadlines[s]
                fired += 1
                self._process_sync(self._run_timeout(s))
        return fired

    async def apoll_timeouts(self, now_ns: int | None = None) -> int:
        """Async form of :meth:`poll_timeouts`."""
        res = self.poll_timeouts(now_ns)
        return (await res) if not isinstance(res, int) else res

    def _poll_queued(self, due: list[tuple[int, int, int]]) -> int:
        for deadline, _, s in due:
            if self._deadlines.get(s) == deadline:
                del self._deadlines[s]
                self._enqueue((1, s))
        return len(due)

    async def _poll_async(self, due: list[tuple[int, int, int]]) -> int:
        fired = 0
        for deadline, _, s in due:
            if self._deadlines.get(s) == deadline:
                del self._deadlines[s]
                fired += 1
                if self._busy:
                    self._enqueue((1, s))
                else:
                    await self._process_async(self._run_timeout(s))
        return fired

    def _run_timeout(self, s: int) -> _Step:
        ed = EventData(self, f"timeout{SEP}{self._states[s].name}", (), {}, None)
        ed.state = self._states[s]
        self._n_timeouts += 1
        try:
            for cb in self._tmo[s]:
                r = cb(ed) if self._send else cb()
                if r is not None and _isawaitable(r):
                    yield r
        except BaseException as err:
            ed.error = err
            if not self._on_exception:
                raise
            for cb in self._on_exception:
                r = cb(ed) if self._send else cb()
                if r is not None and _isawaitable(r):
                    yield r
        self._result = True

    def run_scan_handlers(self) -> int | Awaitable[int]:
        """Call ``on_scan`` handlers (no arguments) of all active states, outermost first.

        The pass is one run-to-completion step: triggers raised by handlers are queued and run
        after all handlers. Returns the number of handlers called (awaitable if async).
        """
        self._check_started()
        if self._busy:
            self._enqueue((2,))
            return 0
        if self._async:
            return self._process_async(self._run_scan())
        return int(self._process_sync(self._run_scan()))

    def _run_scan(self) -> _Step:
        n = 0
        for s in self.compiled.config(self._cfg).active:
            for cb in self._scan[s]:
                n += 1
                r = cb()
                if r is not None and _isawaitable(r):
                    yield r
        self._result = n


class _PropertyCallback:
    """A callback named after a property or plain attribute: returns its current value."""

    __slots__ = ("model", "name")

    def __init__(self, model: Any, name: str) -> None:
        self.model = model
        self.name = name

    def __call__(self, *_args: Any, **_kwargs: Any) -> Any:
        value = getattr(self.model, self.name)
        return value(*_args, **_kwargs) if callable(value) else value
