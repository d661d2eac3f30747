"""The MQTT agent across restarts of the receiver, the sender's store and the broker (issue 11).

Real mosquitto on loopback; agents in-process. What a receiver delivers must be every message
once, in the sender's order, whichever side restarted; aggregates converge to the latest even
when the broker comes back without its retained state.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _agent_testutil import Mosquitto, wait_for

from doover_fsm.agent.base import ChannelEvent
from doover_fsm.agent.mqtt import MqttAgent
from doover_fsm.agent.mqtt_config import SessionOptions, parse_mqtt_url, session_options
from doover_fsm.errors import ConfigError

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path: Path) -> Mosquitto:
    d = tmp_path / "broker"
    d.mkdir()
    b = Mosquitto(d, readme_config=True)
    b.start()
    yield b  # type: ignore[misc]
    b.stop()


@pytest.fixture
async def agents() -> AsyncIterator[list[MqttAgent]]:
    made: list[MqttAgent] = []
    yield made
    for a in made:
        await a.close(timeout=1.0)


def make(made: list[MqttAgent], url: str, store: Path, name: str, **kw: object) -> MqttAgent:
    a = MqttAgent(url, store_path=store, device_id="dev1", agent_id=name, reconnect_delay=(0.05, 0.5),
                  **kw)  # type: ignore[arg-type]
    made.append(a)
    return a


def collect(agent: MqttAgent, channel: str = "log") -> list[int]:
    got: list[int] = []
    agent.add_listener(channel, lambda e: got.append(e.data["i"]) if e.kind == "message_create" else None)
    return got


async def online(*agents: MqttAgent) -> None:
    await wait_for(lambda: all(a.is_online for a in agents), timeout=15)


async def send(a: MqttAgent, rng: range) -> None:
    for i in rng:
        await a.create_message("log", {"i": i})


@pytest.mark.parametrize("query", ["", "?session=clean", "?protocol=3.1.1"])
async def test_receiver_restart_gets_what_it_missed_once_in_order(broker: Mosquitto, tmp_path: Path,
                                                                  agents: list[MqttAgent], query: str) -> None:
    url = broker.url + query
    a = make(agents, url, tmp_path / "a.sqlite3", "a")
    b = make(agents, url, tmp_path / "b.sqlite3", "b")
    got_b = collect(b)
    await a.start()
    await b.start()
    await online(a, b)
    await send(a, range(30))
    await wait_for(lambda: len(got_b) == 30)
    await b.close()
    # While the receiver is down: a persistent session queues these on the broker; a clean one
    # does not, and the sender's log re-sends them when the receiver shows it is behind.
    await send(a, range(30, 60))
    b2 = make(agents, url, tmp_path / "b.sqlite3", "b")
    got_b2 = collect(b2)
    await b2.start()
    await online(b2)
    await send(a, range(60, 90))
    await wait_for(lambda: len(got_b2) >= 60, timeout=15)
    await asyncio.sleep(0.5)  # a late duplicate would show now
    assert got_b2 == list(range(30, 90))
    stats = b2.stream_statistics()
    assert stats.lost == 0
    # A persistent session had the broker queue them; a clean one needed the sender's log.
    assert (stats.replays_requested == 0) == ("clean" not in query), stats


async def test_new_receiver_gets_no_history_but_everything_after_it_joined(broker: Mosquitto, tmp_path: Path,
                                                                          agents: list[MqttAgent]) -> None:
    a = make(agents, broker.url, tmp_path / "a.sqlite3", "a")
    await a.start()
    await online(a)
    await send(a, range(20))
    await asyncio.sleep(0.4)  # a's retained head now says 20
    c = make(agents, broker.url, tmp_path / "c.sqlite3", "c")
    got = collect(c)
    await c.start()
    await online(c)
    await send(a, range(20, 25))
    await wait_for(lambda: len(got) >= 5)
    await asyncio.sleep(1.5)  # past a replay retry: nothing older arrives
    assert got == list(range(20, 25))


async def test_sender_with_a_new_store_starts_a_new_stream(broker: Mosquitto, tmp_path: Path,
                                                           agents: list[MqttAgent]) -> None:
    a = make(agents, broker.url, tmp_path / "a.sqlite3", "a")
    b = make(agents, broker.url, tmp_path / "b.sqlite3", "b")
    got = collect(b)
    await a.start()
    await b.start()
    await online(a, b)
    await send(a, range(5))
    await wait_for(lambda: len(got) == 5)
    await a.close()
    a2 = make(agents, broker.url, tmp_path / "a-new-sd-card.sqlite3", "a")  # same app, replaced store
    await a2.start()
    await online(a2)
    await send(a2, range(5, 10))
    await wait_for(lambda: len(got) >= 10)
    await asyncio.sleep(0.3)
    assert got == list(range(10))


async def test_broker_back_without_its_state_aggregates_converge_and_never_go_back(
        broker: Mosquitto, tmp_path: Path, agents: list[MqttAgent]) -> None:
    a = make(agents, broker.url, tmp_path / "a.sqlite3", "a")
    b = make(agents, broker.url, tmp_path / "b.sqlite3", "b")
    seen: list[int] = []

    def on_event(e: ChannelEvent) -> None:
        if e.kind in ("aggregate", "sync") and isinstance(e.data, dict) and "n" in e.data:
            seen.append(e.data["n"])

    b.add_listener("counter", on_event)
    await a.start()
    await b.start()
    await online(a, b)
    await a.update_aggregate("state", {"mode": "auto", "setpoint": 4})
    for n in range(40):
        if n == 20:
            broker.kill()
            # The broker comes back with nothing: its persistence file never got a save.
            for f in broker.dir.glob("*.db"):
                f.unlink()
            broker.start()
        await a.update_aggregate("counter", {"n": n})
        await asyncio.sleep(0.01)
    await wait_for(lambda: b.get_aggregate("counter") == {"n": 39}, timeout=15)
    assert seen == sorted(seen) and seen[-1] == 39  # order per key: never an older value after a newer one
    # Nobody writes "state" again: the retained copy the broker lost is put back by its writers.
    late = make(agents, broker.url, tmp_path / "late.sqlite3", "late")
    await late.start()
    await online(late)
    await wait_for(lambda: late.get_aggregate("state") == {"mode": "auto", "setpoint": 4}, timeout=10)


async def test_broker_killed_mid_stream_in_process(broker: Mosquitto, tmp_path: Path,
                                                   agents: list[MqttAgent]) -> None:
    a = make(agents, broker.url, tmp_path / "a.sqlite3", "a")
    b = make(agents, broker.url, tmp_path / "b.sqlite3", "b")
    got = collect(b)
    await a.start()
    await b.start()
    await online(a, b)
    for i in range(150):
        if i in (40, 100):
            broker.kill()
            broker.start()
        await a.create_message("log", {"i": i})
        await asyncio.sleep(0.002)
    await wait_for(lambda: len(got) >= 150, timeout=20)
    await asyncio.sleep(0.3)
    assert got == list(range(150))


async def test_broker_socket_has_no_nagle_delay(broker: Mosquitto, tmp_path: Path,
                                                agents: list[MqttAgent]) -> None:
    a = make(agents, broker.url, tmp_path / "a.sqlite3", "a")
    await a.start()
    await online(a)
    sock = a._client.socket()
    assert isinstance(sock, socket.socket)
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_session_options_from_url_env_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert session_options(parse_mqtt_url("mqtt://h/site"), env={}) == SessionOptions(True, 86_400, "5")
    u = parse_mqtt_url("mqtt://h/site?session=clean&session_expiry=60&protocol=3.1.1")
    assert session_options(u, env={}) == SessionOptions(False, 60, "3.1.1")
    env = {"DOOVER_MQTT_SESSION": "clean", "DOOVER_MQTT_SESSION_EXPIRY": "5"}
    assert session_options(parse_mqtt_url("mqtt://h"), env=env) == SessionOptions(False, 5, "5")
    # The URL wins over the environment.
    assert session_options(parse_mqtt_url("mqtt://h?session=persistent"), env=env).persistent
    for bad, why in [("mqtt://h?sesion=clean", "unknown option 'sesion' \\(did you mean 'session'\\?\\)"),
                     ("mqtt://h?session=forever", "session='forever': must be 'persistent' or 'clean'"),
                     ("mqtt://h?session_expiry=-1", "session_expiry='-1': must be whole seconds"),
                     ("mqtt://h?protocol=4", "protocol='4'")]:
        with pytest.raises(ConfigError, match=why):
            parse_mqtt_url(bad)
    with pytest.raises(ConfigError, match="environment variable DOOVER_MQTT_SESSION: session='yes'"):
        session_options(parse_mqtt_url("mqtt://h"), env={"DOOVER_MQTT_SESSION": "yes"})
    monkeypatch.setenv("DOOVER_MQTT_SESSION", "clean")
    assert not MqttAgent("mqtt://h", store_path=tmp_path / "x.sqlite3", device_id="d", agent_id="x").session.persistent
    assert MqttAgent("mqtt://h", store_path=tmp_path / "x.sqlite3", device_id="d", agent_id="x",
                     persistent_session=True).session.persistent


def test_client_ids_are_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOOVER_DEVICE_ID", "pump-7")
    a = MqttAgent.for_app("mqtt://h/site", data_dir=tmp_path, app_key="flow.meter")
    assert (a.device_id, a.agent_id, a.store_path) == ("pump-7", "flow-meter", tmp_path / "outbox-flow.meter.sqlite3")
    assert a._client._client_id == b"pump-7-flow-meter"
    # Without an agent id, the store remembers the one it made: the same client id after a restart.
    first = MqttAgent("mqtt://h", store_path=tmp_path / "s.sqlite3", device_id="d").agent_id
    assert MqttAgent("mqtt://h", store_path=tmp_path / "s.sqlite3", device_id="d").agent_id == first
    assert MqttAgent("mqtt://h", store_path=tmp_path / "other.sqlite3", device_id="d").agent_id != first
    monkeypatch.setenv("DOOVER_DEVICE_ID", "pump 7")
    with pytest.raises(ConfigError, match="DOOVER_DEVICE_ID='pump 7'"):
        MqttAgent.for_app("mqtt://h/site", data_dir=tmp_path, app_key="x")
    monkeypatch.delenv("DOOVER_DEVICE_ID")
    assert "." not in MqttAgent.for_app("mqtt://h/site", data_dir=tmp_path, app_key="x").device_id


def test_readme_broker_has_no_extra_settings(tmp_path: Path) -> None:
    """The fault tests' broker is configured as the README says (no autosave tuning, no queue limit)."""
    m = Mosquitto(tmp_path, readme_config=True)
    conf = m.conf.read_text()
    assert "persistence true" in conf and "autosave" not in conf and "max_queued" not in conf
    assert shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists()
