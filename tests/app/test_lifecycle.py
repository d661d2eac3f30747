"""setup/main_loop (sync or async), errors never stop the scan, next() raises them, period."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from _apptest import make, started

from doover_fsm import Application, ConfigError, config


class SyncApp(Application):
    def setup(self) -> None:
        self.loops = 0

    def main_loop(self) -> None:
        self.loops += 1


class AsyncApp(Application):
    async def setup(self) -> None:
        self.loops = 0

    async def main_loop(self) -> None:
        self.loops += 1


@pytest.mark.parametrize("cls", [SyncApp, AsyncApp])
async def test_sync_and_async_main_loop_both_run(cls: type[Application], data_dir: Path) -> None:
    app = make(cls, data_dir)
    async with started(app):
        for _ in range(3):
            await app.next()
        assert app.loops == 3  # type: ignore[attr-defined]


class FlakyApp(Application):
    def setup(self) -> None:
        self.loops = 0
        self.fail_next = True

    def main_loop(self) -> None:
        self.loops += 1
        self.set_tag("loops", self.loops)
        if self.fail_next:
            self.fail_next = False
            raise ZeroDivisionError("boom in main_loop")


async def test_main_loop_error_is_raised_by_next_logged_and_the_scan_goes_on(
        data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = make(FlakyApp, data_dir, app_key="flaky")
    async with started(app):
        with caplog.at_level(logging.ERROR), pytest.raises(ZeroDivisionError, match="boom"):
            await app.next()
        assert "Traceback" in caplog.text and "main_loop" in caplog.text
        # The rest of the failing scan still ran: its tags were committed.
        assert app.get_channel_aggregate("tag_values")["flaky"]["loops"] == 1
        await app.next()
        assert app.loops == 2  # type: ignore[attr-defined]


class BadSetupApp(Application):
    def setup(self) -> None:
        raise KeyError("setup broke")

    def main_loop(self) -> None:
        self.set_tag("alive", True)


async def test_setup_error_surfaces_on_first_next_and_the_app_keeps_scanning(data_dir: Path) -> None:
    app = make(BadSetupApp, data_dir, app_key="bad")
    async with started(app):
        with pytest.raises(KeyError, match="setup broke"):
            await app.next()
        assert app.get_tag("alive") is True  # that scan ran anyway
        await app.next()


async def test_loop_target_period_default_validation_and_runtime_change(data_dir: Path) -> None:
    app = make(SyncApp, data_dir)
    assert app.loop_target_period == 1.0
    with pytest.raises(ValueError, match="loop_target_period"):
        app.loop_target_period = 0
    with pytest.raises(ValueError):
        app.loop_target_period = "fast"  # type: ignore[assignment]
    async with started(app):
        app.loop_target_period = 0.25
        assert app.scheduler.period == 0.25
        await app.next()


class Cfg(config.Schema):
    start_level = config.Number("Start Level", default=70.0, minimum=0, maximum=100)
    pump_name = config.String("Pump Name")


class CfgApp(Application):
    config_cls = Cfg


async def test_config_from_file_and_per_instance(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"pump_name": "north", "start_level": 55}))
    a = make(CfgApp, data_dir, config_fp=f, app_key="a")
    b = make(CfgApp, tmp_path, app_key="b")
    async with started(a):
        assert a.config.pump_name.value == "north" and a.config.start_level.value == 55
    # Values are per instance; b never loaded a config, so (as in pydoover) reading one raises.
    with pytest.raises(ValueError, match="start_level not set"):
        b.config.start_level.value  # noqa: B018
    b.config._inject_deployment_config({"pump_name": "south"})
    assert b.config.start_level.value == 70.0 and b.config.pump_name.value == "south"


async def test_config_error_names_the_file_and_key(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"pump_name": "north", "start_level": 500}))
    app = make(CfgApp, data_dir, config_fp=f)
    with pytest.raises(ConfigError, match=r"c\.json.*start_level.*maximum"):
        async with started(app):
            pass
    f.write_text('{"pump_name": "x",\n "start_level": }')
    app = make(CfgApp, data_dir, config_fp=f)
    with pytest.raises(ConfigError, match=r"c\.json.*line 2"):
        async with started(app):
            pass
    with pytest.raises(FileNotFoundError, match=r"nope\.json"):
        make(CfgApp, data_dir, config_fp=tmp_path / "nope.json")


async def test_config_from_deployment_config_channel_and_updates(data_dir: Path) -> None:
    from doover_fsm.agent.store import open_store

    with open_store(data_dir) as store:
        store.update_aggregate("deployment_config",
                               {"applications": {"cfg": {"pump_name": "east", "APP_DISPLAY_NAME": "East Pump"}}})
    app = make(CfgApp, data_dir, app_key="cfg")
    async with started(app):
        assert app.config.pump_name.value == "east" and app.app_display_name == "East Pump"
        with open_store(data_dir) as store:
            store.update_aggregate("deployment_config", {"applications": {"cfg": {"start_level": 10}}})
        await app.next()
        assert app.config.start_level.value == 10 and app.config.pump_name.value == "east"
        with open_store(data_dir) as store:  # a bad update is rejected; the config stays
            store.update_aggregate("deployment_config", {"applications": {"cfg": {"start_level": "high"}}})
        await app.next()
        assert app.config.start_level.value == 10


class SetsItsOwnPeriod(Application):
    def setup(self) -> None:
        self.loop_target_period = 0.1


async def test_a_deploy_time_period_beats_the_one_setup_sets(data_dir: Path) -> None:
    from doover_fsm.app.run import apply_options

    plain = make(SetsItsOwnPeriod, data_dir)
    async with started(plain):
        assert plain.loop_target_period == 0.1
    deployed = make(SetsItsOwnPeriod, data_dir)
    apply_options(deployed, period=0.5)
    async with started(deployed):
        assert deployed.loop_target_period == 0.5 and deployed.scheduler.period == 0.5


async def test_live_run_publishes_scan_timing_tag_and_statistics(data_dir: Path) -> None:
    app = SyncApp(data_dir=data_dir, board="virtual", app_key="live")
    app.timing_tag_interval = 0.2
    stats = await app.run_for(1.0, period=0.01)
    assert stats.scans >= 20 and stats.period == 0.01  # counts, not timing
    assert stats.lateness_p99_ns >= stats.lateness_p50_ns >= 0
    from doover_fsm.agent.store import open_store

    with open_store(data_dir) as store:
        timing = store.get_aggregate("tag_values")["live"]["scan_timing"]
    assert timing["period_s"] == 0.01 and timing["scans"] >= 1
    assert set(timing["lateness_us"]) == {"p50", "p99", "max"}
