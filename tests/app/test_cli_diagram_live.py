"""``doover-fsm diagram --live`` marks the state a running app published in the local store."""

from __future__ import annotations

from pathlib import Path

import pytest

from doover_fsm.agent.store import open_store
from doover_fsm.cli.main import main


def test_diagram_live_marks_the_published_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(tmp_path) as store:
        store.update_aggregate("tag_values", {"pump": {"fsm_state": "fault"}})
    rc = main(["diagram", "examples.pump_station:PumpStation", "--live", "--data-dir", str(tmp_path),
               "--app-key", "pump"])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("stateDiagram-v2")
    assert "class s_fault active" in out and "class s_auto active" not in out
