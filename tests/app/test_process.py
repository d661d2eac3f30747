"""The app as a real process: SIGTERM, restart persistence, kill -9, health endpoint, CLI."""

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

import pytest

from doover_fsm.agent.store import open_store
from tests._procs import finish

pytestmark = pytest.mark.integration

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
''')


@pytest.fixture
def app_file(tmp_path: Path) -> Path:
    f = tmp_path / "counter_app.py"
    f.write_text(COUNTER_APP)
    return f


def _spawn(app_file: Path, cls: str, data_dir: Path, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    env = dict(os.environ, DOOVER_VIRTUAL_DIR=str(tmp_path / "virtual"), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "doover_fsm.cli", "run", f"{app_file}:{cls}", "--board", "virtual",
         "--app-key", "counter", "--data-dir", str(data_dir), *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_for(pred: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


def _counter(data_dir: Path) -> int:
    if not (data_dir / "agent.sqlite3").exists():
        return 0
    with open_store(data_dir) as store:
        return int(((store.get_aggregate("tag_values") or {}).get("counter") or {}).get("counter") or 0)


def _logged(data_dir: Path) -> list[int]:
    with open_store(data_dir) as store:
        msgs = store.list_messages("tag_values", limit=100_000)
    return [m.data["counter"]["counter"] for m in msgs if "counter" in m.data.get("counter", {})]


def test_sigterm_stops_cleanly_runs_teardown_flushes_tags_and_outputs_go_safe(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = _spawn(app_file, "CounterApp", data, tmp_path)
    try:
        _wait_for(lambda: _counter(data) >= 5)
        outputs = tmp_path / "virtual" / "outputs.json"
        _wait_for(lambda: outputs.exists() and json.loads(outputs.read_text())["do"].get("0") is True)
        out = finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    assert proc.returncode == 0, out
    with open_store(data) as store:
        tags = store.get_aggregate("tag_values")["counter"]
    assert tags.get("stopped") is True, out  # teardown ran and its write was flushed
    assert json.loads(outputs.read_text())["do"]["0"] is False  # safe value before release
    assert "stopping counter (SIGTERM)" in out


def test_kill_9_loses_no_committed_record_and_a_restart_continues(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = _spawn(app_file, "CounterApp", data, tmp_path)
    try:
        _wait_for(lambda: _counter(data) >= 30)
        seen_counter = _counter(data)
        seen_points = _logged(data)
        finish(proc, signal.SIGKILL)  # no handler, no flush
    finally:
        finish(proc, signal.SIGKILL)
    after_counter = _counter(data)
    after_points = _logged(data)
    assert after_counter >= seen_counter
    assert after_points[: len(seen_points)] == seen_points  # every committed point survived, in order
    assert after_points == list(range(1, len(after_points) + 1))  # and no gaps among them

    proc = _spawn(app_file, "CounterApp", data, tmp_path)
    try:
        _wait_for(lambda: _counter(data) >= after_counter + 5)
        finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    with open_store(data) as store:
        tags = store.get_aggregate("tag_values")["counter"]
    assert tags["started_from"] == after_counter  # the restarted app got its state back


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
    except OSError:
        return 0, {}


@pytest.mark.parametrize(("cls", "expected"), [("CounterApp", 200), ("FailingApp", 503)])
def test_health_endpoint(app_file: Path, tmp_path: Path, cls: str, expected: int) -> None:
    port = _free_port()
    proc = _spawn(app_file, cls, tmp_path / "data", tmp_path, "--healthcheck-port", str(port))
    try:
        def settled() -> tuple[int, dict] | None:
            status, body = _health(port)
            return (status, body) if status == expected and body.get("scans", 0) >= 3 else None

        _status, body = _wait_for(settled)  # type: ignore[misc]
        assert body["app_key"] == "counter"
        if expected == 503:
            assert body["consecutive_failures"] >= 3 and body["errors_total"] >= 3
        else:
            assert body["consecutive_failures"] == 0
        assert body["events_dropped"] == 0 and body["tag_log_drops"] == 0 and body["overruns"] >= 0
        finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    assert proc.returncode == 0


def test_cli_channel_post_reaches_a_running_app_and_tags_show(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = _spawn(app_file, "CounterApp", data, tmp_path)
    try:
        _wait_for(lambda: _counter(data) >= 3)
        cli = [sys.executable, "-m", "doover_fsm.cli"]
        r = subprocess.run([*cli, "channel", "patch", "tag_values", '{"counter": {"counter": 1000}}',
                            "--data-dir", str(data)], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        _wait_for(lambda: _counter(data) > 1000)  # the running app picked the write up and kept counting
        r = subprocess.run([*cli, "tags", "counter", "--data-dir", str(data)], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0 and json.loads(r.stdout)["counter"] > 1000
        r = subprocess.run([*cli, "channel", "post", "alarms", "{oops", "--data-dir", str(data)],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and "alarms" in r.stderr and "JSON" in r.stderr
        r = subprocess.run([*cli, "channel", "show", "tag_values", "--data-dir", str(data)],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and json.loads(r.stdout)["channel"] == "tag_values"
        assert proc.poll() is None
    finally:
        finish(proc)


def test_realtime_knobs_are_applied_or_refused_clearly_and_the_app_runs(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = _spawn(app_file, "CounterApp", data, tmp_path, "--rt-priority", "10", "--cpu", "0",
                  "--timer-slack-ns", "1000")
    try:
        _wait_for(lambda: _counter(data) >= 5)
        out = finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    assert proc.returncode == 0, out
    knob_lines = [line for line in out.splitlines() if "real-time" in line]
    assert len(knob_lines) == 3, out  # one line per knob: applied, or refused with the reason
    assert any("SCHED_FIFO" in line or "priority" in line for line in knob_lines)
