"""Config values as apps read them: Object children, arrays of objects, both declaration styles."""

from __future__ import annotations

import enum
import json
from pathlib import Path

import pytest

from doover_fsm import config
from doover_fsm.config import (
    ConfigDeclarationError,
    config_extras,
    config_source,
    config_values,
    inject_config,
    load_config_file,
)
from doover_fsm.errors import ConfigError


class Notifications(config.Object):
    on_start = config.Boolean("Notify on Start", default=False)
    on_fault = config.Boolean("Notify on Fault", default=True)


class Bus(config.Object):
    type = config.Enum("Bus Type", choices=["serial", "tcp"], default="serial")
    name = config.String("Name", default="default")
    baud = config.Integer("Serial Baud", default=9600)
    limits = Notifications("Limits")


class OldBus(config.Object):
    """The 0.4 way: children assigned in __init__."""

    def __init__(self, display_name: str = "Modbus Config") -> None:
        super().__init__(display_name)
        self.type = config.Enum("Bus Type", choices=["serial", "tcp"], default="serial")
        self.name = config.String("Name", default="default")


class Mode(enum.Enum):
    AUTO = "Automatic"
    HAND = "Manual"


class Cfg(config.Schema):
    notifications = Notifications("Notifications")
    bus = Bus("Bus")
    buses = config.Array("Buses", element=Bus("Bus Instance"))
    old_bus = OldBus()
    mode = config.Enum("Mode", choices=Mode, default=Mode.AUTO)
    pins = config.Array("Pins", element=config.Integer("Pin"))


DATA = {
    "notifications": {"notify_on_start": True},
    "bus": {"bus_type": "tcp", "limits": {"notify_on_fault": False}},
    "buses": [{"name": "a", "serial_baud": 19200, "limits": {}},
              {"bus_type": "tcp", "limits": {"notify_on_start": True}}],
    "modbus_config": {"name": "north"},
    "mode": "Manual",
    "pins": [1, 2.0, 3],
    "APP_DISPLAY_NAME": "Pump",
}


def test_object_children_read_injected_values() -> None:
    cfg = Cfg()
    cfg._inject_deployment_config(DATA)
    assert cfg.notifications.on_start.value is True and cfg.notifications.on_fault.value is True
    assert cfg.bus.type.value == "tcp" and cfg.bus.name.value == "default" and cfg.bus.baud.value == 9600
    assert cfg.bus.limits.on_fault.value is False and cfg.bus.limits.on_start.value is False
    assert cfg.old_bus.name.value == "north" and cfg.old_bus.type.value == "serial"
    assert cfg.mode.value is Mode.HAND
    assert [p.value for p in cfg.pins.elements] == [1, 2, 3]


def test_arrays_of_objects_read_their_items() -> None:
    cfg = Cfg()
    cfg._inject_deployment_config(DATA)
    first, second = cfg.buses.elements
    assert cfg.buses.value == [first, second]
    assert (first.name.value, first.baud.value, first.type.value) == ("a", 19200, "serial")
    assert (second.name.value, second.type.value, second.limits.on_start.value) == ("default", "tcp", True)
    assert first.limits is not second.limits  # each item owns its children


def test_values_are_per_instance_and_declarations_untouched() -> None:
    a, b = Cfg(), Cfg()
    a._inject_deployment_config(DATA)
    b._inject_deployment_config({**DATA, "bus": {"name": "other", "limits": {}}})
    assert a.bus.type.value == "tcp" and b.bus.type.value == "serial" and b.bus.name.value == "other"
    with pytest.raises(ValueError, match="not set"):
        Cfg.bus.type.value  # noqa: B018  (the class declaration is never loaded)


def test_reinjection_replaces_values_and_defaults_return() -> None:
    cfg = Cfg()
    cfg._inject_deployment_config(DATA)
    cfg._inject_deployment_config({k: v for k, v in DATA.items() if k != "mode"} | {"bus": {"limits": {}}})
    assert cfg.mode.value is Mode.AUTO and cfg.bus.type.value == "serial"


def test_unset_values_raise_like_pydoover_and_none_defaults_read_none() -> None:
    class C(config.Schema):
        level = config.Number("Level", default=1.5)
        note = config.String("Note", default=None)

    c = C()
    with pytest.raises(ValueError, match="Value for level not set"):
        c.level.value  # noqa: B018
    assert c.note.value is None
    c._inject_deployment_config({})
    assert c.level.value == 1.5


def test_bad_values_name_the_key_and_change_nothing() -> None:
    cfg = Cfg()
    cfg._inject_deployment_config(DATA)
    bad = {**DATA, "mode": "Hand", "buses": [{"serial_baud": "fast", "limits": {}}]}
    with pytest.raises(ConfigError, match=r"buses\[0\]\.serial_baud.*an integer"):
        cfg._inject_deployment_config(bad)
    assert cfg.mode.value is Mode.HAND and len(cfg.buses.elements) == 2
    with pytest.raises(ValueError, match="Required config element pins not found"):
        cfg._inject_deployment_config({k: v for k, v in DATA.items() if k != "pins"})


