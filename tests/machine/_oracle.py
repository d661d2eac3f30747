"""Helpers shared by the differential tests: random declarations and recording models."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

TRIGGERS = ("t0", "t1", "t2", "t3")
CONDS = ("c0", "c1", "c2")


class Recorder:
    """A model whose every ``rec_*`` / condition attribute records its call in ``log``."""

    def __init__(self, log: list[str]) -> None:
        self.__dict__["log"] = log
        self.__dict__["flags"] = {}
        self.__dict__["fire"] = None
        self.__dict__["budget"] = 0

    def __getattr__(self, name: str) -> Any:
        if name.startswith("rec "):
            def cb(*_a: Any, **_k: Any) -> None:
                self.log.append(name[4:])
            return cb
        if name.startswith("cond "):
            def cond(*_a: Any, **_k: Any) -> bool:
                self.log.append(name)
                return bool(self.flags.get(name[5:], False))
            return cond
        if name.startswith("then "):
            def then(*_a: Any, **_k: Any) -> None:
                self.log.append(name)
                if self.budget > 0:
                    self.__dict__["budget"] -= 1
                    self.fire(name[5:])
            return then
        raise AttributeError(name)


@st.composite
def nested_states(draw: Any, parallel: bool = False) -> list[Any]:
    """2-3 top-level states, nesting to depth 3 (top → child → grandchild), enter/exit recorders."""
    counter = [0]

    def node(depth: int, par_ok: bool) -> dict[str, Any]:
        counter[0] += 1
        name = f"S{counter[0]}"
        st_: dict[str, Any] = {"name": name, "on_enter": f"rec enter {name}", "on_exit": f"rec exit {name}"}
        if depth < 3 and (depth < 2 or draw(st.booleans())):
            n = draw(st.integers(2, 3))
            kids = [node(depth + 1, par_ok and depth == 0) for _ in range(n)]
            if par_ok and depth == 1 and draw(st.booleans()):
                st_["parallel"] = kids
            else:
                st_["children"] = kids
                st_["initial"] = kids[draw(st.integers(0, n - 1))]["name"]
        return st_

    tops = [node(0, parallel) for _ in range(draw(st.integers(2, 3)))]
    if parallel:
        tops.append({"name": "P", "on_enter": "rec enter P", "on_exit": "rec exit P", "parallel": [
            node(1, False), node(1, False)]})
    return tops


def all_names(states: list[Any], prefix: str = "") -> list[str]:
    out = []
    for s in states:
        full = prefix + s["name"]
        out.append(full)
        out += all_names(s.get("children") or s.get("parallel") or [], full + "_")
    return out


@st.composite
def transitions_for(draw: Any, states: list[Any], nested_triggers: bool = False) -> list[Any]:
    names = all_names(states)
    out = []
    for i in range(draw(st.integers(3, 12))):
        src = draw(st.one_of(st.sampled_from(names), st.just("*"),
                             st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)))
        dest = draw(st.one_of(st.sampled_from(names), st.none(), st.just("=")))
        t: dict[str, Any] = {"trigger": draw(st.sampled_from(TRIGGERS)), "source": src, "dest": dest}
        conds = draw(st.lists(st.sampled_from(CONDS), max_size=2))
        if conds:
            t["conditions"] = [f"cond {c}" for c in conds]
        unless = draw(st.lists(st.sampled_from(CONDS), max_size=1))
        if unless:
            t["unless"] = [f"cond {c}" for c in unless]
        t["prepare"] = f"rec prepare {i}"
        t["before"] = f"rec before {i}"
        after = [f"rec after {i}"]
        if nested_triggers and draw(st.booleans()):
            after.append(f"then {draw(st.sampled_from(TRIGGERS))}")
        t["after"] = after
        out.append(t)
    return out


steps = st.lists(
    st.tuples(st.sampled_from(TRIGGERS), st.fixed_dictionaries({c: st.booleans() for c in CONDS})),
    min_size=1, max_size=15,
)

MACHINE_CBS = {
    "prepare_event": "rec m_prepare",
    "before_state_change": "rec m_before",
    "after_state_change": "rec m_after",
    "finalize_event": "rec m_finalize",
}
