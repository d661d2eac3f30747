"""Acceptance: the pump station example through its life on the virtual board and a virtual clock.

Start, a level rise, the proving timeout (no flow → fault), a UI reset, manual mode by UI
command, a flood alarm message, a tag change from another app, and the shutdown handshake.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from _apptest import make, started

from doover_fsm.agent.store import open_store
from examples.pump_station import PumpStation

CHIP, ADC = "virtual", "virtual_adc"


def set_level(app: PumpStation, percent: float) -> None:
    # AI 3 is a 4–20 mA input mapped onto 0..100 % by the virtual board's calibration.
    app.board_io.virtual_world.set_raw(ADC, "in_voltage3_raw", 4 + 16 * percent / 100)


def set_flow(app: PumpStation, on: bool) -> None:
    app.board_io.virtual_world.set_input(CHIP, "DI1", on)  # DI pin 0


def pump_output(app: PumpStation) -> bool:
    return app.board_io.virtual_world.get_output(CHIP, "DO1")  # DO pin 0


def ui_command(data_dir: Path, method: str, value: object = None) -> str:
    with open_store(data_dir) as store:
        return store.post_message("ui_cmds", {"type": "rpc", "method": method, "request": value,
                                              "app_key": "pump"})


async def test_pump_station_life(data_dir: Path) -> None:
    app = make(PumpStation, data_dir, app_key="pump")
    async with started(app):
        clock = app.clock
        set_level(app, 30)
        await app.next()
        assert app.machine.state == "auto_idle" and app.get_tag("fsm_state") == "auto_idle"
        assert app.tags.level.value == 30.0 and not pump_output(app)

        # Level rises: the pump starts and must prove flow within 5 s.
        set_level(app, 75)
        await app.next()
        assert app.machine.state == "auto_pumping_starting" and pump_output(app)
        assert app.tags.starts.value == 1
        clock.advance(4.9)
        await app.next()
        assert app.machine.state == "auto_pumping_starting"
        clock.advance(0.2)  # 5.1 s: no flow → the timeout fires → fault, pump off, notification
        await app.next()
        assert app.machine.state == "fault" and app.tags.fault.value == "no flow after start"
        assert not pump_output(app)
        notes = await app.device_agent.list_messages("notifications")
        assert notes[-1].data["severity"] == 6 and "no flow" in notes[-1].data["message"]

        # An operator resets the fault from the UI; this time flow is proven.
        set_flow(app, True)
        msg = ui_command(data_dir, "reset")
        await app.next()
        assert app.machine.state in ("auto_pumping_starting", "auto_pumping_running")
        await app.next()
        assert app.machine.state == "auto_pumping_running" and app.tags.fault.value == ""
        with open_store(data_dir) as store:
            assert store.get_message("ui_cmds", msg).data["status"]["code"] == "success"

        # The downstream plant stops accepting (another app's tag): pumping stops.
        with open_store(data_dir) as store:
            store.update_aggregate("tag_values", {"treatment": {"accepting": False}})
        await app.next()
        assert app.machine.state == "auto_idle" and not pump_output(app)
        with open_store(data_dir) as store:
            store.update_aggregate("tag_values", {"treatment": {"accepting": True}})

        # A flood alarm message from the site controller starts the pump below the start level.
        set_level(app, 50)
        set_flow(app, False)
        await app.next()
        assert app.machine.state == "auto_idle"
        with open_store(data_dir) as store:
            store.post_message("site_alarms", {"type": "flood", "site": "north"})
        await app.next()
        assert app.machine.state == "auto_pumping_starting"
        set_flow(app, True)
        await app.next()
        assert app.machine.state == "auto_pumping_running"

        # Shutdown handshake: requested while pumping → not ok; once idle (safe) → ok.
        with open_store(data_dir) as store:
            store.update_aggregate("tag_values", {"shutdown_requested": True})
        await app.next()
        assert app.get_tag("shutdown_check_ok") is False
        set_level(app, 10)  # below the stop level: back to idle, which is shutdown-safe
        await app.next()
        await app.next()
        assert app.machine.state == "auto_idle" and app.get_tag("shutdown_check_ok") is True
        with open_store(data_dir) as store:
            assert store.get_aggregate("tag_values")["pump"]["shutdown_check_ok"] is True

        # The coordinator schedules the shutdown: on_shutdown_at runs with the datetime.
        seen: list[datetime] = []

        async def on_shutdown_at(dt: datetime) -> None:
            seen.append(dt)

        app.on_shutdown_at = on_shutdown_at  # type: ignore[method-assign]
        at = clock.time() + 60
        with open_store(data_dir) as store:
            store.update_aggregate("tag_values", {"shutdown_at": at})
        await app.next()
        assert seen == [datetime.fromtimestamp(at, tz=UTC)]

        # Manual mode from the UI (a Select); the pump runs only on command.
        ui_command(data_dir, "mode", "manual")
        await app.next()
        assert app.machine.state == "manual_off" and app.tags.mode.value == "manual"
        ui_command(data_dir, "start")
        await app.next()
        assert app.machine.state == "manual_on" and pump_output(app)
        assert app.get_tag("shutdown_check_ok") is False  # manual_on is not shutdown-safe


async def test_a_two_day_timeout_is_tested_in_milliseconds(data_dir: Path) -> None:
    from doover_fsm import Application

    class Soak(Application):
        states = [{"name": "soaking", "timeout": 2 * 86400, "on_timeout": "done"}, "finished"]
        transitions = [{"trigger": "finish", "source": "soaking", "dest": "finished"}]
        initial = "soaking"

        async def done(self, event=None) -> None:
            await self.trigger("finish")

    app = make(Soak, data_dir)
    async with started(app):
        await app.next()
        app.clock.advance(2 * 86400 - 1)
        await app.next()
        assert app.machine.state == "soaking"
        app.clock.advance(1)
        await app.next()
        assert app.machine.state == "finished"


async def test_stale_shutdown_at_from_before_start_does_not_fire(data_dir: Path) -> None:
    import time

    with open_store(data_dir) as store:
        store.update_aggregate("tag_values", {"shutdown_at": time.time() - 3600})
    app = make(PumpStation, data_dir, app_key="pump")
    fired: list[object] = []

    async def on_shutdown_at(dt: datetime) -> None:
        fired.append(dt)

    app.on_shutdown_at = on_shutdown_at  # type: ignore[method-assign]
    async with started(app):
        await app.next()
        await app.next()
    assert fired == []
