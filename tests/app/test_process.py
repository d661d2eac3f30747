"""The app as a real process: SIGTERM, restart persistence, kill -9, health endpoint, CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from doover_fsm.agent.store import open_store
from tests._procs import app_file, counter_of, finish, free_port, health_of, logged_points, spawn_app, wait_for

__all__ = ["app_file"]  # a fixture

pytestmark = pytest.mark.integration

def test_sigterm_stops_cleanly_runs_teardown_flushes_tags_and_outputs_go_safe(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = spawn_app(app_file, "CounterApp", data, tmp_path)
    try:
        wait_for(lambda: counter_of(data) >= 5)
        outputs = tmp_path / "virtual" / "outputs.json"
        wait_for(lambda: outputs.exists() and json.loads(outputs.read_text())["do"].get("0") is True)
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
    proc = spawn_app(app_file, "CounterApp", data, tmp_path)
    try:
        wait_for(lambda: counter_of(data) >= 30)
        seen_counter = counter_of(data)
        seen_points = logged_points(data)
        finish(proc, signal.SIGKILL)  # no handler, no flush
    finally:
        finish(proc, signal.SIGKILL)
    after_counter = counter_of(data)
    after_points = logged_points(data)
    assert after_counter >= seen_counter
    assert after_points[: len(seen_points)] == seen_points  # every committed point survived, in order
    assert after_points == list(range(1, len(after_points) + 1))  # and no gaps among them

    proc = spawn_app(app_file, "CounterApp", data, tmp_path)
    try:
        wait_for(lambda: counter_of(data) >= after_counter + 5)
        finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    with open_store(data) as store:
        tags = store.get_aggregate("tag_values")["counter"]
    assert tags["started_from"] == after_counter  # the restarted app got its state back


@pytest.mark.parametrize(("cls", "expected"), [("CounterApp", 200), ("FailingApp", 503)])
def test_health_endpoint(app_file: Path, tmp_path: Path, cls: str, expected: int) -> None:
    port = free_port()
    proc = spawn_app(app_file, cls, tmp_path / "data", tmp_path, "--healthcheck-port", str(port))
    try:
        def settled() -> tuple[int, dict] | None:
            status, body = health_of(port)
            return (status, body) if status == expected and body.get("scans", 0) >= 3 else None

        _status, body = wait_for(settled)  # type: ignore[misc]
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
    proc = spawn_app(app_file, "CounterApp", data, tmp_path)
    try:
        wait_for(lambda: counter_of(data) >= 3)
        cli = [sys.executable, "-m", "doover_fsm.cli"]
        r = subprocess.run([*cli, "channel", "patch", "tag_values", '{"counter": {"counter": 1000}}',
                            "--data-dir", str(data)], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        wait_for(lambda: counter_of(data) > 1000)  # the running app picked the write up and kept counting
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
    proc = spawn_app(app_file, "CounterApp", data, tmp_path, "--rt-priority", "10", "--cpu", "0",
                  "--timer-slack-ns", "1000")
    try:
        wait_for(lambda: counter_of(data) >= 5)
        out = finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    assert proc.returncode == 0, out
    knob_lines = [line for line in out.splitlines() if "real-time" in line]
    assert len(knob_lines) == 3, out  # one line per knob: applied, or refused with the reason
    assert any("SCHED_FIFO" in line or "priority" in line for line in knob_lines)
