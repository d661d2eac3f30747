"""Declaration parsing: ``transitions``' dict format → validated, index-based state/transition defs.

Everything a declaration can get wrong is caught here, once, at compile time, and raised as
:class:`~doover_fsm.errors.MachineDefinitionError` naming the state or transition. The result is
plain immutable data that :mod:`doover_fsm.machine.compiler` turns into dispatch tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from doover_fsm.errors import MachineDefinitionError

SEP = "_"
"""Separator between parent and child names (transitions' default ``NestedState.separator``)."""

Callback = str | Callable[..., Any]
"""A model method name, or any callable."""

_STATE_KEYS = frozenset(
    {
        "name", "children", "states", "initial", "parallel", "on_enter", "on_exit", "timeout",
        "on_timeout", "on_scan", "shutdown_safe", "ignore_invalid_triggers",
    }
)
_TRANSITION_KEYS = ("trigger", "source", "dest", "conditions", "unless", "before", "after", "prepare")


@dataclass(frozen=True, slots=True)
class StateDef:
    """One state of a compiled machine. ``parent`` is -1 for top-level states."""

    index: int
    name: str
    local: str
    parent: int
    path: tuple[int, ...]
    children: tuple[int, ...]
    initial: tuple[int, ...]
    parallel: bool
    on_enter: tuple[Callback, ...]
    on_exit: tuple[Callback, ...]
    on_timeout: tuple[Callback, ...]
    on_scan: tuple[Callback, ...]
    timeout_ns: int
    shutdown_safe: bool
    ignore_invalid_triggers: bool | None

    @property
    def depth(self) -> int:
        return len(self.path) - 1


@dataclass(frozen=True, slots=True)
class TransitionDef:
    """One (trigger, source) transition; a source list or wildcard is expanded to several."""

    index: int
    trigger: str
    src: int
    dst: int | None
    source: str
    dest: str | None
    conditions: tuple[tuple[Callback, bool], ...]
    prepare: tuple[Callback, ...]
    before: tuple[Callback, ...]
    after: tuple[Callback, ...]
    label: str

    @property
    def internal(self) -> bool:
        return self.dst is None


@dataclass(frozen=True, slots=True)
class MachineSpec:
    """Validated declaration: states in declaration (pre-)order, transitions in priority order."""

    name: str
    states: tuple[StateDef, ...]
    top: tuple[int, ...]
    initial: int
    transitions: tuple[TransitionDef, ...]


def listify(value: Any) -> list[Any]:
    """None → [], scalar → [scalar], list/tuple → list (like transitions' ``listify``)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _callbacks(value: Any, where: str, key: str) -> tuple[Callback, ...]:
    out = []
    for cb in listify(value):
        if not (isinstance(cb, str) or callable(cb)):
            raise MachineDefinitionError(f"{where}: {key} entries must be method names or callables, got {cb!r}")
        out.append(cb)
    return tuple(out)


class _Builder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict[str, Any]] = []
        self.by_name: dict[str, int] = {}

    def add_states(self, states: Any, parent: int, where: str) -> list[int]:
        if not isinstance(states, list | tuple):
            raise MachineDefinitionError(f"{where}: states must be a list, got {type(states).__name__}")
        out: list[int] = []
        seen: set[str] = set()
        for raw in states:
            idx = self.add_state(raw, parent, where)
            local = self.rows[idx]["local"]
            if local in seen:
                raise MachineDefinitionError(f"{where}: duplicate state name {local!r}")
            seen.add(local)
            out.append(idx)
        return out

    def add_state(self, raw: Any, parent: int, where: str) -> int:
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, Mapping):
            raise MachineDefinitionError(f"{where}: a state must be a name or a dict, got {raw!r}")
        local = raw.get("name")
        if not isinstance(local, str) or not local:
            raise MachineDefinitionError(f"{where}: state without a valid 'name': {dict(raw)!r}")
        full = local if parent < 0 else f"{self.rows[parent]['name']}{SEP}{local}"
        here = f"state {full!r}"
        unknown = set(raw) - _STATE_KEYS
        if "transitions" in unknown:
            raise MachineDefinitionError(
                f"{here}: nested 'transitions' are not supported; declare them at the top level with full names"
            )
        if unknown:
            raise MachineDefinitionError(f"{here}: unknown key(s) {sorted(unknown)}")
        if full in self.by_name:
            raise MachineDefinitionError(f"{here}: duplicate state name (full name already declared)")
        timeout = raw.get("timeout", 0) or 0
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not math.isfinite(timeout) \
                or timeout < 0:
            raise MachineDefinitionError(f"{here}: timeout must be a number of seconds > 0, got {timeout!r}")
        on_timeout = _callbacks(raw.get("on_timeout"), here, "on_timeout")
        if timeout and not on_timeout:
            raise MachineDefinitionError(f"{here}: timeout={timeout!r} needs 'on_timeout'")
        if on_timeout and not timeout:
            raise MachineDefinitionError(f"{here}: 'on_timeout' given without a timeout > 0")
        ign = raw.get("ignore_invalid_triggers")
        idx = len(self.rows)
        self.by_name[full] = idx
        row: dict[str, Any] = {
            "index": idx, "name": full, "local": local, "parent": parent,
            "on_enter": _callbacks(raw.get("on_enter"), here, "on_enter"),
            "on_exit": _callbacks(raw.get("on_exit"), here, "on_exit"),
            "on_timeout": on_timeout,
            "on_scan": _callbacks(raw.get("on_scan"), here, "on_scan"),
            "timeout_ns": round(timeout * 1_000_000_000),
            "shutdown_safe": bool(raw.get("shutdown_safe", False)),
            "ignore_invalid_triggers": None if ign is None else bool(ign),
        }
        self.rows.append(row)
        parallel = raw.get("parallel")
        children_raw = raw.get("children", raw.get("states"))
        if parallel and children_raw:
            raise MachineDefinitionError(f"{here}: give either 'parallel' or 'children', not both")
        kids = self.add_states(list(parallel or children_raw or []), idx, here)
        row["children"] = tuple(kids)
        row["parallel"] = bool(parallel)
        if parallel:
            if "initial" in raw:
                raise MachineDefinitionError(f"{here}: a parallel state enters all its regions; drop 'initial'")
            row["initial"] = tuple(kids)
        else:
            names = []
            for init in listify(raw.get("initial")):
                if not isinstance(init, str):
                    raise MachineDefinitionError(f"{here}: initial must be a child name, got {init!r}")
                names.append(init)
            if names and not kids:
                raise MachineDefinitionError(f"{here}: initial {names!r} given but the state has no children")
            local_idx = {self.rows[k]["local"]: k for k in kids}
            init_idx = []
            for n in names:
                if n not in local_idx:
                    raise MachineDefinitionError(
                        f"{here}: initial {n!r} is not a child (children: {sorted(local_idx)})"
                    )
                init_idx.append(local_idx[n])
            row["initial"] = tuple(init_idx)
            row["parallel"] = len(init_idx) > 1
        return idx


def _transition_dicts(transitions: Iterable[Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for pos, raw in enumerate(transitions):
        if isinstance(raw, list | tuple):
            if not 3 <= len(raw) <= len(_TRANSITION_KEYS):
                raise MachineDefinitionError(
                    f"transition #{pos} {list(raw)!r}: a list transition is [trigger, source, dest, ...]"
                )
            raw = dict(zip(_TRANSITION_KEYS, raw, strict=False))
        if not isinstance(raw, Mapping):
            raise MachineDefinitionError(f"transition #{pos}: must be a dict or a list, got {raw!r}")
        label = f"transition #{pos} ({raw.get('trigger')!r}: {raw.get('source')!r} -> {raw.get('dest')!r})"
        unknown = set(raw) - set(_TRANSITION_KEYS)
        if unknown:
            raise MachineDefinitionError(f"{label}: unknown key(s) {sorted(unknown)}")
        for key in ("trigger", "source"):
            if key not in raw:
                raise MachineDefinitionError(f"{label}: missing {key!r}")
        if "dest" not in raw:
            raise MachineDefinitionError(f"{label}: missing 'dest' (use None for an internal transition)")
        out.append((label, dict(raw)))
    return out


def parse(
    states: Sequence[Any],
    transitions: Iterable[Any],
    initial: str,
    *,
    name: str = "",
    auto_transitions: bool = False,
) -> MachineSpec:
    """Parse and validate a declaration (no model needed; see ``check_callbacks`` for names)."""
    b = _Builder(name)
    top = b.add_states(list(states) if isinstance(states, list | tuple) else states, -1, "machine")
    if not top:
        raise MachineDefinitionError("machine: no states declared")
    if not isinstance(initial, str):
        raise MachineDefinitionError(
            f"machine: initial must be one state name, got {initial!r} (put parallel regions in a "
            "state with 'parallel')"
        )
    if initial not in b.by_name:
        raise MachineDefinitionError(f"machine: initial state {initial!r} is not a declared state")
    init_idx = b.by_name[initial]
    # transitions re-points each ancestor's initial along a nested initial path ("A_B" makes B A's initial).
    child = init_idx
    while b.rows[child]["parent"] >= 0:
        parent = b.rows[child]["parent"]
        if not b.rows[parent]["parallel"]:
            b.rows[parent]["initial"] = (child,)
        child = parent
    defs = []
    for row in b.rows:
        path = [row["index"]]
        while b.rows[path[0]]["parent"] >= 0:
            path.insert(0, b.rows[path[0]]["parent"])
        defs.append(StateDef(path=tuple(path), **row))
    all_names = [d.name for d in defs]
    tdefs: list[TransitionDef] = []
    if auto_transitions:
        for d in defs:
            for src in top:
                tdefs.append(TransitionDef(len(tdefs), f"to_{d.name}", src, d.index, defs[src].name, d.name,
                                           (), (), (), (), f"auto transition to_{d.name}"))
    for label, raw in _transition_dicts(transitions):
        trigger = raw["trigger"]
        if not isinstance(trigger, str) or not trigger.isidentifier():
            raise MachineDefinitionError(f"{label}: trigger must be an identifier string")
        if trigger == "state":
            raise MachineDefinitionError(f"{label}: trigger name cannot be 'state'")
        source, dest = raw["source"], raw["dest"]
        # transitions: "*" means the top-level states, except with "=" (then every state).
        wildcard = all_names if dest == "=" else [defs[i].name for i in top]
        sources = wildcard if source == "*" else listify(source)
        if not sources:
            raise MachineDefinitionError(f"{label}: empty source list")
        conds = tuple((c, True) for c in _callbacks(raw.get("conditions"), label, "conditions")) + tuple(
            (c, False) for c in _callbacks(raw.get("unless"), label, "unless")
        )
        prepare = _callbacks(raw.get("prepare"), label, "prepare")
        before = _callbacks(raw.get("before"), label, "before")
        after = _callbacks(raw.get("after"), label, "after")
        for src_name in sources:
            if src_name not in b.by_name:
                raise MachineDefinitionError(f"{label}: unknown source state {src_name!r}")
            if dest is None:
                d_idx = None
            elif dest == "=":
                d_idx = b.by_name[src_name]
            elif isinstance(dest, str) and dest in b.by_name:
                d_idx = b.by_name[dest]
            else:
                raise MachineDefinitionError(f"{label}: unknown destination state {dest!r}")
            tdefs.append(TransitionDef(len(tdefs), trigger, b.by_name[src_name], d_idx, src_name,
                                       None if d_idx is None else defs[d_idx].name,
                                       conds, prepare, before, after, label))
    return MachineSpec(name, tuple(defs), tuple(top), init_idx, tuple(tdefs))


def _missing(model_class: type, cb: Callback) -> bool:
    return isinstance(cb, str) and "." not in cb and not hasattr(model_class, cb)


def check_callbacks(spec: MachineSpec, model_class: type, machine_callbacks: Iterable[Callback] = ()) -> None:
    """Raise if a callback named by string does not exist on ``model_class``.

    Dotted names (``"pkg.mod.func"``) are import paths, as in transitions, and are not checked.
    """
    for d in spec.states:
        for key in ("on_enter", "on_exit", "on_timeout", "on_scan"):
            for cb in getattr(d, key):
                if _missing(model_class, cb):
                    raise MachineDefinitionError(
                        f"state {d.name!r}: {key} callback {cb!r} is not a method of {model_class.__name__}"
                    )
    for t in spec.transitions:
        for key, cbs in (("prepare", t.prepare), ("conditions", [c for c, _ in t.conditions]),
                         ("before", t.before), ("after", t.after)):
            for cb in cbs:
                if _missing(model_class, cb):
                    raise MachineDefinitionError(
                        f"{t.label}: {key} callback {cb!r} is not a method of {model_class.__name__}"
                    )
    for cb in machine_callbacks:
        if _missing(model_class, cb):
            raise MachineDefinitionError(
                f"machine: callback {cb!r} is not a method of {model_class.__name__}"
            )
