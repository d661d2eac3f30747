"""The local SQLite agent and the CLI store helper, on real SQLite files and real processes."""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from _agent_testutil import HERE, PYTHON, subprocess_env, wait_for

from doover_fsm.agent.base import ChannelEvent
from doover_fsm.agent.local import LocalAgent
from doover_fsm.agent.store import default_data_dir, open_store
from doover_fsm.errors import AgentError, ChannelMessageError

pytestmark = pytest.mark.integration


async def test_state_survives_restart(db_path: Path) -> None:
    a = LocalAgent(db_path)
    await a.start()
    await a.update_aggregate("tag_values", {"app": {"pump": True, "level": 3.5}})
    await a.update_aggregate("tag_values", {"app": {"level": None}, "shutdown_requested": False})
    mid = await a.create_message("notifications", {"message": "hi", "severity": 5})
    await a.update_message("notifications", mid, {"read": True})
    await a.close()

    b = LocalAgent(db_path)
    await b.start()
    assert b.get_aggregate("tag_values") == {"app": {"pump": True}, "shutdown_requested": False}
    msgs = await b.list_messages("notifications")
    assert [(m.id, m.data) for m in msgs] == [(mid, {"message": "hi", "severity": 5, "read": True})]
    assert (await b.get_message("notifications", mid)).data["read"] is True  # type: ignore[union-attr]
    assert await b.get_message("notifications", "nope") is None
    await b.close()
    await b.close()  # idempotent


async def test_get_aggregate_is_a_copy(db_path: Path) -> None:
    a = LocalAgent(db_path)
    await a.start()
    await a.update_aggregate("c", {"x": {"y": 1}})
    got = a.get_aggregate("c")
    got["x"]["y"] = 99
    assert a.get_aggregate("c") == {"x": {"y": 1}}
    assert a.get_aggregate("unknown") is None
    await a.close()


async def test_replace_and_merge_semantics(db_path: Path) -> None:
    a = LocalAgent(db_path)
    await a.start()
    assert await a.update_aggregate("c", {"a": 1, "b": {"c": 2}}) == {"a": 1, "b": {"c": 2}}
    assert await a.update_aggregate("c", {"b": {"d": 3}}) == {"a": 1, "b": {"c": 2, "d": 3}}
    assert await a.update_aggregate("c", {"z": 1}, replace=True) == {"z": 1}
    assert await a.update_aggregate("c", {"z": None}) == {}
    await a.close()


async def test_several_listeners_sync_and_echo_author(db_path: Path) -> None:
    a = LocalAgent(db_path, agent_id="me")
    await a.start()
    await a.update_aggregate("ui_state", {"x": 1})
    got1: list[ChannelEvent] = []
    got2: list[ChannelEvent] = []
    unsub1 = a.add_listener("ui_state", got1.append)
    a.add_listener("ui_state", got2.append)
    await wait_for(lambda: bool(got1) and bool(got2))
    assert got1[0].kind == "sync" and got1[0].data == {"x": 1}
    await a.update_aggregate("ui_state", {"y": 2}, author="app1")
    assert got1[-1].kind == got2[-1].kind == "aggregate"
    assert got1[-1].data == {"x": 1, "y": 2} and got1[-1].patch == {"y": 2} and got1[-1].author == "app1"
    unsub1()
    unsub1()
    await a.create_message("ui_state", {"m": 1})
    assert got2[-1].kind == "message_create" and got2[-1].author == "me"
    assert got1[-1].kind == "aggregate"
    await a.close()


async def test_listener_before_start_gets_sync(db_path: Path) -> None:
    a = LocalAgent(db_path)
    got: list[ChannelEvent] = []
    a.add_listener("c", got.append)
    await a.start()
    await wait_for(lambda: bool(got))
    assert got[0].kind == "sync" and got[0].data is None
    await a.close()


