"""The well-known channel shapes (issue 11 §2), through every writer: the CLI, the store API, an app's agent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from doover_fsm.agent.local import LocalAgent
from doover_fsm.agent.store import open_store
from doover_fsm.agent.wellknown import check_aggregate_write, check_message, check_message_patch
from doover_fsm.errors import ChannelMessageError


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "doover_fsm.cli.main", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=60)


def seed(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        store.update_aggregate("tag_values", {"pump": {"level": 2.5}, "tank": {"litres": 900}, "site_mode": "run"})
        store.update_aggregate("deployment_config", {"applications": {"pump": {"pump_pin": 3}}})


@pytest.mark.parametrize("channel,payload,says", [
    ("tag_values", "5", "channel 'tag_values': the aggregate must be a JSON object, got a number 5"),
    ("tag_values", '"x"', "channel 'tag_values': the aggregate must be a JSON object, got a string \"x\""),
    ("tag_values", '{"pump": 5}', "channel 'tag_values', app 'pump': an app's tags are an object"),
    ("deployment_config", "5", "channel 'deployment_config': the aggregate must be a JSON object, got a number 5"),
    ("deployment_config", '{"applications": [1]}', "channel 'deployment_config', key 'applications'"),
    ("deployment_config", '{"applications": {"pump": "x"}}',
     "channel 'deployment_config', app 'pump', key 'applications.pump': an app's deployment config must be an object"),
    ("ui_state", '{"state": 1}', "channel 'ui_state', key 'state': 'state' must be an object"),
    ("ui_cmds", '{"cmds": []}', "channel 'ui_cmds', key 'cmds'"),
    ("notifications", "[]", "channel 'notifications': the aggregate must be a JSON object"),
])
def test_cli_patch_of_the_wrong_shape_is_refused_and_nothing_changes(tmp_path: Path, channel: str, payload: str,
                                                                      says: str) -> None:
    seed(tmp_path)
    with open_store(tmp_path) as store:
        before = {name: store.get_aggregate(name) for name in ("tag_values", "deployment_config", channel)}
    proc = cli(tmp_path, "channel", "patch", channel, payload)
    assert proc.returncode != 0
    assert says in proc.stderr and "nothing was written" in proc.stderr
    assert "Traceback" not in proc.stderr
    with open_store(tmp_path) as store:
        assert {name: store.get_aggregate(name) for name in before} == before


def test_cli_replace_of_tag_values_must_still_be_an_object(tmp_path: Path) -> None:
    seed(tmp_path)
    assert cli(tmp_path, "channel", "patch", "tag_values", "[1]", "--replace").returncode != 0
    proc = cli(tmp_path, "channel", "patch", "tag_values", '{"pump": {"level": 1}}', "--replace")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"pump": {"level": 1}}


def test_valid_patches_and_deletes_still_work(tmp_path: Path) -> None:
    seed(tmp_path)
    with open_store(tmp_path) as store:
        store.update_aggregate("tag_values", {"pump": {"level": 3}, "site_mode": {"a": 1}})  # a global may change
        store.update_aggregate("tag_values", {"tank": None})  # an app's tags deleted with null
        assert store.get_aggregate("tag_values") == {"pump": {"level": 3}, "site_mode": {"a": 1}}
        store.update_aggregate("deployment_config", {"applications": {"pump": None, "tank": {"x": 1}}})
        assert store.get_aggregate("deployment_config") == {"applications": {"tank": {"x": 1}}}
        store.update_aggregate("deployment_config", None)  # a whole aggregate may be deleted
        assert store.get_aggregate("deployment_config") is None


@pytest.mark.parametrize("channel,message,says", [
    ("ui_cmds", ["x"], "channel 'ui_cmds': a message must be a JSON object"),
    ("ui_cmds", {"type": "rpc", "method": "", "app_key": "pump"},
     "channel 'ui_cmds', app 'pump', key 'method': an rpc command needs a non-empty 'method' string"),
    ("ui_cmds", {"method": "start", "app_key": 5}, "channel 'ui_cmds', key 'app_key'"),
    ("ui_cmds", {"type": 5}, "channel 'ui_cmds', key 'type'"),
    ("notifications", {"title": "x"}, "channel 'notifications', key 'message'"),
    ("notifications", {"message": "  "}, "channel 'notifications', key 'message'"),
    ("notifications", {"message": "m", "severity": "warning", "app_key": "pump"},
     "channel 'notifications', app 'pump', key 'severity': 'severity' must be one of Trace, Debug, Info, Warn, "
     "Critical or 3..7 (did you mean 'Warn'?"),
    ("notifications", {"message": "m", "severity": 9}, "key 'severity'"),
    ("notifications", {"message": "m", "severity": True}, "key 'severity'"),
    ("notifications", {"message": "m", "title": 5}, "key 'title'"),
    ("tag_values", [1, 2], "channel 'tag_values': a message must be a JSON object"),
])
def test_messages_of_the_wrong_shape_are_refused(tmp_path: Path, channel: str, message: Any, says: str) -> None:
    with open_store(tmp_path) as store:
        with pytest.raises(ChannelMessageError) as info:
            store.post_message(channel, message)
        assert says in str(info.value)
        with pytest.raises(ChannelMessageError):
            store.send_oneshot(channel, message)
        assert store.list_messages(channel) == []


@pytest.mark.parametrize("channel,message", [
    ("ui_cmds", {"type": "rpc", "method": "start", "request": {}, "app_key": "pump"}),
    ("ui_cmds", {"method": "start"}),
    ("ui_cmds", {"type": "log", "value": 1}),
    ("notifications", {"message": "Pump tripped", "severity": "Warn", "title": "Pump"}),
    ("notifications", {"message": "Pump tripped", "severity": 7, "topic": "dev/x", "app_key": "p", "ts": 1.0}),
    ("notifications", {"message": "hi", "severity": None}),
    ("other_channel", [1, 2]),
])
def test_messages_of_the_right_shape_pass(tmp_path: Path, channel: str, message: Any) -> None:
    with open_store(tmp_path) as store:
        mid = store.post_message(channel, message)
        assert store.get_message(channel, mid).data == message  # type: ignore[union-attr]


def test_a_reply_merged_into_a_command_passes_a_replacement_is_checked(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        mid = store.post_message("ui_cmds", {"method": "start"})
        store.update_message("ui_cmds", mid, {"status": "error", "response": {"error": "x"}})
        with pytest.raises(ChannelMessageError, match="'ui_cmds'"):
            store.update_message("ui_cmds", mid, [1], replace=True)
        with pytest.raises(ChannelMessageError, match="'ui_cmds'"):
            store.update_message("ui_cmds", mid, 5)
    check_message_patch("ui_cmds", {"status": "success"}, replace=False)
    with pytest.raises(ChannelMessageError, match="method"):
        check_message_patch("ui_cmds", {"status": "success"}, replace=True)


async def test_an_apps_agent_is_checked_too(tmp_path: Path) -> None:
    agent = LocalAgent(tmp_path / "agent.sqlite3")
    await agent.start()
    try:
        await agent.update_aggregate("tag_values", {"pump": {"level": 1}})
        with pytest.raises(ChannelMessageError, match="channel 'tag_values', app 'pump'"):
            await agent.update_aggregate("tag_values", {"pump": [1]})
        with pytest.raises(ChannelMessageError, match="channel 'tag_values': the aggregate must be a JSON object"):
            await agent.update_aggregate("tag_values", 5)
        with pytest.raises(ChannelMessageError, match="channel 'notifications', key 'message'"):
            await agent.create_message("notifications", {"text": "hi"})
        with pytest.raises(ChannelMessageError, match="channel 'ui_cmds'"):
            await agent.send_oneshot("ui_cmds", {"type": "rpc"})
        assert agent.get_aggregate("tag_values") == {"pump": {"level": 1}}
        assert agent.statistics().errors == 0  # refused input is not an agent fault
    finally:
        await agent.close()


def test_check_functions_leave_other_channels_alone() -> None:
    check_aggregate_write("levels", None, 5, 5)
    check_message("alarms", "text")
    check_aggregate_write("tag_values", None, None, None)  # deleting the aggregate is a merge-patch null


def test_deep_json_is_an_error_naming_the_channel(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with open_store(tmp_path) as store:
        with pytest.raises(ChannelMessageError, match="channel 'levels'"):
            store.update_aggregate_json("levels", deep)
        with pytest.raises(ChannelMessageError, match="channel 'alarms'"):
            store.post_message_json("alarms", deep)
