"""The MQTT agent against a real mosquitto on loopback (started per test on a free port)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _agent_testutil import HERE, PYTHON, Mosquitto, subprocess_env, wait_for

from doover_fsm.agent.base import ChannelEvent
from doover_fsm.agent.mqtt import MqttAgent, TlsOptions
from doover_fsm.agent.mqtt_config import parse_mqtt_url
from doover_fsm.errors import ConfigError

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path: Path) -> Mosquitto:
    d = tmp_path / "broker"
    d.mkdir()
    b = Mosquitto(d)
    b.start()
    yield b  # type: ignore[misc]
    b.stop()


@pytest.fixture
async def agents(tmp_path: Path) -> AsyncIterator[list[MqttAgent]]:
    made: list[MqttAgent] = []
    yield made
    for a in made:
        await a.close(timeout=1.0)


def make(made: list[MqttAgent], url: str, tmp_path: Path, name: str, **kw: object) -> MqttAgent:
    a = MqttAgent(url, store_path=tmp_path / f"{name}.sqlite3", device_id="dev1", agent_id=name, **kw)  # type: ignore[arg-type]
    made.append(a)
    return a


async def online(*agents: MqttAgent) -> None:
    await wait_for(lambda: all(a.is_online for a in agents), timeout=15)


async def test_two_agents_exchange_aggregates_messages_and_sync(broker: Mosquitto, tmp_path: Path,
                                                                agents: list[MqttAgent]) -> None:
    a = make(agents, broker.url, tmp_path, "a")
    changes: list[bool] = []
    a.on_connection_change(changes.append)
    await a.start()
    await online(a)
    assert changes == [True]
    await a.update_aggregate("tag_values", {"app": {"level": 3}})
    b = make(agents, broker.url, tmp_path, "b")
    got: list[ChannelEvent] = []
    b.add_listener("tag_values", got.append)
    b.add_listener("ui_cmds", got.append)
    await b.start()
    await online(b)
    # Retained state arrives on subscribe: the sync event carries it.
    await wait_for(lambda: b.get_aggregate("tag_values") == {"app": {"level": 3}})
    await wait_for(lambda: any(e.kind == "sync" and e.data == {"app": {"level": 3}} for e in got))
    mid = await a.create_message("ui_cmds", {"type": "rpc", "method": "go"})
    await a.update_message("ui_cmds", mid, {"status": "ok"})
    await a.send_oneshot("ui_cmds", {"ping": 1})
    await wait_for(lambda: [e.kind for e in got if e.channel == "ui_cmds" and e.kind != "sync"]
                   == ["message_create", "message_update", "oneshot"])
    upd = next(e for e in got if e.kind == "message_update")
    assert upd.data == {"type": "rpc", "method": "go", "status": "ok"} and upd.author == "a"
    assert [m.id for m in await b.list_messages("ui_cmds")] == [mid]
    await b.update_aggregate("tag_values", {"app": {"level": None, "pump": True}})
    await wait_for(lambda: a.get_aggregate("tag_values") == {"app": {"pump": True}})
    assert a.statistics().online


async def test_cross_process_merge_of_different_keys(broker: Mosquitto, tmp_path: Path,
                                                     agents: list[MqttAgent]) -> None:
    procs = [subprocess.Popen([PYTHON, str(HERE / "_mqtt_peer.py"), "merge", broker.url,
                               str(tmp_path / f"p{i}.sqlite3"), "dev1", f"p{i}", f"p{i}_", "40"],
                              stdout=subprocess.PIPE, text=True, env=subprocess_env()) for i in range(2)]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "done"
            p.wait(30)
    finally:
        for p in procs:
            p.kill()
            p.wait()
            p.stdout.close()  # type: ignore[union-attr]
    expected_keys = {f"p{i}_{k}" for i in range(2) for k in range(40)}
    c = make(agents, broker.url, tmp_path, "observer")
    await c.start()
    await online(c)
    await wait_for(lambda: set((c.get_aggregate("shared") or {}).get("nested", {})) == expected_keys)
    agg = c.get_aggregate("shared")
    assert set(agg) - {"nested"} == expected_keys


async def test_concurrent_writers_converge_and_go_quiet(broker: Mosquitto, tmp_path: Path,
                                                        agents: list[MqttAgent]) -> None:
    """Three agents patch one aggregate at once (own keys + one contested key): all end equal.

    Regression for two stalls: an ABBA deadlock between the agent lock and paho's outgoing-message
    mutex (PUBACK callback vs. publish), and snapshots ping-ponged forever between busy writers.
    """
    trio = [make(agents, broker.url, tmp_path, f"w{i}") for i in range(3)]
    for a in trio:
        await a.start()
    await online(*trio)

    async def write(a: MqttAgent) -> None:
        for k in range(60):
            await a.update_aggregate("shared", {a.agent_id: {f"k{k}": k}, "last": a.agent_id})

    await asyncio.gather(*(write(a) for a in trio))
    expected = {a.agent_id: {f"k{k}": k for k in range(60)} for a in trio}
    await wait_for(lambda: all({k: v for k, v in (a.get_aggregate("shared") or {}).items() if k != "last"}
                               == expected for a in trio), timeout=30)
    await wait_for(lambda: len({(a.get_aggregate("shared") or {}).get("last") for a in trio}) == 1)
    assert trio[0].get_aggregate("shared")["last"] in {"w0", "w1", "w2"}
    # A late joiner gets the same union from the retained state.
    late = make(agents, broker.url, tmp_path, "late")
    await late.start()
    await online(late)
    await wait_for(lambda: late.get_aggregate("shared") == trio[0].get_aggregate("shared"))


async def test_broker_restart_loses_no_message_and_keeps_order(broker: Mosquitto, tmp_path: Path,
                                                              agents: list[MqttAgent]) -> None:
    sender = make(agents, broker.url, tmp_path, "sender")
    receiver = make(agents, broker.url, tmp_path, "receiver", persistent_session=True)
    got: list[int] = []
    states: list[bool] = []
    receiver.add_listener("log", lambda e: got.append(e.data["i"]) if e.kind == "message_create" else None)
    sender.on_connection_change(states.append)
    await sender.start()
    await receiver.start()
    await online(sender, receiver)
    n = 150
    for i in range(n):
        if i == 50:
            broker.stop()
            await wait_for(lambda: not sender.is_online, timeout=10)
        if i == 100:
            assert sender.statistics().outbox_depth >= 50
            broker.start()
        await sender.create_message("log", {"i": i})
        await sender.update_aggregate("counter", {"i": i})
        await asyncio.sleep(0.002)
    await wait_for(lambda: len(got) >= n, timeout=30)
    assert got == list(range(n))
    await wait_for(lambda: receiver.get_aggregate("counter") == {"i": n - 1})
    assert states[:2] == [True, False] and states[-1] is True
    await wait_for(lambda: sender.statistics().outbox_depth == 0)


async def test_kill_9_then_restart_gets_state_back(broker: Mosquitto, tmp_path: Path,
                                                   agents: list[MqttAgent]) -> None:
    store = tmp_path / "victim.sqlite3"
    proc = subprocess.Popen([PYTHON, str(HERE / "_mqtt_peer.py"), "write", broker.url, str(store), "dev1",
                             "victim", "100000"], stdout=subprocess.PIPE, text=True, env=subprocess_env())
    acked = -1
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        while acked < 80:
            acked = int(proc.stdout.readline().split()[1])
        proc.send_signal(signal.SIGKILL)
        for line in proc.stdout:
            if line.startswith("ack"):
                acked = int(line.split()[1])
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
    again = MqttAgent(broker.url, store_path=store, device_id="dev1", agent_id="victim")
    agents.append(again)
    await again.start()
    # Local store answers at once, before the broker is even reached.
    state = again.get_aggregate("state")
    assert all(state[f"k{i}"] == i for i in range(acked + 1))
    await online(again)
    observer = make(agents, broker.url, tmp_path, "obs")
    await observer.start()
    await online(observer)
    await wait_for(lambda: all((observer.get_aggregate("state") or {}).get(f"k{i}") == i
                               for i in range(acked + 1)))
    await wait_for(lambda: again.statistics().outbox_depth == 0)


async def test_offline_start_then_broker_appears(tmp_path: Path, agents: list[MqttAgent]) -> None:
    d = tmp_path / "late"
    d.mkdir()
    b = Mosquitto(d)
    a = make(agents, b.url, tmp_path, "early")
    await a.start()
    assert not a.is_online
    await a.update_aggregate("c", {"x": 1})
    mid = await a.create_message("m", {"hello": 1})
    assert a.get_aggregate("c") == {"x": 1}
    assert a.statistics().outbox_depth == 1
    b.start()
    try:
        await online(a)
        o = make(agents, b.url, tmp_path, "late_obs")
        await o.start()
        await online(o)
        await wait_for(lambda: o.get_aggregate("c") == {"x": 1})
        await wait_for(lambda: a.statistics().outbox_depth == 0)
        assert mid
    finally:
        for ag in agents:
            await ag.close(timeout=1.0)
        agents.clear()
        b.stop()


def test_url_parsing_and_tls_validation(tmp_path: Path) -> None:
    u = parse_mqtt_url("mqtt://")
    assert (u.host, u.port, u.prefix, u.tls, u.username) == ("127.0.0.1", 1883, "doover", False, None)
    u = parse_mqtt_url("mqtts://us%40r:p%3Ass@broker.example:9999/fleet/site-1")
    assert (u.host, u.port, u.prefix, u.tls, u.username, u.password) == (
        "broker.example", 9999, "fleet/site-1", True, "us@r", "p:ss")
    assert parse_mqtt_url("mqtts://h").port == 8883
    for bad, why in [("http://h", "scheme"), ("mqtt://h:99999", "out of range|Port"),
                     ("mqtt://h/a+b", "prefix"), ("mqtt://h?x=1", "unknown option .x.")]:
        with pytest.raises(ConfigError, match=why):
            parse_mqtt_url(bad)
    with pytest.raises(ConfigError, match=r"ca_certs=.*does not exist"):
        TlsOptions(ca_certs=tmp_path / "nope.pem").validate()
    with pytest.raises(ConfigError, match="keyfile is set without certfile"):
        (tmp_path / "k.pem").write_text("x")
        TlsOptions(keyfile=tmp_path / "k.pem").validate()
    (tmp_path / "garbage.pem").write_text("not a cert")
    with pytest.raises(ConfigError, match="cannot be loaded"):
        TlsOptions(certfile=tmp_path / "garbage.pem").validate()
    with pytest.raises(ConfigError, match="not a CA bundle"):
        TlsOptions(ca_certs=tmp_path / "garbage.pem").validate()
    with pytest.raises(ConfigError, match="ca_certs"):
        MqttAgent("mqtts://h/x", store_path=tmp_path / "s", device_id="d",
                  tls=TlsOptions(ca_certs=tmp_path / "missing.pem"))