async def test_failing_listener_is_logged_and_others_still_fire(db_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    a = LocalAgent(db_path)
    await a.start()
    got: list[ChannelEvent] = []

    def bad(_e: ChannelEvent) -> None:
        raise RuntimeError("boom")

    a.add_listener("c", bad)
    a.add_listener("c", got.append)
    with caplog.at_level(logging.ERROR):
        await a.update_aggregate("c", {"a": 1})
        await a.update_aggregate("c", {"a": 2})
    assert [e.data for e in got if e.kind == "aggregate"] == [{"a": 1}, {"a": 2}]
    assert "boom" in caplog.text
    assert a.statistics().errors >= 2
    await a.close()


async def test_oneshot_not_stored(db_path: Path) -> None:
    a = LocalAgent(db_path)
    await a.start()
    got: list[ChannelEvent] = []
    a.add_listener("c", got.append)
    await a.send_oneshot("c", {"ping": 1})
    assert any(e.kind == "oneshot" and e.data == {"ping": 1} for e in got)
    assert await a.list_messages("c") == []
    await a.close()


async def test_malformed_input_clear_errors_nothing_lost(db_path: Path) -> None:
    a = LocalAgent(db_path)
    await a.start()
    await a.update_aggregate("tag_values", {"app": {"ok": 1}})
    mid = await a.create_message("ui_cmds", {"type": "rpc", "method": "start"})
    with pytest.raises(ChannelMessageError, match=r"'tag_values'.*'bad key'"):
        await a.update_aggregate("tag_values", {"app": {"bad key": 1}})
    with pytest.raises(ChannelMessageError, match=r"'tag_values'.*set"):
        await a.update_aggregate("tag_values", {"app": {"s": {1, 2}}})
    with pytest.raises(ChannelMessageError, match="invalid channel name"):
        await a.create_message("bad channel", {})
    with pytest.raises(ChannelMessageError, match=r"'ui_cmds'.*no message with id 'nope'"):
        await a.update_message("ui_cmds", "nope", {"status": "x"})
    with pytest.raises(ChannelMessageError, match="max_age_secs"):
        await a.update_aggregate("tag_values", {"a": 1}, max_age_secs=float("nan"))
    with pytest.raises(ChannelMessageError, match="max_age_secs"):
        await a.update_aggregate("tag_values", {"a": 1}, max_age_secs="soon")  # type: ignore[arg-type]
    assert a.get_aggregate("tag_values") == {"app": {"ok": 1}}
    # pydoover passes max_age_secs=-1 for "publish now": accepted.
    await a.update_aggregate("ui_state", {"x": 1}, max_age_secs=-1)
    assert a.get_aggregate("ui_state") == {"x": 1}
    assert [m.id for m in await a.list_messages("ui_cmds")] == [mid]

    with open_store(db_path.parent) as store:
        with pytest.raises(ChannelMessageError, match=r"channel 'ui_cmds'.*not valid JSON"):
            store.post_message_json("ui_cmds", "{'single': quotes}")
        with pytest.raises(ChannelMessageError, match=r"'tag_values'.*'a\.b'"):
            store.update_aggregate_json("tag_values", '{"a.b": 1}')
        assert store.get_aggregate("tag_values") == {"app": {"ok": 1}}
        assert [m.id for m in store.list_messages("ui_cmds")] == [mid]
    await a.close()


async def test_not_started_is_a_clear_error(db_path: Path) -> None:
    a = LocalAgent(db_path, agent_id="x")
    with pytest.raises(AgentError, match="not started"):
        await a.update_aggregate("c", {"a": 1})


def test_unopenable_store_is_agent_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(AgentError, match="cannot open agent store"):
        open_store(tmp_path / "file" / "sub")


async def test_cross_process_changes_reach_app_via_poll(db_path: Path) -> None:
    a = LocalAgent(db_path, agent_id="app")
    await a.start()
    await a.update_aggregate("tag_values", {"app": {"level": 1}})
    got: list[ChannelEvent] = []
    a.add_listener("ui_cmds", got.append)
    a.add_listener("tag_values", got.append)
    await wait_for(lambda: len(got) == 2)
    script = (
        "import sys\n"
        "from doover_fsm.agent.store import open_store\n"
        "with open_store(sys.argv[1]) as s:\n"
        "    s.update_aggregate('tag_values', {'shutdown_requested': True})\n"
        "    print(s.post_message_json('ui_cmds', '{\"type\": \"rpc\", \"method\": \"start\"}'))\n"
        "    s.send_oneshot('ui_cmds', {'method': 'ping'})\n"
    )
    out = subprocess.run([PYTHON, "-c", script, str(db_path.parent)], env=subprocess_env(),
                         capture_output=True, text=True, timeout=30, check=True)
    mid = out.stdout.strip()
    a.poll()  # one scan
    kinds = [(e.kind, e.channel) for e in got[2:]]
    assert kinds == [("aggregate", "tag_values"), ("message_create", "ui_cmds"), ("oneshot", "ui_cmds")]
    agg_event, msg_event = got[2], got[3]
    assert agg_event.author == "cli" and agg_event.patch == {"shutdown_requested": True}
    assert msg_event.message_id == mid and msg_event.data["method"] == "start"
    # The CLI's patch merged with the app's state: nothing lost, cache updated.
    assert a.get_aggregate("tag_values") == {"app": {"level": 1}, "shutdown_requested": True}
    # The app's own writes are not delivered twice by poll.
    n = len(got)
    await a.update_message("ui_cmds", mid, {"status": "done", "response": 1})
    a.poll()
    assert len(got) == n + 1 and got[-1].kind == "message_update"
    with open_store(db_path.parent) as s:
        assert s.list_messages("ui_cmds")[0].data["status"] == "done"
    a.poll()
    assert len(got) == n + 1
    await a.close()


async def test_concurrent_writers_keep_each_others_keys(db_path: Path) -> None:
    a = LocalAgent(db_path, agent_id="app")
    await a.start()
    with open_store(db_path.parent) as s:
        for i in range(50):
            await a.update_aggregate("tag_values", {"app": {f"a{i}": i}})
            s.update_aggregate("tag_values", {"cli": {f"c{i}": i}})
    a.poll()
    expected = {"app": {f"a{i}": i for i in range(50)}, "cli": {f"c{i}": i for i in range(50)}}
    assert a.get_aggregate("tag_values") == expected
    await a.close()
    with open_store(db_path.parent) as s:
        assert s.get_aggregate("tag_values") == expected


async def test_many_writes_keep_order(db_path: Path) -> None:
    a = LocalAgent(db_path)
    await a.start()
    ids = await asyncio.gather(*(a.create_message("log", {"i": i}) for i in range(300)))
    msgs = await a.list_messages("log", limit=1000)
    assert [m.data["i"] for m in msgs] == list(range(300))
    assert [m.id for m in msgs] == list(ids)
    assert a.statistics().messages_written == 300
    await a.close()


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOOVER_FSM_DATA_DIR", str(tmp_path / "d"))
    assert default_data_dir() == tmp_path / "d"
    monkeypatch.delenv("DOOVER_FSM_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x" / "doover_fsm"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert default_data_dir() == tmp_path / "h" / ".local" / "share" / "doover_fsm"


def test_kill_9_loses_nothing_acknowledged(db_path: Path) -> None:
    proc = subprocess.Popen([PYTHON, str(HERE / "_local_writer.py"), str(db_path), "100000"],
                            stdout=subprocess.PIPE, text=True, env=subprocess_env())
    assert proc.stdout is not None
    acked: list[tuple[int, str]] = []
    try:
        assert proc.stdout.readline().strip() == "ready"
        while len(acked) < 400:
            line = proc.stdout.readline()
            assert line, "writer exited early"
            _, i, mid = line.split()
            acked.append((int(i), mid))
        proc.send_signal(signal.SIGKILL)
        for line in proc.stdout:  # acks printed before the kill landed are acknowledged too
            if line.startswith("ack"):
                _, i, mid = line.split()
                acked.append((int(i), mid))
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db_path)
    try:
        stored = {r[0] for r in conn.execute("SELECT id FROM messages WHERE channel='log'")}
        agg = conn.execute("SELECT data FROM aggregates WHERE channel='counters'").fetchone()[0]
    finally:
        conn.close()
    assert {mid for _, mid in acked} <= stored
    import json

    assert json.loads(agg)["i"] >= acked[-1][0]
