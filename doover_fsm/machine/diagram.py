"""Mermaid ``stateDiagram-v2`` of a compiled machine, with the active states highlighted."""

from __future__ import annotations

import re
from collections.abc import Iterable

from doover_fsm.machine.compiler import CompiledMachine

_ID = re.compile(r"[^0-9A-Za-z_]")


def _sid(name: str) -> str:
    return "s_" + _ID.sub("_", name)


def to_mermaid(compiled: CompiledMachine, active: Iterable[str] = ()) -> str:
    """Render ``compiled`` as Mermaid text; states named in ``active`` (and their ancestors) get
    the ``active`` class. Parallel regions are separated by ``--``.
    """
    states = compiled.states
    marked: set[int] = set()
    for name in active:
        idx = compiled.index.get(name)
        if idx is not None:
            marked.update(states[idx].path)
    lines = ["stateDiagram-v2"]

    def emit(idx: int, indent: str) -> None:
        st = states[idx]
        sid = _sid(st.name)
        label = st.local + (f" ({st.timeout_ns / 1e9:g}s timeout)" if st.timeout_ns else "")
        lines.append(f'{indent}state "{label}" as {sid}')
        if st.children:
            lines.append(f"{indent}state {sid} {{")
            for i, child in enumerate(st.children):
                if st.parallel and i:
                    lines.append(f"{indent}    --")
                if child in st.initial:
                    lines.append(f"{indent}    [*] --> {_sid(states[child].name)}")
                emit(child, indent + "    ")
            lines.append(f"{indent}}}")

    for top in compiled.spec.top:
        emit(top, "    ")
    lines.append(f"    [*] --> {_sid(states[compiled.spec.initial].name)}")
    seen: set[tuple[int, int | None, str]] = set()
    for t in compiled.spec.transitions:
        if t.trigger.startswith("to_") and t.label.startswith("auto"):
            continue
        key = (t.src, t.dst, t.trigger)
        if key in seen:
            continue
        seen.add(key)
        dst = t.src if t.dst is None else t.dst
        extra = " (internal)" if t.dst is None else ""
        guard = ""
        if t.conditions:
            guard = " [" + ", ".join(
                ("" if target else "not ") + (c if isinstance(c, str) else getattr(c, "__name__", "cond"))
                for c, target in t.conditions
            ) + "]"
        lines.append(f"    {_sid(states[t.src].name)} --> {_sid(states[dst].name)}: {t.trigger}{guard}{extra}")
    lines.append("    classDef active fill:#f96,stroke:#333,stroke-width:2px")
    for idx in sorted(marked):
        lines.append(f"    class {_sid(states[idx].name)} active")
    return "\n".join(lines) + "\n"
