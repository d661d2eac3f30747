"""pump_v1's own tests, written in the forms Doover app repos use."""

import json

import pytest
from pump_v1.app_config import Mode, PumpConfig
from pump_v1.app_state import PumpCycle
from pump_v1.app_tags import PumpTags
from pump_v1.app_ui import PumpUI
from pump_v1.application import PumpApp
from pydoover.config import Schema
from pydoover.models import NotificationSeverity
from pydoover.rpc import RPCError
from pydoover.tags import Tags
from pydoover.ui import UI

DEPLOY = {
    "APP_KEY": "pump_v1_1",
    "APP_DISPLAY_NAME": "Pump One",
    "run_mode": "Manual",
    "start_level_": 70,
    "modbus_config": {"name": "tank_bus"},
    "alerts": {"alert_on_fault": False, "alert_on_start": True},
    "run_sense_pins": [2, 3],
    "tank_curve": [{"level": 0, "litres": 0}, {"level": 2, "litres": 900}],
}


def make_app():
    app = PumpApp(app_key="pump_v1_1", test_mode=True)
    app.config._inject_deployment_config(dict(DEPLOY))
    return app


def test_classes_wire_up():
    assert issubclass(PumpConfig, Schema) and issubclass(PumpTags, Tags) and issubclass(PumpUI, UI)
    assert PumpApp.config_cls is PumpConfig and PumpApp.ui_cls is PumpUI
    assert PumpTags.level.live is True and PumpTags.running.live is False


def test_config_schema():
    schema = PumpConfig.to_schema()
    props = schema["properties"]
    assert schema["type"] == "object"
    assert props["run_mode"]["enum"] == ["Automatic", "Manual"]
    assert props["run_mode"]["default"] == "Automatic"
    assert props["level_ai"]["default"] == 0
    assert props["pump_output_pin"]["maximum"] == 7
    assert props["modbus_config"]["properties"]["serial_baud"]["default"] == 19200
    assert set(props["alerts"]["properties"]) == {"alert_on_fault", "alert_on_start"}
    assert props["tank_curve"]["items"]["properties"]["litres"]["type"] in ("number", ["number", "null"])
    assert "dv_app_position" in props and "dv_app_default_open" in props


def test_config_values_read_the_deployment():
    cfg = make_app().config
    assert cfg.run_mode is Mode.manual
    assert cfg.start_level.value == 70
    assert cfg.stop_level.value == 20.0
    assert cfg.modbus_config.name.value == "tank_bus"
    assert [p.value for p in cfg.run_sense_pins.elements] == [2, 3]


def test_object_children_and_arrays_of_objects_read_the_deployment():
    """Children of a config.Object and arrays of objects take the deployment's values, keyed by display name."""
    cfg = make_app().config
    assert cfg.alerts.on_fault.value is False and cfg.alerts.on_start.value is True
    assert [(p.level.value, p.litres.value) for p in cfg.curve.elements] == [(0, 0), (2, 900)]


def test_export(tmp_path):
    fp = tmp_path / "doover_config.json"
    PumpConfig.export(fp, "pump_v1")
    PumpUI(None, None, None).export(fp, "pump_v1")
    data = json.loads(fp.read_text())["pump_v1"]
    assert "run_mode" in data["config_schema"]["properties"]
    assert data["ui_schema"]["type"] == "uiApplication"


def test_ui_schema():
    schema = PumpUI(None, None, None).to_schema(resolve_config=False)
    children = schema["children"]
    assert children["tabs"]["type"] == "uiTabs"
    status = children["tabs"]["children"]["status_tab"]["children"]
    assert status["level"]["form"] == "radialGauge"
    assert status["level"]["type"] == "uiVariable"
    assert "stop_now" in status
    assert children["fault"]["type"] == "uiWarningIndicator"
    assert children["details"]["type"] == "uiSubmodule"
    assert children["mode"]["type"] == "uiSelect"
    assert children["speed"]["type"] == "uiSlider"
    assert children["band"]["dualSlider"] is True


async def test_state_machine():
    cycle = PumpCycle(fault_hold=30)
    assert cycle.state == "idle"
    await cycle.start()
    assert cycle.state == "running" and cycle.entered == ["running"]
    await cycle.reset()  # invalid from running: ignored
    assert cycle.state == "running"
    await cycle.fail()
    assert cycle.state == "fault"
    await cycle.reset()
    assert cycle.state == "idle" and cycle.changes == 3


def test_state_machine_outside_any_loop():
    import asyncio

    cycle = PumpCycle()
    asyncio.run(cycle.start())
    assert cycle.state == "running"
    asyncio.run(cycle.stop())
    assert cycle.state == "idle"


async def test_setup_in_test_mode():
    app = make_app()
    await app.setup()
    assert app.sense_pins == [2, 3]
    assert app.curve == [(0, 0), (2, 900)]
    assert app.cycle.state == "idle"
    assert app.loop_target_period == 0.2


def test_rpc_validation():
    assert PumpApp.check_level("42.5") == 42.5
    with pytest.raises(RPCError) as e:
        PumpApp.check_level("high")
    assert e.value.code == "BAD_LEVEL"
    with pytest.raises(RPCError):
        PumpApp.check_level(101)


def test_severity_names():
    assert {s.name for s in NotificationSeverity} == {"Trace", "Debug", "Info", "Warn", "Critical"}


async def test_ui_setup_follows_config():
    ui = PumpUI(make_app().config, None, "pump_v1_1")
    await ui.setup()
    children = ui.to_schema(resolve_config=False)["children"]
    assert (ui.setpoint.min_val, ui.setpoint.max_val) == (0.0, 100.0)
    assert children["setpoint"]["default"] == 70.0 and children["setpoint"]["units"] == "%"
    assert [o["displayString"] for o in children["mode"]["options"].values()] == ["Auto Run", "Manual"]
    assert children["band"]["isInverted"] is True and children["band"]["stepSize"] == 0.5
    assert children["band"]["displayString"] == "Pump band"
