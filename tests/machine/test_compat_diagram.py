"""The drop-in StateMachine, Mermaid output and the ``diagram`` CLI command."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from doover_fsm.cli.commands import diagram as cli_diagram
from doover_fsm.clock import VirtualClock
from doover_fsm.machine import StateMachine, compile_machine, to_mermaid

STATES: list[Any] = ["off", {"name": "on", "children": ["low", "high"], "initial": "low",
                             "timeout": 5, "on_timeout": "expired"}]
TRANS: list[Any] = [["flip", "off", "on"], ["flip", "on", "off"], ["up", "on_low", "on_high"]]


class Lamp:
    def __init__(self) -> None:
        self.expired_count = 0

    def expired(self) -> None:
        self.expired_count += 1


def test_compat_binds_model() -> None:
    lamp = Lamp()
    StateMachine(model=lamp, states=STATES, transitions=TRANS, initial="off")
    assert lamp.state == "off" and lamp.is_off()  # type: ignore[attr-defined]
    assert lamp.flip() and lamp.state == "on_low"  # type: ignore[attr-defined]
    assert lamp.may_up() and lamp.up() and lamp.is_on_high()  # type: ignore[attr-defined]
    assert lamp.to_off() and lamp.state == "off"  # type: ignore[attr-defined]
    assert lamp.trigger("flip") and lamp.state == "on_low"  # type: ignore[attr-defined]


def test_compat_timeouts_on_scan_clock() -> None:
    clock = VirtualClock()
    lamp = Lamp()
    m = StateMachine(model=lamp, states=STATES, transitions=TRANS, initial="off", clock=clock, owned_by_scan=True)
    lamp.flip()  # type: ignore[attr-defined]
    clock.advance(5)
    assert m.poll_timeouts() == 1 and lamp.expired_count == 1


async def test_compat_timeouts_on_asyncio_loop() -> None:
    lamp = Lamp()
    StateMachine(model=lamp, states=[{**STATES[1], "timeout": 0.01}, "off"], transitions=TRANS, initial="on")
    await asyncio.sleep(0.05)
    assert lamp.expired_count == 1


def test_mermaid_marks_active_states() -> None:
    c = compile_machine(STATES, TRANS, "off")
    text = to_mermaid(c, ["on_high"])
    assert text.startswith("stateDiagram-v2")
    assert "state s_on {" in text and "[*] --> s_on_low" in text
    assert "s_on_low --> s_on_high: up" in text
    assert "class s_on active" in text and "class s_on_high active" in text and "class s_off active" not in text


class DiagramApp:
    states = STATES
    transitions = TRANS
    initial = "off"


def test_cli_diagram(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    parser = argparse.ArgumentParser()
    cli_diagram.register(parser.add_subparsers())
    tags = tmp_path / "tags.json"
    tags.write_text(json.dumps({"diagram_app": {"fsm_state": "on_low"}}))
    out = tmp_path / "d.mmd"
    monkeypatch.setitem(sys.modules, "fake_app_mod", sys.modules[__name__])
    args = parser.parse_args(["diagram", "fake_app_mod:DiagramApp", "--tags-json", str(tags), "-o", str(out)])
    assert args.func(args) == 0
    assert "class s_on_low active" in out.read_text()
    args = parser.parse_args(["diagram", "fake_app_mod:DiagramApp", "--state", "nope"])
    assert args.func(args) == 2
    assert "unknown state" in capsys.readouterr().err
