"""Flat declarations in transitions' ``Machine`` format, compiled to per-state dispatch tables.

This is what ``pydoover.state.StateMachine`` (transitions' ``AsyncMachine`` + ``AsyncTimeout``)
accepts: states as names or dicts (``name``, ``on_enter``, ``on_exit``, ``timeout``,
``on_timeout``, ``ignore_invalid_triggers``, ``final``), transitions as dicts or lists
``[trigger, source, dest, conditions, unless, before, after, prepare]``. The tables are built
once per machine: ``table[state][trigger]`` is the tuple of transitions to try, in order.

Mistakes transitions would only report when a transition runs (an unknown destination) or as a
bare ``TypeError`` (an unknown key) are raised here as ``MachineDefinitionError`` naming the
state or transition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from doover_fsm.errors import MachineDefinitionError
from doover_fsm.machine.spec import listify

Callback = str | Callable[..., Any]
"""A model attribute name, a dotted import path, or a callable (resolved when called)."""

_STATE_KEYS = frozenset({"name", "on_enter", "on_exit", "timeout", "on_timeout", "ignore_invalid_triggers",
                         "final"})
_TRANSITION_KEYS = ("trigger", "source", "dest", "conditions", "unless", "before", "after", "prepare")
WILDCARD_ALL = "*"
WILDCARD_SAME = "="


@dataclass(eq=False, slots=True)
class TimedState:
    """One state. The callback lists are mutable, as transitions' ``State`` (conventions append)."""

    name: str
    on_enter: list[Callback] = field(default_factory=list)
    on_exit: list[Callback] = field(default_factory=list)
    on_timeout: list[Callback] = field(default_factory=list)
    timeout: float = 0
    ignore_invalid_triggers: bool | None = None
    final: bool = False

    @property
    def value(self) -> str:
        """What goes in ``model.state`` (the name, for string states)."""
        return self.name

    def __repr__(self) -> str:
        return f"<TimedState({self.name!r})>"


@dataclass(frozen=True, slots=True)
class FlatTransition:
    """One (trigger, source) transition; ``dest`` None is an internal transition."""

    trigger: str
    source: str
    dest: str | None
    conditions: tuple[tuple[Callback, bool], ...]
    prepare: tuple[Callback, ...]
    before: tuple[Callback, ...]
    after: tuple[Callback, ...]

    def __repr__(self) -> str:
        return f"<FlatTransition({self.trigger!r}: {self.source!r} -> {self.dest!r})>"


@dataclass(frozen=True, slots=True)
class FlatMachine:
    """A compiled flat declaration: states in order, triggers in creation order, dispatch tables."""

    states: dict[str, TimedState]
    triggers: tuple[str, ...]
    sources: dict[str, frozenset[str]]
    table: dict[str, dict[str, tuple[FlatTransition, ...]]]
    initial: str | None


def _callbacks(value: Any, where: str, key: str) -> list[Callback]:
    out: list[Callback] = []
    for cb in listify(value):
        if not (isinstance(cb, str) or callable(cb)):
            raise MachineDefinitionError(f"{where}: {key} entries must be names or callables, got {cb!r}")
        out.append(cb)
    return out


def _state(raw: Any, ignore: bool | None) -> TimedState:
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, Mapping):
        raise MachineDefinitionError(f"machine: a state must be a name or a dict, got {raw!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise MachineDefinitionError(f"machine: state without a valid 'name': {dict(raw)!r}")
    here = f"state {name!r}"
    unknown = set(raw) - _STATE_KEYS
    if unknown:
        raise MachineDefinitionError(f"{here}: unknown key(s) {sorted(unknown)} (pydoover's StateMachine is flat: "
                                     f"no 'children'/'parallel')")
    timeout = raw.get("timeout", 0) or 0
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout) \
            or timeout < 0:
        raise MachineDefinitionError(f"{here}: timeout must be a number of seconds >= 0, got {timeout!r}")
    on_timeout = _callbacks(raw.get("on_timeout"), here, "on_timeout")
    if timeout > 0 and "on_timeout" not in raw:
        raise MachineDefinitionError(f"{here}: timeout={timeout!r} needs 'on_timeout' (a callback or trigger name)")
    own_ignore = raw.get("ignore_invalid_triggers")
    return TimedState(
        name,
        _callbacks(raw.get("on_enter"), here, "on_enter"),
        _callbacks(raw.get("on_exit"), here, "on_exit"),
        on_timeout,
        timeout,
        ignore if own_ignore is None else bool(own_ignore),
        bool(raw.get("final", False)),
    )


