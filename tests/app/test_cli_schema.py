"""``doover-fsm schema``: config JSON Schema, tags and UI of an app class."""

from __future__ import annotations

import json

import pytest

from doover_fsm.cli.main import main


def test_schema_config_tags_ui(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "examples.pump_station:PumpStation"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object" and schema["properties"]["start_level"]["maximum"] == 100
    assert main(["schema", "examples.pump_station:PumpStation", "--tags"]) == 0
    assert json.loads(capsys.readouterr().out)["level"]["type"] == "number"
    assert main(["schema", "examples.pump_station:PumpStation", "--ui"]) == 0
    assert "reset" in json.loads(capsys.readouterr().out)["children"]
    assert main(["schema", "examples.nope:Missing"]) == 1
    assert "cannot import" in capsys.readouterr().err
