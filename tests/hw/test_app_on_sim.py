"""The whole runtime on real gpio-sim + IIO: an Application whose machine is driven by a DI edge."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from doover_fsm import Application, MonotonicClock, run_app


class EdgeApp(Application):
    states = ["waiting", {"name": "triggered", "shutdown_safe": True}]
    transitions = [{"trigger": "di_3_rising", "source": "waiting", "dest": "triggered", "after": "record"}]
    initial = "waiting"

    def setup(self) -> None:
        self.edge = None
        self.level = None

    def record(self, event) -> None:
        self.edge = event.data

    async def main_loop(self) -> None:
        self.level = await self.fetch_ai(0)
        await self.set_do(0, self.machine.is_state("triggered"))


@contextlib.asynccontextmanager
async def running(app: Application):
    task = asyncio.create_task(run_app(app, start=False, setup_logging=False))
    await asyncio.wait_for(app.wait_until_ready(), 60)
    try:
        yield app
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 60)


async def test_di_edge_drives_the_machine_and_do_ai_go_through_the_scan(gpio_sim, iio_dummy, tmp_path: Path) -> None:
    gpio_sim.reset()
    app = EdgeApp(test_mode=True, clock=MonotonicClock(), board="sim", data_dir=tmp_path, app_key="edge")
    iio_dummy.set_raw("voltage0", 1234)
    scale = float(iio_dummy.read_attr("in_voltage0_scale"))
    has_offset = (iio_dummy.device_dir / "in_voltage0_offset").exists()
    offset = float(iio_dummy.read_attr("in_voltage0_offset")) if has_offset else 0.0
    async with running(app):
        await app.next()
        assert app.machine.state == "waiting"
        assert abs(app.level - (1234 + offset) * scale) < 1e-6
        assert gpio_sim.get_output(gpio_sim.line_offset("DO1")) is False

        t0 = time.monotonic_ns()
        gpio_sim.set_input(gpio_sim.line_offset("DI4"), True)  # DI pin 3
        deadline = time.monotonic() + 10
        while app.machine.state == "waiting" and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # the edge arrives through the loop (the request's fd)...
            await app.next()  # ...and is dispatched at the start of a scan
        t1 = time.monotonic_ns()
        assert app.machine.state == "triggered"
        assert t0 <= app.edge["timestamp_ns"] <= t1  # the kernel's edge timestamp (CLOCK_MONOTONIC)
        assert gpio_sim.get_output(gpio_sim.line_offset("DO1")) is True  # written at the end of the scan
    # Stopped: the output went to the board's safe value before the lines were released.
    assert gpio_sim.get_output(gpio_sim.line_offset("DO1")) is False
