"""Compile a validated declaration into dispatch tables shared by every instance of an app class.

A *configuration* is the set of active states (one leaf per region), interned as a small int.
For each configuration the compiler knows, by table lookup only:

* per trigger, the candidate ``(state, transitions)`` groups in ``transitions``' priority order
  (deepest state first, then ancestors; breadth-first over parallel regions);
* per destination, the exit list (deepest first), the entry list (outermost first, then the
  initial chain) and the resulting configuration.

Non-parallel machines are compiled eagerly (one configuration per leaf). Parallel machines can
have many configurations, so theirs are computed on first use and memoised; the tables are only
ever added to, never changed, so sharing them between instances and threads is safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from doover_fsm.machine import spec as _spec
from doover_fsm.machine.spec import MachineSpec, StateDef, TransitionDef

Tree = dict[int, "Tree"]


@dataclass(frozen=True, slots=True)
class Group:
    """Transitions to try from one active state, plus the names marked done on success."""

    state: int
    done: tuple[int, ...]
    transitions: tuple[TransitionDef, ...]


@dataclass(frozen=True, slots=True)
class Path:
    """Precomputed effect of entering ``dest`` from one configuration."""

    exits: tuple[int, ...]
    enters: tuple[int, ...]
    config: int
    leaf: int


@dataclass(frozen=True, slots=True)
class Config:
    """One set of active states. ``value`` is what transitions stores in ``model.state``."""

    id: int
    leaves: tuple[int, ...]
    active: tuple[int, ...]
    active_set: frozenset[int]
    order: tuple[int, ...]
    value: Any


def resolve_order(tree: Tree) -> list[int]:
    """States of ``tree`` in the order transitions visits them (children before parents, BFS)."""
    res: list[int] = []
    queue: list[Tree] = []
    cur = tree
    while True:
        for k in reversed(list(cur)):
            res.append(k)
            if cur[k]:
                queue.append(cur[k])
        if not queue:
            break
        cur = queue.pop(0)
    res.reverse()
    return res


def _copy(tree: Tree) -> Tree:
    return {k: _copy(v) for k, v in tree.items()}


class CompiledMachine:
    """Immutable (append-only memo) dispatch tables for one declaration. Thread-safe to share."""

    def __init__(self, spec: MachineSpec, machine_callbacks: dict[str, tuple[Any, ...]] | None = None) -> None:
        self.spec = spec
        self.name = spec.name
        self.states: tuple[StateDef, ...] = spec.states
        self.index: dict[str, int] = {s.name: s.index for s in spec.states}
        self.state_names: tuple[str, ...] = tuple(s.name for s in spec.states)
        by: dict[str, dict[int, list[TransitionDef]]] = {}
        for t in spec.transitions:
            by.setdefault(t.trigger, {}).setdefault(t.src, []).append(t)
        self._by_trigger = {trig: {s: tuple(ts) for s, ts in srcs.items()} for trig, srcs in by.items()}
        self.triggers: frozenset[str] = frozenset(self._by_trigger)
        self.parallel = any(s.parallel for s in spec.states)
        self.has_timeouts = any(s.timeout_ns for s in spec.states)
        self.machine_callbacks = machine_callbacks or {}
        self._configs: list[Config] = []
        self._config_ids: dict[tuple[int, ...], int] = {}
        self._trees: list[Tree] = []
        self._dispatch: list[dict[str, tuple[Group, ...]]] = []
        self._paths: list[dict[int, Path]] = []
        self.start_path = self._resolve({}, spec.initial)
        if not self.parallel:
            for s in spec.states:
                if not s.initial:
                    self._intern(self._tree_of(list(s.path)))
            for cfg in range(len(self._configs)):
                self.dispatch_table(cfg)
                for t in spec.transitions:
                    if t.dst is not None and t.src in self._configs[cfg].active_set:
                        self.path(cfg, t.dst)

    # --- public queries --------------------------------------------------------------------
    def has_trigger(self, name: str) -> bool:
        """True if any transition uses ``name`` as its trigger."""
        return name in self._by_trigger

    def config(self, cfg: int) -> Config:
        return self._configs[cfg]

    def dispatch_table(self, cfg: int) -> dict[str, tuple[Group, ...]]:
        """trigger → candidate groups for configuration ``cfg`` (computed once)."""
        try:
            return self._dispatch[cfg]
        except IndexError:
            pass
        while len(self._dispatch) < cfg:
            self.dispatch_table(len(self._dispatch))
        order = self._configs[cfg].order
        table: dict[str, tuple[Group, ...]] = {}
        for trig, srcs in self._by_trigger.items():
            groups = tuple(
                Group(s, self.states[s].path, srcs[s]) for s in order if s in srcs
            )
            if groups:
                table[trig] = groups
        self._dispatch.append(table)
        self._paths.append({})
        return table

    def path(self, cfg: int, dest: int) -> Path:
        """Exit/entry lists and resulting configuration for entering ``dest`` from ``cfg``."""
        self.dispatch_table(cfg)
        paths = self._paths[cfg]
        p = paths.get(dest)
        if p is None:
            p = paths[dest] = self._resolve(self._trees[cfg], dest)
        return p

    def may_sequence(self, cfg: int) -> tuple[tuple[int, ...], ...]:
        """Per active state (in dispatch order), that state then its ancestors (for ``may_<trigger>``)."""
        order = self._configs[cfg].order
        return tuple(tuple(reversed(self.states[s].path)) for s in order)

    # --- configurations --------------------------------------------------------------------
    def _tree_of(self, path: list[int]) -> Tree:
        tree: Tree = {}
        cur = tree
        for s in path:
            cur = cur.setdefault(s, {})
        return tree

    def _intern(self, tree: Tree) -> int:
        leaves: list[int] = []
        active: list[int] = []

        def walk(t: Tree) -> None:
            for k, v in t.items():
                active.append(k)
                if v:
                    walk(v)
                else:
                    leaves.append(k)

        walk(tree)
        key = tuple(leaves)
        cid = self._config_ids.get(key)
        if cid is not None:
            return cid
        cid = len(self._configs)
        self._config_ids[key] = cid
        self._trees.append(_copy(tree))
        self._configs.append(
            Config(cid, key, tuple(active), frozenset(active), tuple(resolve_order(tree)), self._value(tree))
        )
        return cid

    def _value(self, tree: Tree) -> Any:
        # transitions' _build_state_list: a string, or (nested) lists for parallel states.
        def build(t: Tree) -> Any:
            res = []
            for k, v in t.items():
                res.append(build(v) if v else self.states[k].name)
            return res if len(res) > 1 else res[0]

        val = build(tree)
        return _freeze(val)

    def _enter_initial(self, state: int, sub: Tree, enters: list[int]) -> None:
        # Breadth-first over the initial chain, as transitions' NestedTransition._enter_nested.
        queue: list[tuple[Tree, tuple[int, ...]]] = []
        level = self.states[state].initial
        cur = sub
        while True:
            for s in level:
                enters.append(s)
                cur[s] = {}
                if self.states[s].initial:
                    queue.append((cur[s], self.states[s].initial))
            if not queue:
                break
            cur, level = queue.pop(0)

    def _resolve(self, tree: Tree, dest: int) -> Path:
        """Mirror of transitions 0.9.3 ``NestedTransition._resolve_transition`` on index trees."""
        tree = _copy(tree)
        dst = list(self.states[dest].path)
        root: list[int] = []
        tmp = tree.get(dst[0])
        while tmp is not None:
            root.append(dst.pop(0))
            tmp = tmp.get(dst[0]) if dst else None
        if not dst:
            dst = [root.pop()]
        scoped = tree
        for k in root:
            scoped = scoped[k]
        # In a parallel state only the targeted region is left (transitions narrows the scope).
        exit_scope = {dst[0]: scoped.get(dst[0], {})} if len(scoped) > 1 else scoped
        exits = tuple(resolve_order(exit_scope))
        enters: list[int] = []
        new: Tree = {}
        cur = new
        for s in dst:
            enters.append(s)
            cur[s] = {}
            cur = cur[s]
        self._enter_initial(dst[-1], cur, enters)
        if exit_scope is scoped:
            scoped.clear()
        k0 = dst[0]
        scoped[k0] = new[k0]
        cfg = self._intern(tree)
        return Path(exits, tuple(enters), cfg, self._configs[cfg].leaves[0])


def _freeze(val: Any) -> Any:
    return tuple(_freeze(v) for v in val) if isinstance(val, list) else val


def thaw(val: Any) -> Any:
    """Frozen state value → the str / nested list transitions reports."""
    return [thaw(v) for v in val] if isinstance(val, tuple) else val


def compile_machine(
    states: Sequence[Any],
    transitions: Iterable[Any],
    initial: str | None,
    *,
    model_class: type | None = None,
    name: str = "",
    auto_transitions: bool = False,
    before_state_change: Any = None,
    after_state_change: Any = None,
    prepare_event: Any = None,
    finalize_event: Any = None,
    on_exception: Any = None,
) -> CompiledMachine:
    """Validate a declaration in transitions' dict format and compile it to dispatch tables.

    ``model_class`` (optional) lets the compiler check that every callback named by string is
    a member of the class. Machine-level callbacks given here become defaults for runtimes.
    ``initial=None`` means the first declared state.
    """
    if initial is None and states:
        first = next(iter(states))
        initial = first if isinstance(first, str) else first.get("name") if isinstance(first, dict) else None
    sp = _spec.parse(states, transitions, initial, name=name,  # type: ignore[arg-type]
                     auto_transitions=auto_transitions)
    mcbs = {
        k: tuple(_spec.listify(v))
        for k, v in (("before_state_change", before_state_change), ("after_state_change", after_state_change),
                     ("prepare_event", prepare_event), ("finalize_event", finalize_event),
                     ("on_exception", on_exception))
        if v is not None
    }
    if model_class is not None:
        _spec.check_callbacks(sp, model_class, [cb for cbs in mcbs.values() for cb in cbs])
    return CompiledMachine(sp, mcbs)

