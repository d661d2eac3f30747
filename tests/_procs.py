"""Helpers for tests that run the app as a real process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from doover_fsm.agent.store import open_store


def finish(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    """Signal ``proc`` (if still running) and collect its output; never leaves pipes open."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


COUNTER_APP = textwrap.dedent('''
    from doover_fsm import Application, tags

    class T(tags.Tags):
        counter = tags.Integer(default=0)
        stopped = tags.Boolean(default=False)

    class CounterApp(Application):
        tags_cls = T

        def setup(self):
            self.loop_target_period = 0.02
            self.set_tag("started_from", self.tags.counter.value)

        async def main_loop(self):
            self.tags.counter.set(self.tags.counter.value + 1, log=True)
            await self.platform_iface.set_do(0, True)

        def teardown(self):
            self.tags.stopped.set(True)

    class FailingApp(Application):
        def setup(self):
            self.loop_target_period = 0.05

        def main_loop(self):
            raise RuntimeError("always broken")

    class StormApp(Application):
        loop_target_period = 0.01

        def main_loop(self):
            raise ValueError("bad reading " + str(self.get_tag("n", default=0)))

    class SetupFails(Application):
        loop_target_period = 0.05

        def setup(self):
            raise OSError("sensor bus not found")
''')


@pytest.fixture
def app_file(tmp_path: Path) -> Path:
    f = tmp_path / "counter_app.py"
    f.write_text(COUNTER_APP)
    return f


def spawn_app(app_file: Path, cls: str, data_dir: Path, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    env = dict(os.environ, DOOVER_VIRTUAL_DIR=str(tmp_path / "virtual"), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "doover_fsm.cli", "run", f"{app_file}:{cls}", "--board", "virtual",
         "--app-key", "counter", "--data-dir", str(data_dir), *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(pred: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


def counter_of(data_dir: Path) -> int:
    if not (data_dir / "agent.sqlite3").exists():
        return 0
    with open_store(data_dir) as store:
        return int(((store.get_aggregate("tag_values") or {}).get("counter") or {}).get("counter") or 0)


def logged_points(data_dir: Path) -> list[int]:
    with open_store(data_dir) as store:
        msgs = store.list_messages("tag_values", limit=100_000)
    return [m.data["counter"]["counter"] for m in msgs if "counter" in m.data.get("counter", {})]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health_of(port: int) -> tuple[int, dict[str, Any]]:
    """(status, body) of the app's health endpoint; (0, {}) while it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
    except OSError:
        return 0, {}


