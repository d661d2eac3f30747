"""Issue 11 §3: ``null`` means the default (or a clear error), unknown keys are errors with a "did you mean".

pydoover 1.18 takes ``null`` as the value (``None``) and any unknown key as a new element; both hide a
deployment mistake. These tests use the call forms apps use (``_inject_deployment_config``,
``--config FILE``) and compare with pydoover where it differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doover_fsm import config
from doover_fsm.config import config_extras, load_config_file
from doover_fsm.config.unknown import is_platform_key, suggest
from doover_fsm.errors import ConfigError
from tests.compat._oracle import run_in_oracle


class Pump(config.Schema):
    maximum_flow = config.Number("Maximum Flow", default=100.0)
    pump_pin = config.Integer("Pump Pin")
    mode = config.Enum("Mode", choices=["auto", "manual"], default="auto")
    name = config.String("Name", default=None)
    pins = config.Array("Pins", element=config.Integer("Pin"), default=[1, 2])
    position = config.ApplicationPosition()


class Alerts(config.Object):
    on_fault = config.Boolean("On Fault", default=True)
    on_start = config.Boolean("On Start", default=False)


class WithObject(config.Schema):
    alerts = Alerts("Alerts")
    closed = config.Object("Closed", additional_elements=False, default={})


def test_null_for_a_key_with_a_default_reads_the_default() -> None:
    c = Pump()
    c._inject_deployment_config({"maximum_flow": None, "pump_pin": 3, "mode": None, "name": None, "pins": None})
    assert c.maximum_flow.value == 100.0
    assert c.mode.value == "auto"
    assert c.name.value is None
    assert [p.value for p in c.pins.elements] == [1, 2]
    # a real value afterwards, then null again: back to the default
    c._inject_deployment_config({"maximum_flow": 7, "pump_pin": 3})
    assert c.maximum_flow.value == 7
    c._inject_deployment_config({"maximum_flow": None, "pump_pin": 3})
    assert c.maximum_flow.value == 100.0


def test_null_for_a_key_without_a_default_is_a_clear_error_and_changes_nothing() -> None:
    c = Pump()
    c._inject_deployment_config({"pump_pin": 4, "maximum_flow": 9})
    with pytest.raises(ConfigError, match=r"deployment config: config key 'pump_pin': null given and the key has "
                                          r"no default"):
        c._inject_deployment_config({"pump_pin": None, "maximum_flow": 1})
    assert c.pump_pin.value == 4 and c.maximum_flow.value == 9


def test_null_inside_an_object_reads_the_childs_default() -> None:
    c = WithObject()
    c._inject_deployment_config({"alerts": {"on_fault": None, "on_start": True}})
    assert c.alerts.on_fault.value is True and c.alerts.on_start.value is True


def test_a_misspelled_key_is_an_error_with_did_you_mean() -> None:
    c = Pump()
    with pytest.raises(ConfigError, match=r"unknown config key 'maximum_flwo' \(did you mean 'maximum_flow'\?\); "
                       r"the app declares dv_app_position, maximum_flow, mode, name, pins, pump_pin"):
        c._inject_deployment_config({"maximum_flwo": 900, "pump_pin": 1})
    with pytest.raises(ConfigError, match=r"'Pump_Pin' \(did you mean 'pump_pin'\?\)"):
        c._inject_deployment_config({"Pump_Pin": 1, "pump_pin": 2})
    with pytest.raises(ConfigError, match=r"unknown config keys 'colour', 'zzz'; the app"):
        c._inject_deployment_config({"colour": 1, "zzz": 2, "pump_pin": 2})


def test_a_misspelled_child_of_an_object_is_an_error_with_did_you_mean() -> None:
    c = WithObject()
    with pytest.raises(ConfigError, match=r"unknown config key 'alerts.on_faul': did you mean 'alerts.on_fault'\?"):
        c._inject_deployment_config({"alerts": {"on_faul": False}})
    # an object that allows additional keys keeps one that misspells nothing
    c._inject_deployment_config({"alerts": {"note": "kept"}})
    assert c.alerts.note.value == "kept"
    with pytest.raises(ConfigError, match=r"Unknown element x in config \(at 'closed.x'\)"):
        c._inject_deployment_config({"closed": {"x": 1}})


def test_platform_keys_pass_and_stay_readable() -> None:
    c = Pump()
    entry = {"pump_pin": 1, "APP_KEY": "pump_1", "APP_DISPLAY_NAME": "Pump", "AGENT_ID": "a1",
             "loop_target_period": 0.05, "board": "rpi4", "modbus": {"buses": []}, "dv_app_default_open": True,
             "interpreter_hidden": False, "cockpit_visible": True, "dv_app_position": 3}
    c._inject_deployment_config(entry)
    assert c.APP_DISPLAY_NAME.value == "Pump" and c.AGENT_ID.value == "a1"
    assert config_extras(c)["board"] == "rpi4" and config_extras(c)["loop_target_period"] == 0.05
    assert c.position.value == 3
    for key in entry:
        assert key in Pump._element_map or is_platform_key(key)


def test_unknown_keys_only_logged_when_the_operator_says_so(monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DOOVER_FSM_UNKNOWN_CONFIG_KEYS", "warn")
    c = Pump()
    c._inject_deployment_config({"maximum_flwo": 900, "pump_pin": 1})
    assert c.maximum_flow.value == 100.0
    assert "unknown config key 'maximum_flwo' (did you mean 'maximum_flow'?)" in caplog.text


def test_config_file_errors_name_file_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "app_config.json"
    path.write_text('{\n  "pump_pin": 2,\n  "maximum_flwo": 900\n}\n')
    with pytest.raises(ConfigError) as info:
        load_config_file(Pump(), path)
    text = str(info.value)
    assert str(path) in text and "'maximum_flwo'" in text and "did you mean 'maximum_flow'" in text
    assert text.endswith("(line 3)")
    path.write_text('{\n  "pump_pin": null\n}\n')
    with pytest.raises(ConfigError, match=r"config key 'pump_pin': null given.*\(line 2\)"):
        load_config_file(Pump(), path)
    path.write_bytes(b'{"pump_pin": "\xff"}')
    with pytest.raises(ConfigError, match=r"app_config.json' is not UTF-8 text \(byte 14"):
        load_config_file(Pump(), path)
    path.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config_file(Pump(), path)
    path.write_text("5")
    with pytest.raises(ConfigError, match="must be a JSON object, got int"):
        load_config_file(Pump(), path)


def test_suggest_ignores_case_and_separators() -> None:
    keys = ["maximum_flow", "pump_pin", "mode"]
    assert suggest("Maximum Flow", keys) == "maximum_flow"
    assert suggest("pump-pin", keys) == "pump_pin"
    assert suggest("flow_max", keys) is None or suggest("flow_max", keys) == "maximum_flow"
    assert suggest("completely_else", keys) is None


DIFF_CODE = '''
from pydoover import config

def run(case):
    class C(config.Schema):
        maximum_flow = config.Number("Maximum Flow", default=100.0)
        pump_pin = config.Integer("Pump Pin")
    c = C()
    try:
        c._inject_deployment_config(case)
    except Exception as e:
        return "error: " + type(e).__name__
    return [c.maximum_flow.value, getattr(getattr(c, "maximum_flwo", None), "value", None)]
'''


def test_the_differences_from_pydoover() -> None:
    cases = [{"maximum_flow": None, "pump_pin": 1}, {"maximum_flwo": 900, "pump_pin": 1}]
    theirs = run_in_oracle(DIFF_CODE, cases)
    assert theirs == [{"ok": [None, None]}, {"ok": [100.0, 900]}]  # pydoover: None taken; the typo taken silently
    c = Pump()
    c._inject_deployment_config(json.loads(json.dumps(cases[0])))
    assert c.maximum_flow.value == 100.0
    with pytest.raises(ConfigError, match="did you mean 'maximum_flow'"):
        Pump()._inject_deployment_config(cases[1])


def test_a_null_item_of_a_typed_array_is_an_error_naming_the_item() -> None:
    c = Pump()
    with pytest.raises(ConfigError, match=r"config key 'pins\[1\]': null given and the items have no default"):
        c._inject_deployment_config({"pump_pin": 1, "pins": [4, None]})
    c._inject_deployment_config({"pump_pin": 1, "pins": [4, 5]})
    assert [p.value for p in c.pins.elements] == [4, 5]