def _transition_dicts(transitions: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for pos, raw in enumerate(listify(transitions)):
        if isinstance(raw, list | tuple):
            if not 3 <= len(raw) <= len(_TRANSITION_KEYS):
                raise MachineDefinitionError(
                    f"transition #{pos} {list(raw)!r}: a list transition is [trigger, source, dest, ...]")
            raw = dict(zip(_TRANSITION_KEYS, raw, strict=False))
        if not isinstance(raw, Mapping):
            raise MachineDefinitionError(f"transition #{pos}: must be a dict or a list, got {raw!r}")
        label = f"transition #{pos} ({raw.get('trigger')!r}: {raw.get('source')!r} -> {raw.get('dest')!r})"
        unknown = set(raw) - set(_TRANSITION_KEYS)
        if unknown:
            raise MachineDefinitionError(f"{label}: unknown key(s) {sorted(unknown)}")
        for key in ("trigger", "source", "dest"):
            if key not in raw:
                raise MachineDefinitionError(f"{label}: missing {key!r}"
                                             + (" (use None for an internal transition)" if key == "dest" else ""))
        out.append((label, dict(raw)))
    return out


class _Builder:
    def __init__(self, model_attribute: str) -> None:
        self.attr = model_attribute
        self.states: dict[str, TimedState] = {}
        self.triggers: dict[str, None] = {}
        self.sources: dict[str, set[str]] = {}
        self.rows: dict[str, dict[str, list[FlatTransition]]] = {}

    def add(self, t: FlatTransition) -> None:
        self.triggers.setdefault(t.trigger, None)
        self.sources.setdefault(t.trigger, set()).add(t.source)
        if t.source in self.states:  # transitions accepts unknown sources; they can never fire
            self.rows[t.source].setdefault(t.trigger, []).append(t)

    def add_state(self, state: TimedState, auto: bool) -> None:
        if state.name in self.states:
            raise MachineDefinitionError(f"state {state.name!r}: declared twice")
        self.states[state.name] = state
        self.rows[state.name] = {}
        if not auto:
            return
        # transitions adds auto transitions state by state: to_<new> from every state so far,
        # and to_<old> from the new state (this order decides the triggers' order).
        for other in self.states:
            name = f"to_{other}" if self.attr == "state" else f"to_{self.attr}_{other}"
            if other == state.name:
                for src in self.states:
                    self.add(FlatTransition(name, src, other, (), (), (), ()))
            else:
                self.add(FlatTransition(name, state.name, other, (), (), (), ()))


def compile_flat(
    states: Any,
    transitions: Any,
    initial: Any,
    *,
    auto_transitions: bool = True,
    ordered_transitions: bool = False,
    ignore_invalid_triggers: bool | None = None,
    model_attribute: str = "state",
) -> FlatMachine:
    """Validate a transitions-style flat declaration and build its dispatch tables.

    As transitions does, an ``initial`` that is not among ``states`` is added as a plain state
    (the default ``"initial"`` included), and sources that name no state are accepted.
    """
    b = _Builder(model_attribute)
    for raw in listify(states):
        b.add_state(_state(raw, ignore_invalid_triggers), auto_transitions)
    if initial is not None:
        if not isinstance(initial, str):
            raise MachineDefinitionError(f"machine: initial must be a state name, got {initial!r}")
        if initial not in b.states:
            b.add_state(TimedState(initial, ignore_invalid_triggers=ignore_invalid_triggers), auto_transitions)
    for label, raw in _transition_dicts(transitions):
        trigger = raw["trigger"]
        if not isinstance(trigger, str) or not trigger:
            raise MachineDefinitionError(f"{label}: trigger must be a non-empty string")
        if trigger == model_attribute:
            raise MachineDefinitionError(f"{label}: trigger name cannot be the model attribute {model_attribute!r}")
        source, dest = raw["source"], raw["dest"]
        sources = list(b.states) if source == WILDCARD_ALL else listify(source)
        conds = tuple((c, True) for c in _callbacks(raw.get("conditions"), label, "conditions")) + tuple(
            (c, False) for c in _callbacks(raw.get("unless"), label, "unless"))
        prepare = tuple(_callbacks(raw.get("prepare"), label, "prepare"))
        before = tuple(_callbacks(raw.get("before"), label, "before"))
        after = tuple(_callbacks(raw.get("after"), label, "after"))
        for src in sources:
            if not isinstance(src, str):
                raise MachineDefinitionError(f"{label}: source must be a state name, a list of them or '*'")
            dst = src if dest == WILDCARD_SAME else dest
            if dst is not None and dst not in b.states and src in b.states:
                raise MachineDefinitionError(f"{label}: unknown destination state {dst!r}")
            b.add(FlatTransition(trigger, src, dst, conds, prepare, before, after))
    if ordered_transitions:
        _ordered(b, initial)
    table = {s: {t: tuple(ts) for t, ts in row.items()} for s, row in b.rows.items()}
    return FlatMachine(b.states, tuple(b.triggers), {t: frozenset(s) for t, s in b.sources.items()}, table,
                       initial)


def _ordered(b: _Builder, initial: str | None) -> None:
    """transitions' ``add_ordered_transitions()`` with its defaults: ``next_state`` loops from the initial state."""
    names = list(b.states)
    if len(names) < 2:
        raise MachineDefinitionError("machine: ordered_transitions needs at least 2 states")
    if initial in names:
        i = names.index(initial)
        names = names[i:] + names[:i]
    for src, dst in zip(names, names[1:] + names[:1], strict=True):
        b.add(FlatTransition("next_state", src, dst, (), (), (), ()))
