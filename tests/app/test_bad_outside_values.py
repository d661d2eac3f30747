"""Issue 11 §2/§3 with a real store and a real app in test mode: what others write never bricks an app.

A stored ``tag_values`` the app cannot use is set aside (logged, named) and the app starts from its
defaults; a remote write of the wrong type into a declared tag is refused and reported, and
``main_loop`` keeps working.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from _apptest import make, started

from doover_fsm import Application, config, tags
from doover_fsm.agent import _sqlite as db
from doover_fsm.agent.store import open_store
from doover_fsm.errors import ChannelMessageError


class PumpTags(tags.Tags):
    level = tags.Number(default=1.5)
    count = tags.Integer(default=0)
    running = tags.Boolean(default=False)
    mode = tags.String(default="auto")


class PumpApp(Application):
    tags_cls = PumpTags

    def setup(self) -> None:
        self.scans = 0
        self.doubled: list[float] = []

    def main_loop(self) -> None:
        self.scans += 1
        self.doubled.append(self.tags.level.value * 2)  # fails every scan if level held [1, 2]


def store_raw(data_dir: Path, channel: str, data: Any) -> None:
    """Write an aggregate as an older version (or a broken peer) could have: no shape check."""
    with open_store(data_dir) as store:
        store._txn(lambda c: db.write_aggregate(c, channel, data, patch=data, author="old", origin="old", ts=1.0))


@pytest.mark.parametrize("stored", [
    5,
    [1, 2],
    "tags",
    {"pump": 5},
    {"pump": [1, 2]},
    {"pump": {"level": [1, 2], "count": "many", "running": 1, "mode": {"a": 1}}},
    {"bad key": {"level": 3}, "pump": {"level": 7.5}},
])
async def test_an_app_starts_on_a_stored_bad_tag_values_from_its_defaults(
        data_dir: Path, caplog: pytest.LogCaptureFixture, stored: Any) -> None:
    store_raw(data_dir, "tag_values", stored)
    app = make(PumpApp, data_dir, app_key="pump")
    with caplog.at_level(logging.WARNING, logger="doover_fsm.tags"):
        async with started(app):
            await app.next()
            await app.next()
            level = app.tags.level.value
            assert level == (7.5 if isinstance(stored, dict) and "bad key" in stored else 1.5)
            assert app.tags.count.value == 0 and app.tags.running.value is False and app.tags.mode.value == "auto"
            assert app.doubled == [level * 2, level * 2]
            aside = list(app.tag_manager.store.set_aside)
    assert aside, "nothing was reported as set aside"
    assert "channel 'tag_values' (stored)" in caplog.text and "set aside" in caplog.text
    for record in aside:
        assert record.describe() in caplog.text


async def test_a_remote_list_into_a_number_tag_is_refused_and_main_loop_keeps_working(
        data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = make(PumpApp, data_dir, app_key="pump")
    async with started(app):
        app.tags.level.set(4.0)
        await app.next()
        with open_store(data_dir) as store:  # another process: the CLI, another app
            store.update_aggregate("tag_values", {"pump": {"level": [1, 2], "count": 3.0, "running": "yes"}})
        with caplog.at_level(logging.WARNING, logger="doover_fsm.tags"):
            app.device_agent.poll()
            await app.next()
            await app.next()
        assert app.tags.level.value == 4.0 and app.doubled[-1] == 8.0
        assert app.tags.count.value == 3  # JSON's 3.0 is an integer
        assert app.tags.running.value is False
        refused = {(r.app_key, r.name, repr(r.value)) for r in app.tag_manager.store.set_aside}
        assert refused == {("pump", "level", "[1, 2]"), ("pump", "running", "'yes'")}
        assert "channel 'tag_values' (remote write), app 'pump', tag 'level': value [1, 2] set aside" in caplog.text
        assert "declared 'number'" in caplog.text
        # A right value afterwards is taken.
        with open_store(data_dir) as store:
            store.update_aggregate("tag_values", {"pump": {"level": 2}})
        app.device_agent.poll()
        await app.next()
        assert app.tags.level.value == 2 and app.doubled[-1] == 4
        assert app.tag_manager.store.statistics().set_aside == 2


async def test_a_running_app_is_safe_from_cli_patches_of_the_wrong_shape(data_dir: Path) -> None:
    app = make(PumpApp, data_dir, app_key="pump")
    async with started(app):
        app.tags.level.set(3.0)
        await app.next()
        with open_store(data_dir) as store:
            before = store.get_aggregate("tag_values")
            for bad in (5, [1], "x", True):
                with pytest.raises(ChannelMessageError, match=r"channel 'tag_values'.*JSON object"):
                    store.update_aggregate("tag_values", bad)
            with pytest.raises(ChannelMessageError, match="channel 'tag_values', app 'pump'"):
                store.update_aggregate("tag_values", {"pump": 5})
            assert store.get_aggregate("tag_values") == before
        app.device_agent.poll()
        await app.next()
        assert app.tags.level.value == 3.0
    # ... and it starts again afterwards with its tags.
    again = make(PumpApp, data_dir, app_key="pump")
    async with started(again):
        assert again.tags.level.value == 3.0


class Cfg(config.Schema):
    threshold = config.Number("Threshold", default=2.0)


class ConfiguredPump(PumpApp):
    config_cls = Cfg


@pytest.mark.parametrize("channel,stored", [
    ("deployment_config", 5),
    ("deployment_config", {"applications": 5}),
    ("deployment_config", {"applications": {"pump": [1, 2]}}),
    ("ui_state", 5),
    ("ui_state", {"state": 5}),
    ("ui_cmds", [1]),
    ("ui_cmds", {"cmds": 5}),
    ("dv-ui-sub", 5),
])
async def test_an_app_starts_on_other_stored_bad_aggregates(data_dir: Path, channel: str, stored: Any) -> None:
    store_raw(data_dir, channel, stored)
    app = make(ConfiguredPump, data_dir, app_key="pump")
    async with started(app):
        await app.next()
        assert app.config.threshold.value == 2.0
        assert app.doubled == [3.0]