def test_the_04_schema_form(tmp_path: Path) -> None:
    class Old(config.Schema):
        def __init__(self) -> None:  # no super().__init__(), as 0.4 apps wrote it
            self.battery = config.Number("Battery Max (Ah)", description="Capacity")
            self.display_name = config.String("Display Name", default="Engine")
            self.pins = config.Array("Run Sense Pins", element=config.Integer("Input Pin"))
            self.bus = OldBus()

    old = Old()
    schema = old.to_dict()
    assert schema["title"] == "Application Config" and list(schema["properties"]) == [
        "battery_max_(ah)", "display_name", "run_sense_pins", "modbus_config"]
    old._inject_deployment_config({"battery_max_(ah)": 100, "run_sense_pins": [4, 5.0],
                                   "modbus_config": {"bus_type": "tcp", "name": "x"}})
    assert old.battery.value == 100 and old.display_name.value == "Engine"
    assert [p.value for p in old.pins.elements] == [4, 5.0]  # 0.4 keeps 5.0 a float
    assert old.bus.type.value == "tcp"
    old.export(tmp_path / "d.json", "gen")
    assert json.loads((tmp_path / "d.json").read_text())["gen"]["config_schema"] == schema


def test_declaration_errors() -> None:
    with pytest.raises(ConfigDeclarationError, match="reserved"):
        type("Bad", (config.Schema,), {"value": config.Integer("Value")})
    with pytest.raises(ConfigDeclarationError, match="Duplicate element name x"):
        type("Dup", (config.Object,), {"a": config.Integer("X"), "b": config.Integer("X")})
    with pytest.raises(TypeError, match=r"'pin'.*not a valid integer"):
        config.Integer("Pin", default="3")
    with pytest.raises(ValueError, match="required=False needs a default"):
        config.Integer("Pin", required=False)
    with pytest.raises(ConfigDeclarationError, match="'Nope' is not one of"):
        config.Enum("Mode", choices=Mode, default="Nope")


def test_runtime_helpers(tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps({**DATA, "board": "virtual"}))
    cfg = Cfg()
    assert load_config_file(cfg, f)["board"] == "virtual"
    assert config_source(cfg) == f"config file {str(f)!r}"
    assert config_extras(cfg) == {"APP_DISPLAY_NAME": "Pump", "board": "virtual"}
    assert cfg.APP_DISPLAY_NAME.value == "Pump"
    values = config_values(cfg)
    assert values["mode"] == "Manual" and values["buses"][0]["name"] == "a" and values["pins"] == [1, 2, 3]
    f.write_text('{"mode":\n  }')
    with pytest.raises(ConfigError, match=r"c\.json.*line 2"):
        load_config_file(cfg, f)
    with pytest.raises(ConfigError, match=r"^deployment_config\.x: config key 'mode'"):
        inject_config(cfg, {**DATA, "mode": 3}, source="deployment_config.x")


def test_element_names_like_runtime_helpers_cannot_shadow_them() -> None:
    class C(config.Schema):
        source = config.String("Source", default="tank")
        extra = config.String("Extra", default="")

    c = C()
    inject_config(c, {"source": "river", "APP_KEY": "k"})
    assert c.source.value == "river" and config_source(c) == "deployment config"
    assert config_extras(c) == {"APP_KEY": "k"}


def test_the_pydoover_module_is_the_same_objects() -> None:
    from doover_fsm import compat

    compat.install()
    import pydoover.config as pc  # type: ignore[import-not-found]

    for name in pc.__all__:
        assert getattr(pc, name) is getattr(config, name), name


def test_underscore_named_elements_read_this_instances_values() -> None:
    """``_edge = Enum(..., name="edge")`` behind a property (a real app pattern) reads injected values."""
    from doover_fsm import config

    class Level(config.Object):
        _lvl = config.Number("Level", default=2.5, name="lvl")

    class Cfg(config.Schema):
        _edge = config.Enum("Edge", choices=["rising", "falling"], default="rising", name="edge")
        sensor = Level("Sensor")

        @property
        def edge(self) -> str:
            return str(self._edge.value)

    first, second = Cfg(), Cfg()
    first._inject_deployment_config({"sensor": {}})
    assert first.edge == "rising" and first.sensor._lvl.value == 2.5  # defaults apply
    second._inject_deployment_config({"edge": "falling", "sensor": {"lvl": 5}})
    assert second.edge == "falling" and second.sensor._lvl.value == 5
    assert first.edge == "rising"  # per instance
