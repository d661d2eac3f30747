"""Apps as real processes sharing channels through a real mosquitto on loopback (issue 7).

Each test starts its own broker (``tests._mosquitto``) and runs apps with
``python -m doover_fsm.cli run FILE:Class --agent mqtt://127.0.0.1:PORT/PREFIX``; the test
watches (and, for the shutdown handshake, coordinates) through its own :class:`MqttAgent`.
Only the Application API is used inside the apps: tags, ``subscribe``, ``create_message``,
states with ``shutdown_safe``, ``on_shutdown_at`` and the ``agent_online`` trigger.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _apptest import make, started

from doover_fsm import Application
from doover_fsm.agent.mqtt import MqttAgent
from tests._mosquitto import Mosquitto
from tests._procs import finish

pytestmark = pytest.mark.integration

APPS = textwrap.dedent('''
    from doover_fsm import Application


    class Publisher(Application):
        """Publishes a level; once the reactor has seen it, posts an alert message."""

        def setup(self):
            self.loop_target_period = 0.02
            self.set_tag("level", 7)
            self.alerted = False

        async def main_loop(self):
            if not self.alerted and self.get_tag("seen_level", app_key="reactor") == 7:
                self.alerted = True
                await self.create_message("alerts", {"from": self.app_key, "level": 7})


    class Reactor(Application):
        """Mirrors the publisher's level into its own tag; records alert messages."""

        def setup(self):
            self.loop_target_period = 0.02
            self.subscribe("alerts")

        def main_loop(self):
            level = self.get_tag("level", app_key="publisher")
            if level is not None:
                self.set_tag("seen_level", level)

        async def on_message_create(self, event):
            self.set_tag("alert_from", event.data["from"])
            self.set_tag("alert_level", event.data["level"])


    class SafeApp(Application):
        """No machine: always safe to shut down."""

        def setup(self):
            self.loop_target_period = 0.02

        async def on_shutdown_at(self, dt):
            self.set_tag("shutdown_at_seen", dt.timestamp())


    class BusyApp(Application):
        """Not safe to shut down while ``working``; the tag ``go_idle`` moves it to ``idle``."""

        states = ["working", {"name": "idle", "shutdown_safe": True}]
        transitions = [{"trigger": "tag_go_idle", "source": "working", "dest": "idle"}]
        initial = "working"

        def setup(self):
            self.loop_target_period = 0.02

        async def on_shutdown_at(self, dt):
            self.set_tag("shutdown_at_seen", dt.timestamp())


    class Counter(Application):
        """Counts once online (so it continues from the broker's retained state, not from 0)."""

        states = ["waiting", "running"]
        transitions = [{"trigger": "agent_online", "source": "waiting", "dest": "running", "after": "resume"}]
        initial = "waiting"

        def setup(self):
            self.loop_target_period = 0.02
            self.boots = (self.get_tag("boots") or 0) + 1
            # From the local store (setup runs before the broker is reached). Written in the
            # first scan, in one commit, so whoever sees this boot number sees started_from too.
            # (Not in setup: the initial tag_values sync would revert writes made in setup.)
            self.boot_facts = {"boots": self.boots, "started_from": self.get_tag("counter") or 0}

        def resume(self, event=None):
            # After the broker's retained aggregate (agent_online comes after the sync).
            self.set_tags({"resumed_boot": self.boots, "resumed_from": self.get_tag("counter") or 0})

        def main_loop(self):
            if self.boot_facts:
                self.set_tags(self.boot_facts)
                self.boot_facts = None
            if self.machine.is_state("running"):
                self.set_tag("counter", (self.get_tag("counter") or 0) + 1)
