"""tank_v04's own tests, in the forms pydoover 0.4 app repos use."""


def test_import_app():
    from tank_v04.application import TankApp

    assert TankApp


def test_config():
    from tank_v04.app_config import TankConfig

    cfg = TankConfig()
    schema = cfg.to_dict()
    props = schema["properties"]
    assert props["fill_rate"]["default"] == 12.5
    assert props["units"]["enum"] == ["L", "kL"]
    assert "modbus_config" in props and "float_pins" in props


def test_ui():
    from tank_v04.app_ui import TankUI

    ui = TankUI()
    assert len(ui.fetch()) == 9
    ui.show(55.0, True, "Filling")
    assert ui.level.current_value == 55.0
    assert ui.stop.hidden is False and ui.fill_now.hidden is True
    assert ui.overflow.hidden is True


def test_export(tmp_path):
    import json

    from tank_v04.app_config import TankConfig

    fp = tmp_path / "doover_config.json"
    TankConfig().export(fp, "tank_v04")
    assert "fill_pin" in json.loads(fp.read_text())["tank_v04"]["config_schema"]["properties"]


def test_simulator_is_an_app():
    from pydoover.docker import Application
    from tank_v04.simulator import TankSimulator, main

    assert issubclass(TankSimulator, Application) and callable(main)
    assert TankSimulator.loop_target_period == 0.25
