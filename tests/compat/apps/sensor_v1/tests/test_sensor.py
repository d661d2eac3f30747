"""sensor_v1's own tests: schemas, the link machine, and the app against fake hardware."""

import json
from types import SimpleNamespace

import pytest
from pydoover.config import Schema
from pydoover.rpc import RPCError
from pydoover.tags import Tags
from pydoover.ui import UI
from sensor_v1.app_config import SensorConfig
from sensor_v1.app_state import Link
from sensor_v1.app_tags import SensorTags
from sensor_v1.app_ui import SensorUI
from sensor_v1.application import SensorApp
from sensor_v1.common import CommonSensorConfig, CommonSensorUI


class FakePlatform:
    def __init__(self, ai=5.0):
        self.ai = ai
        self.calls = []

    async def fetch_ai(self, pin):
        self.calls.append(("fetch_ai", pin))
        return self.ai

    async def fetch_di_events(self, pin, edge, include_system_events=False, events_from=0):
        self.calls.append(("fetch_di_events", pin, edge))
        return True, ["e1", "e2", "e3"]

    def start_di_pulse_listener(self, di, callback, edge="rising", start_count=0):
        self.calls.append(("listen", di, edge, start_count))
        self.callback = callback


class FakeModbus:
    def __init__(self):
        self.writes = []

    async def write_registers(self, bus_id="default", modbus_id=1, start_address=0, values=None, register_type=4,
                              **kw):
        self.writes.append(("multi", bus_id, modbus_id, start_address, values))
        return True

    async def write_single_register(self, modbus_id=1, address=0, value=0, register_type=4, bus=None, retries=None):
        self.writes.append(("single", bus.name.value, modbus_id, address, value))
        return True


def make_app(deploy=None, ai=5.0):
    app = SensorApp(app_key="sensor_v1_1", test_mode=True, platform_iface=FakePlatform(ai), modbus_iface=FakeModbus())
    app.config._inject_deployment_config({"APP_KEY": "sensor_v1_1", "ai_pin": 3, "modbus_config": {"name": "rs485"},
                                          **(deploy or {})})
    return app


def test_classes():
    assert issubclass(SensorConfig, CommonSensorConfig) and issubclass(CommonSensorConfig, Schema)
    assert issubclass(SensorUI, CommonSensorUI) and issubclass(CommonSensorUI, UI)
    assert issubclass(SensorTags, Tags) and SensorTags.reading.live is True


def test_schema_inherits_and_names(tmp_path):
    props = SensorConfig.to_schema()["properties"]
    for key in ("ai_pin", "full_scale", "units", "note", "owner", "modbus_config", "slave_id", "pulse_pin", "edge",
                "vi_threshold", "poll", "hide_raw", "upstream_app", "dv_app_position"):
        assert key in props, key
    assert props["slave_id"]["default"] == 80
    assert props["units"]["default"] == "m" and props["note"]["default"] == ""
    fp = tmp_path / "doover_config.json"
    SensorConfig.export(fp, "sensor_v1")
    assert "edge" in json.loads(fp.read_text())["sensor_v1"]["config_schema"]["properties"]


def test_pulse_source():
    assert make_app({"pulse_pin": 4}).config.pulse_source() == (0, "VI+10.0@0.5")
    assert make_app({"pulse_pin": 5, "edge": "falling", "vi_threshold": 9.5, "poll": 0.1}).config.pulse_source() \
        == (1, "VI-9.5@0.1")
    assert make_app({"pulse_pin": 2, "edge": "falling"}).config.pulse_source() == (2, "falling")


def test_ui_schema():
    children = SensorUI(None, None, None).to_schema(resolve_config=False)["children"]
    assert children["link"]["type"] == "uiWarningIndicator"
    assert children["reading"]["form"] == "radialGauge"
    assert children["raw"]["hidden"] == "$config.app().hide_raw:boolean:true"
    assert children["link_state"]["type"] == "uiVariable"
    assert children["more"]["children"]["link_ok"]["type"] == "uiVariable"
    assert "recalibrate" in children


async def test_ui_setup_follows_config():
    app = make_app({"units": "cm"})
    ui = SensorUI(app.config, None, "sensor_v1_1")
    await ui.setup()
    reading = ui.to_schema(resolve_config=False)["children"]["reading"]
    assert reading["units"] == "cm"
    assert "form" not in reading and "ranges" not in reading
    assert ui._find("link_ok").display_name == "Link Healthy"
    with pytest.raises(KeyError):
        ui._find("nope")


async def test_link_machine():
    link = Link()
    assert link.state == "down"
    await link.connect()
    await link.connected()
    assert link.state == "up" and link.log == ["up"]
    await link.failed()
    assert link.state == "error" and link.log == ["up", "left"]
    await link.retry("manual")
    assert link.state == "connecting" and link.retries == 1
    await link.drop()
    assert link.state == "down"


async def test_setup_replays_missed_pulses_and_listens():
    app = make_app({"pulse_pin": 2, "edge": "falling"})
    await _setup_with_fake_tags(app)
    kinds = [c[0] for c in app.platform_iface.calls]
    assert kinds == ["fetch_di_events", "listen"]
    assert app.platform_iface.calls[1] == ("listen", 2, "falling", 3)


async def _setup_with_fake_tags(app):
    """setup() reads the pulse tag; a stand-in keeps the agent out of this test."""
    app.tags = SimpleNamespace(pulses=SimpleNamespace(get=lambda: 0))
    await app.setup()


async def test_vi_source_listens_without_replay():
    app = make_app({"pulse_pin": 4})
    await _setup_with_fake_tags(app)
    assert app.platform_iface.calls == [("listen", 0, "VI+10.0@0.5", 0)]


async def test_kalman_filtered_ai_settles_on_a_steady_input():
    app = make_app(ai=5.0)
    values = [await app.filtered_ai() for _ in range(20)]
    assert app.platform_iface.calls[0] == ("fetch_ai", 3)
    assert abs(values[-1] - 5.0) < 1e-6


async def test_configure_unlocks_then_writes_one_register():
    app = make_app({"slave_id": 7})
    assert await app.configure_sensor(0x01, 42) is True
    assert app.modbus_iface.writes == [("multi", "rs485", 7, 0x69, [0xB588]), ("single", "rs485", 7, 0x01, 42)]


async def test_rpc_names_the_caller_in_errors():
    app = make_app()
    with pytest.raises(RPCError) as e:
        await app.rpc_configure(SimpleNamespace(actor={"name": "bob"}), {})
    assert e.value.code == "BAD_REQUEST" and "bob" in e.value.message
    assert await app.rpc_configure(SimpleNamespace(actor=None), {"register": 3, "value": 1}) == {"ok": True}


async def test_shared_logic_on_a_bare_instance():
    class FakeTag:
        def __init__(self):
            self.value = None

        def get(self):
            return self.value

        async def set(self, value):
            self.value = value

    app = object.__new__(SensorApp)
    app.config = SimpleNamespace(full_scale=SimpleNamespace(value=20.0))
    app.tags = SimpleNamespace(raw=FakeTag(), reading=FakeTag())
    sent = []

    async def create_message(channel, data):
        sent.append((channel, data))

    app.create_message = create_message
    assert await app.handle_update(10.0) == 5.0
    assert app.tags.raw.get() == 10.0 and app.tags.reading.get() == 5.0 and sent == []
    assert await app.handle_update(19.6) == 9.8
    assert sent == [("notifications", {"message": "high reading 9.8", "severity": "Warn"})]
    assert await app.handle_update(None) is None
