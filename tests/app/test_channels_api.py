"""Channels, messages, aggregates and notifications through the Application (real SQLite agent)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from _apptest import make, started

from doover_fsm import Application, NotificationSeverity
from doover_fsm.agent import _sqlite as db
from doover_fsm.agent.base import ChannelEvent
from doover_fsm.agent.store import open_store
from doover_fsm.ui import UI


class ChannelApp(Application):
    async def setup(self) -> None:
        self.seen: list[tuple[str, str, object]] = []
        await self.subscribe("alarms")
        self.subscribe("levels", ["aggregate"])

    async def on_message_create(self, event: ChannelEvent) -> None:
        self.seen.append(("create", event.channel, event.data))

    def on_message_update(self, event: ChannelEvent) -> None:  # sync hooks work too
        self.seen.append(("update", event.channel, event.data))

    async def on_oneshot_message(self, event: ChannelEvent) -> None:
        self.seen.append(("oneshot", event.channel, event.data))

    async def on_aggregate_update(self, event: ChannelEvent) -> None:
        self.seen.append(("aggregate", event.channel, event.data))

    async def on_channel_sync(self, event: ChannelEvent) -> None:
        self.seen.append(("sync", event.channel, event.data))


async def test_messages_and_hooks(data_dir: Path) -> None:
    app = make(ChannelApp, data_dir, app_key="ch")
    async with started(app):
        await app.next()
        msg_id = await app.create_message("alarms", {"text": "high level", "level": 1})
        await app.update_message("alarms", msg_id, {"level": 2, "text": None})
        msg = await app.device_agent.get_message("alarms", msg_id)
        assert msg is not None and msg.data == {"level": 2}
        await app.update_message("alarms", msg_id, {"only": True}, replace_data=True)
        assert (await app.device_agent.get_message("alarms", msg_id)).data == {"only": True}
        await app.send_oneshot_message("alarms", {"ping": 1})
        await app.next()
        kinds = [(k, c) for k, c, _ in app.seen]
        assert ("create", "alarms") in kinds and ("update", "alarms") in kinds and ("oneshot", "alarms") in kinds
        assert kinds.index(("create", "alarms")) < kinds.index(("update", "alarms"))
        assert ("sync", "alarms") in kinds


async def test_update_channel_aggregate_merge_delete_replace(data_dir: Path) -> None:
    app = make(ChannelApp, data_dir, app_key="ch")
    async with started(app):
        await app.update_channel_aggregate("levels", {"a": {"x": 1, "y": 2}, "b": 1})
        new = await app.update_channel_aggregate("levels", {"a": {"y": None, "z": 3}})
        assert new is not None and new.data == {"a": {"x": 1, "z": 3}, "b": 1}  # pydoover: an Aggregate
        assert app.get_channel_aggregate("levels") == new.data
        assert (await app.fetch_channel_aggregate("levels")).data == new.data
        await app.update_channel_aggregate("levels", {"c": 1}, replace_data=True)
        assert app.get_channel_aggregate("levels") == {"c": 1}
        await app.next()
        aggs = [d for k, c, d in app.seen if k == "aggregate" and c == "levels"]
        assert aggs and aggs[-1] == {"c": 1}
        # subscribe("levels", ["aggregate"]) excludes other kinds
        assert not [1 for k, c, _ in app.seen if c == "levels" and k == "create"]


async def test_a_message_from_another_process_reaches_the_app_within_one_scan(data_dir: Path) -> None:
    app = make(ChannelApp, data_dir, app_key="ch")
    async with started(app):
        await app.next()
        with open_store(data_dir) as store:  # the CLI's view: another connection, another "process"
            store.post_message("alarms", {"from": "cli"})
        await app.next()
        assert ("create", "alarms", {"from": "cli"}) in app.seen


async def test_malformed_channel_messages_are_rejected_clearly_and_the_app_keeps_running(
        data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = make(ChannelApp, data_dir, app_key="ch")
    async with started(app):
        with open_store(data_dir) as store:
            with pytest.raises(ValueError, match="alarms"):
                store.post_message_json("alarms", "{not json")
            with pytest.raises(ValueError, match="bad key"):
                store.update_aggregate("levels", {"bad key": 1})
            # The store refuses commands of the wrong shape (issue 11)...
            with pytest.raises(ValueError, match=r"'ui_cmds'.*must be a JSON object"):
                store.post_message("ui_cmds", ["not", "an", "object"])
            with pytest.raises(ValueError, match=r"'ui_cmds'.*'method'"):
                store.post_message("ui_cmds", {"type": "rpc", "app_key": "ch"})
            # ...and the app still answers one that came another way (an older writer, a peer).
            bad_cmd, no_method = "bad-cmd", "no-method"
            store._txn(lambda c: db.op_create_message(c, "ui_cmds", bad_cmd, ["not", "an", "object"],
                                                      author="peer", origin="peer", ts=1.0))
            store._txn(lambda c: db.op_create_message(c, "ui_cmds", no_method, {"type": "rpc", "app_key": "ch"},
                                                      author="peer", origin="peer", ts=1.0))
        with caplog.at_level(logging.WARNING):
            await app.next()
            await app.next()
        with open_store(data_dir) as store:
            assert store.get_message("ui_cmds", bad_cmd).data["status"]["code"] == "error"
            assert "must be a JSON object" in str(store.get_message("ui_cmds", bad_cmd).data["status"])
            assert "no 'method'" in str(store.get_message("ui_cmds", no_method).data["status"])
        assert "ui_cmds" in caplog.text
        with pytest.raises(ValueError, match="bad key"):
            await app.update_channel_aggregate("levels", {"bad key": 1})
        await app.next()  # still scanning


async def test_send_notification_severities(data_dir: Path) -> None:
    app = make(ChannelApp, data_dir, app_key="ch")
    async with started(app):
        await app.send_notification("pump tripped", severity=NotificationSeverity.CRITICAL, title="Pump")
        await app.send_notification("hello")
        await app.send_notification("careful", severity="warn")
        msgs = await app.device_agent.list_messages("notifications", limit=10)
        # pydoover's body: severity only when given (the cloud's default is Info)
        assert [m.data.get("severity") for m in msgs] == [7, None, 6]
        assert msgs[0].data == {"message": "pump tripped", "title": "Pump", "severity": 7}
        with pytest.raises(ValueError, match="9 is not a valid NotificationSeverity"):
            await app.send_notification("x", severity=9)
        with pytest.raises(ValueError, match="'loud' is not a valid NotificationSeverity"):
            await app.send_notification("x", severity="loud")
        assert [int(s) for s in NotificationSeverity] == [3, 4, 5, 6, 7]


async def test_observer_flags_from_dv_ui_sub(data_dir: Path) -> None:
    app = make(ChannelApp, data_dir, app_key="ch")
    async with started(app):
        assert not app.is_being_observed and not app.is_app_open
        now_ms = app.clock.time() * 1000
        await app.device_agent.update_aggregate("dv-ui-sub", {
            "agent_open": {"u1": {"ts": now_ms}},
            "app_open": {"u1": {"ts": now_ms, "apps": ["ch"]}},
            "live_tag_open": {"u1": {"ts": now_ms, "tags": ["ch.level"]}},
            "group_open": {"u2": {"ts": now_ms - 500_000}},  # stale: older than 120 s
        })
        await app.next()  # dv-ui-sub changes reach the tag manager as an event, at the next scan
        assert app.is_being_observed and app.is_agent_open and app.is_app_open
        assert app.is_live_tag_open("level") and not app.is_live_tag_open("other")
        assert not app.is_group_open
        assert app.get_is_dda_available() and app.get_is_dda_online()


async def test_members_exist_and_interfaces_are_wired(data_dir: Path) -> None:
    app = make(ChannelApp, data_dir, app_key="ch", name="Channels")
    assert app.name == "Channels" and app.app_key == "ch"
    assert isinstance(app.ui, UI)  # like pydoover, an app without ui_cls still has an (empty) UI
    with pytest.raises(RuntimeError, match="not started"):
        app.get_channel_aggregate("x")
    async with started(app):
        assert app.device_agent is not None and app.platform_iface is not None and app.modbus_iface is not None
        assert app.is_ready


def test_next_outside_test_mode_raises(data_dir: Path) -> None:
    import asyncio

    app = ChannelApp(data_dir=data_dir)
    with pytest.raises(RuntimeError, match="test mode"):
        asyncio.run(app.next())


def test_run_app_start_false_returns_a_coroutine(data_dir: Path) -> None:
    import inspect

    from doover_fsm import run_app

    coro = run_app(make(ChannelApp, data_dir), start=False, setup_logging=False)
    assert inspect.iscoroutine(coro)
    coro.close()


class LegacyApp(Application):
    def setup(self) -> None:
        self.got: list[tuple[str, object]] = []
        self.subscribe_to_channel("settings", lambda name, agg: self.got.append((name, agg)))


async def test_pydoover_0x_subscribe_to_channel_and_publish(data_dir: Path) -> None:
    app = make(LegacyApp, data_dir)
    async with started(app):
        await app.update_channel_aggregate("settings", {"a": 1})
        await app.publish_to_channel("settings", {"note": "0.4 publishes merge into the aggregate"})
        await app.next()
        assert ("settings", {"a": 1}) in app.got
        assert ("settings", {"a": 1, "note": "0.4 publishes merge into the aggregate"}) in app.got
        logged = await app.device_agent.list_messages("settings", limit=10)
        assert [m.data for m in logged] == [{"note": "0.4 publishes merge into the aggregate"}]  # and logs it
