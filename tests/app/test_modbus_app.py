"""Modbus inside an app: buses from the app config, a subscription as a machine trigger, direct reads."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from _apptest import make, started

from doover_fsm import Application, MonotonicClock
from doover_fsm.errors import ModbusTimeoutError
from tests.modbus._modbus_testutil import SimServer, free_port

pytestmark = pytest.mark.integration


class MeterApp(Application):
    states = ["waiting", "reading", "lost"]
    transitions = [
        {"trigger": "modbus_meter", "source": ["waiting", "lost"], "dest": "reading", "conditions": "plausible"},
        {"trigger": "modbus_lost", "source": "reading", "dest": "lost"},
    ]
    initial = "waiting"

    async def setup(self) -> None:
        self.readings: list[object] = []
        self.direct = None
        self.read_default = True  # turned off before the device is muted (it shares device 1)
        self.add_new_modbus_read_subscription(address=0, count=2, register_type=4, poll_secs=0.05,
                                              callback=self.readings.append, bus_id="plant")
        self.modbus_iface.add_read_register_subscription(bus_id="plant", modbus_id=1, start_address=10,
                                                         num_registers=1, register_type=4, poll_secs=0.05,
                                                         name="meter")

    def plausible(self, event) -> bool:
        return event.data.value == 10

    async def main_loop(self) -> None:
        if self.read_default:
            self.default_read = await self.read_modbus_registers(address=7, count=2, register_type=4)  # bus "default"
        # pydoover's contract: None when the request failed; the typed error (naming the bus,
        # device, function and address) is kept in modbus_iface.last_error
        self.direct = await self.read_modbus_registers(address=5, count=1, register_type=4, bus_id="plant")


async def _scan_until(app: Application, pred, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not pred():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)
        await app.next()


async def test_app_reads_modbus_from_its_config_and_reacts_to_loss(tmp_path: Path, data_dir: Path) -> None:
    server = SimServer("tcp", free_port(), 0)
    server.client_port = server.port
    await server.start()
    cfg = tmp_path / "config.json"
    bus = {"type": "tcp", "host": "127.0.0.1", "port": server.port, "timeout": 0.2}
    cfg.write_text(json.dumps({"modbus": {"plant": bus, "default": bus}}))
    app = make(MeterApp, data_dir, config_fp=cfg, clock=MonotonicClock())
    try:
        async with started(app):
            await _scan_until(app, lambda: app.machine.state == "reading" and app.readings)
            assert app.readings[0] == [0, 1] and app.direct == 5  # subscription callback ran in a scan
            assert app.default_read == [7, 8]  # the pydoover shortcut's defaults: bus "default", device 1
            app.read_default = False
            server.mute.add(1)  # the device stops answering: the machine hears modbus_lost
            await _scan_until(app, lambda: app.machine.state == "lost")
            assert app.direct is None
            err = app.modbus_iface.last_error
            assert isinstance(err, ModbusTimeoutError) and "bus 'plant' device 1" in str(err)
            server.mute.clear()  # ...and it comes back
            await _scan_until(app, lambda: app.machine.state == "reading")
    finally:
        await server.stop()