''')


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    d = tmp_path / "broker"
    d.mkdir()
    b = Mosquitto(d, prefix="site")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def app_file(tmp_path: Path) -> Path:
    f = tmp_path / "mqtt_apps.py"
    f.write_text(APPS)
    return f


@pytest.fixture
async def observer(broker: Mosquitto, tmp_path: Path) -> AsyncIterator[MqttAgent]:
    """The test's own agent on the same device topics: watches tags, acts as shutdown coordinator."""
    agent = MqttAgent(broker.url, store_path=tmp_path / "observer.sqlite3", device_id="dev1", agent_id="observer")
    await agent.start()
    await wait_until(lambda: agent.is_online)
    yield agent
    await agent.close(timeout=1.0)


class Apps:
    """The app processes of one test; every one is stopped (and its pipe closed) at the end."""

    def __init__(self, app_file: Path, broker: Mosquitto, tmp_path: Path) -> None:
        self.app_file, self.broker, self.tmp_path = app_file, broker, tmp_path
        self.procs: list[subprocess.Popen[str]] = []

    def spawn(self, cls: str, app_key: str, data_dir: Path | None = None) -> subprocess.Popen[str]:
        env = dict(os.environ, DOOVER_VIRTUAL_DIR=str(self.tmp_path / f"virtual-{app_key}"),
                   DOOVER_DEVICE_ID="dev1", PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(
            [sys.executable, "-m", "doover_fsm.cli", "run", f"{self.app_file}:{cls}", "--board", "virtual",
             "--app-key", app_key, "--data-dir", str(data_dir or self.tmp_path / f"data-{app_key}"),
             "--agent", self.broker.url],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(proc)
        return proc

    finish = staticmethod(finish)

    def close(self) -> None:
        for proc in self.procs:
            self.finish(proc, signal.SIGKILL)


@pytest.fixture
def apps(app_file: Path, broker: Mosquitto, tmp_path: Path) -> Iterator[Apps]:
    a = Apps(app_file, broker, tmp_path)
    yield a
    a.close()


async def wait_until(pred: Callable[[], object], timeout: float = 20.0) -> Any:
    """Await until ``pred()`` is truthy (returns it), else fail the test."""
    end = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)


def tag(agent: MqttAgent, app_key: str, name: str) -> Any:
    return ((agent.get_aggregate("tag_values") or {}).get(app_key) or {}).get(name)


async def test_two_apps_exchange_tags_and_messages(apps: Apps, observer: MqttAgent) -> None:
    pub = apps.spawn("Publisher", "publisher")
    react = apps.spawn("Reactor", "reactor")
    # B read A's tag through the broker and wrote its own; A saw that and posted a message B got.
    await wait_until(lambda: tag(observer, "reactor", "seen_level") == 7)
    await wait_until(lambda: tag(observer, "reactor", "alert_from") == "publisher")
    assert tag(observer, "reactor", "alert_level") == 7
    assert tag(observer, "publisher", "level") == 7
    assert [m.data for m in await observer.list_messages("alerts")] == [{"from": "publisher", "level": 7}]
    for proc in (pub, react):
        out = apps.finish(proc)
        assert proc.returncode == 0, out


async def test_shutdown_handshake_across_processes(apps: Apps, observer: MqttAgent) -> None:
    safe = apps.spawn("SafeApp", "safe")
    busy = apps.spawn("BusyApp", "busy")
    # The coordinator (this test) asks; each app answers from its states (an app that starts
    # later gets the request from the retained aggregate).
    await observer.update_aggregate("tag_values", {"shutdown_requested": True})
    await wait_until(lambda: tag(observer, "safe", "shutdown_check_ok") is True)
    await wait_until(lambda: tag(observer, "busy", "shutdown_check_ok") is False)
    await observer.update_aggregate("tag_values", {"busy": {"go_idle": True}})
    await wait_until(lambda: tag(observer, "busy", "shutdown_check_ok") is True)
    at = int(time.time()) + 120
    await observer.update_aggregate("tag_values", {"shutdown_at": at})
    await wait_until(lambda: tag(observer, "safe", "shutdown_at_seen") == at)
    await wait_until(lambda: tag(observer, "busy", "shutdown_at_seen") == at)
    for proc in (safe, busy):
        out = apps.finish(proc)
        assert proc.returncode == 0, out


async def test_kill_9_restart_gets_state_back_from_store_and_retained_aggregate(
        apps: Apps, observer: MqttAgent, tmp_path: Path) -> None:
    data = tmp_path / "data-counter"
    proc = apps.spawn("Counter", "counter", data)
    seen = await wait_until(lambda: (tag(observer, "counter", "counter") or 0) >= 20 and
                            tag(observer, "counter", "counter"))
    apps.finish(proc, signal.SIGKILL)

    # Same data dir: the local store has at least what the broker had before setup() runs.
    proc = apps.spawn("Counter", "counter", data)
    await wait_until(lambda: tag(observer, "counter", "boots") == 2)
    started_from = tag(observer, "counter", "started_from")
    assert started_from >= seen
    await wait_until(lambda: (tag(observer, "counter", "counter") or 0) > started_from)
    out = apps.finish(proc)
    assert proc.returncode == 0, out
    final = tag(observer, "counter", "counter")

    # Empty data dir (a replaced SD card): the retained aggregate brings the tags back.
    proc = apps.spawn("Counter", "counter", tmp_path / "fresh")
    await wait_until(lambda: tag(observer, "counter", "boots") == 1)  # its own newer write wins (LWW)
    await wait_until(lambda: tag(observer, "counter", "resumed_boot") == 1)
    resumed = tag(observer, "counter", "resumed_from")
    assert resumed >= final
    await wait_until(lambda: (tag(observer, "counter", "counter") or 0) > resumed)
    out = apps.finish(proc)
    assert proc.returncode == 0, out


class ConnApp(Application):
    """Follows the agent's connection in its states (in-process, test mode)."""

    states = ["offline", "online"]
    transitions = [
        {"trigger": "agent_online", "source": "offline", "dest": "online"},
        {"trigger": "agent_offline", "source": "online", "dest": "offline"},
    ]
    initial = "offline"


async def test_connection_changes_become_agent_online_and_offline_events(broker: Mosquitto, tmp_path: Path,
                                                                         data_dir: Path) -> None:
    agent = MqttAgent(broker.url, store_path=tmp_path / "conn.sqlite3", device_id="dev1", agent_id="conn",
                      reconnect_delay=(0.1, 0.5))
    app = make(ConnApp, data_dir, device_agent=agent)

    async def scan_until(state: str) -> None:
        async def ok() -> bool:
            await app.next()
            return bool(app.machine and app.machine.is_state(state))

        end = time.monotonic() + 20
        while not await ok():
            assert time.monotonic() < end, f"the app never reached {state!r}"
            await asyncio.sleep(0.02)

    async with started(app):
        await scan_until("online")
        broker.stop()
        await scan_until("offline")
        broker.start()
        await scan_until("online")
