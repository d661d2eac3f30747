"""platform_iface inside a running app (test mode, virtual board): sync and async main loops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from doover_fsm import Application
from tests.app._apptest import make, started


class SyncLoopApp(Application):
    """A 1.x-named app with a sync main_loop: plain calls, values back."""

    async def setup(self) -> None:
        self.pulses: list[tuple[object, ...]] = []
        self.platform_iface.start_di_pulse_listener(1, self.on_pulse, "rising", start_count=10)

    def on_pulse(self, di, value, dt_secs, counter, edge) -> None:
        self.pulses.append((di, value, counter, edge))

    def main_loop(self) -> None:
        self.level = self.platform_iface.fetch_di(0)
        self.platform_iface.set_do(1, self.level)
        self.volts = self.platform_iface.fetch_system_voltage()
        self.shortcut = self.fetch_di(0)  # the Application's own shortcut, also sync here


class AsyncLoopApp(Application):
    """A 0.4-named async app: awaits get_di_async / set_do_async."""

    async def main_loop(self) -> None:
        self.level = await self.platform_iface.get_di_async([0])
        await self.platform_iface.set_do_async([1, 2], [self.level, not self.level])
        self.new_style = await self.platform_iface.fetch_di(0)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


async def test_sync_main_loop_reads_and_writes_through_the_scan(data_dir: Path) -> None:
    app = make(SyncLoopApp, data_dir)
    async with started(app):
        world = app.board_io.virtual_world
        world.set_input("virtual", "DI1", True)
        world.set_input("virtual", "DI2", True)
        world.set_system("voltage", 12.6)
        await asyncio.sleep(0.01)  # the loop's reader turns the edge into an event (as between real scans)
        await app.next()
        assert app.level is True and app.shortcut is True and app.volts == 12.6
        assert world.get_output("virtual", "DO2") is True  # written at the end of that scan
        assert app.pulses == [(1, True, 11, "rising")]  # start_count=10, callback ran in the scan


async def test_async_main_loop_with_0_4_names(data_dir: Path) -> None:
    app = make(AsyncLoopApp, data_dir)
    async with started(app):
        world = app.board_io.virtual_world
        world.set_input("virtual", "DI1", True)
        await app.next()
        assert app.level is True and app.new_style is True
        assert (world.get_output("virtual", "DO2"), world.get_output("virtual", "DO3")) == (True, False)
