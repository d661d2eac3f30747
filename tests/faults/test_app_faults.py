"""The fault suite (issue 11): real app processes on the virtual board, killed and broken on purpose.

kill -9 in a loop, SIGTERM and safe outputs, an exception on every scan, a setup() that raises,
and a second copy of a running app. Counts, not timings, are asserted.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import pytest

from doover_fsm import Application, run_app
from doover_fsm.app.faultlog import FaultLog
from tests._procs import app_file, counter_of, finish, free_port, health_of, logged_points, spawn_app, wait_for

__all__ = ["app_file"]  # a fixture

pytestmark = pytest.mark.integration

KILL_LOOPS = 10
SIGTERM_LOOPS = 5


def _integrity(data_dir: Path) -> str:
    with sqlite3.connect(data_dir / "agent.sqlite3") as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def test_kill_9_in_a_loop_loses_no_committed_point(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    seen_points: list[int] = []
    for i in range(KILL_LOOPS):
        proc = spawn_app(app_file, "CounterApp", data, tmp_path)
        try:
            start = counter_of(data)
            wait_for(lambda start=start: counter_of(data) >= start + 5)
            seen_points = logged_points(data)
            finish(proc, signal.SIGKILL)
        finally:
            finish(proc, signal.SIGKILL)
        after = logged_points(data)
        assert after[: len(seen_points)] == seen_points, f"loop {i}: a committed point was lost"
        assert after == list(range(1, len(after) + 1)), f"loop {i}: a gap or duplicate among the points"
        assert _integrity(data) == "ok", f"loop {i}"
    assert len(seen_points) >= 5 * KILL_LOOPS


def test_sigterm_leaves_every_output_safe_each_time(app_file: Path, tmp_path: Path) -> None:
    outputs = tmp_path / "virtual" / "outputs.json"
    for i in range(SIGTERM_LOOPS):
        data = tmp_path / f"data{i}"
        proc = spawn_app(app_file, "CounterApp", data, tmp_path)
        try:
            wait_for(lambda data=data: counter_of(data) >= 3)
            wait_for(lambda: outputs.exists() and json.loads(outputs.read_text())["do"].get("0") is True)
            out = finish(proc)
        finally:
            finish(proc, signal.SIGKILL)
        assert proc.returncode == 0, out
        assert json.loads(outputs.read_text())["do"]["0"] is False, f"loop {i}: DO 0 not at its safe value"


def test_an_exception_storm_logs_the_first_in_full_and_counts_the_rest(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    proc = spawn_app(app_file, "StormApp", data, tmp_path, "--healthcheck-port", str(port))
    try:
        wait_for(lambda: health_of(port)[1].get("errors_total", 0) >= 200)
        errors = health_of(port)[1]["errors_total"]
        out = finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    assert proc.returncode == 0, out
    assert out.count("Traceback (most recent call last)") == 1, out[-3000:]
    assert "ValueError: bad reading 0" in out
    summary = [line for line in out.splitlines() if "repeated" in line and "main_loop" in line]
    assert summary, out[-3000:]
    folded = sum(int(line.split("repeated ")[1].split(" times")[0]) for line in summary)
    assert folded >= errors - 1  # every repeat is counted (more may have run before the stop)
    assert len(out) < 20_000  # a full traceback per scan would be ≈ 1 KB × errors


def test_fault_log_keeps_the_first_of_every_new_kind_and_summarises_repeats(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    now = [0.0]
    faults = FaultLog(logging.getLogger("faults-test"), interval_s=10, now_s=lambda: now[0])

    def boom(kind: type[Exception], text: str) -> Exception:
        try:
            raise kind(text)
        except Exception as exc:
            return exc

    with caplog.at_level("ERROR", logger="faults-test"):
        for n in range(100):
            faults.report("main_loop", boom(ValueError, f"v{n}"), n)
            now[0] += 0.25
        faults.report("main_loop", boom(KeyError, "k"), 100)  # a new kind: in full at once
        faults.flush()
    full = [r for r in caplog.records if r.exc_info]
    assert [type(r.exc_info[1]).__name__ for r in full if r.exc_info] == ["ValueError", "KeyError"]
    counts = [int(r.getMessage().split("repeated ")[1].split(" ")[0]) for r in caplog.records if "repeated" in
              r.getMessage()]
    assert sum(counts) == 99 and len(counts) >= 2  # periodic summaries, nothing lost at the end
    assert faults.reported == 101 and faults.folded == 99


def test_a_failed_setup_is_unhealthy_and_raises_an_exception_event(app_file: Path, tmp_path: Path) -> None:
    port = free_port()
    proc = spawn_app(app_file, "SetupFails", tmp_path / "data", tmp_path, "--healthcheck-port", str(port))
    try:
        status, body = wait_for(lambda: (lambda h: h if h[0] and h[1].get("scans", 0) >= 3 else None)(
            health_of(port)))  # type: ignore[misc]
        out = finish(proc)
    finally:
        finish(proc, signal.SIGKILL)
    assert status == 503
    assert body["setup_error"] == "OSError: sensor bus not found"
    assert "sensor bus not found" in out


class SetupFailsWithMachine(Application):
    states = ["running", "fault"]
    transitions = [{"trigger": "exception", "source": "running", "dest": "fault"}]
    initial = "running"

    def setup(self) -> None:
        raise OSError("sensor bus not found")


async def test_a_failed_setup_reaches_the_machine_as_an_exception_trigger(tmp_path: Path) -> None:
    import asyncio

    app = SetupFailsWithMachine(test_mode=True, data_dir=tmp_path)
    task = asyncio.create_task(run_app(app, start=False, setup_logging=False))
    try:
        await app.wait_until_ready()
        with pytest.raises(OSError, match="sensor bus"):
            await app.next()  # test mode re-raises setup's error once
        assert app.machine.state == "fault"
        await app.next()  # raised once, then the app scans on
        assert app.machine.state == "fault"
    finally:
        app.request_stop()
        await task


def test_a_second_copy_is_refused_and_a_killed_copy_leaves_no_stuck_lock(app_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = spawn_app(app_file, "CounterApp", data, tmp_path)
    try:
        wait_for(lambda: counter_of(data) >= 3)
        second = spawn_app(app_file, "CounterApp", data, tmp_path)
        out = second.communicate(timeout=60)[0]
        assert second.returncode != 0
        assert "app 'counter' is already running" in out and str(first.pid) in out, out
        assert "Traceback" not in out, out
        before = counter_of(data)
        wait_for(lambda: counter_of(data) >= before + 3)  # the first copy is undisturbed
        finish(first, signal.SIGKILL)
    finally:
        finish(first, signal.SIGKILL)
    third = spawn_app(app_file, "CounterApp", data, tmp_path)
    try:
        before = counter_of(data)
        wait_for(lambda: counter_of(data) >= before + 3)  # kill -9 left no stuck lock
        out = finish(third)
    finally:
        finish(third, signal.SIGKILL)
    assert third.returncode == 0, out
