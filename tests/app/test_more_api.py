"""The rest of the surface: run_app(start=True) as a script, request_shutdown, a custom
check_can_shutdown, wait_for_interval, max_age_secs as pydoover passes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _apptest import make, started

from doover_fsm import Application, MonotonicClock
from doover_fsm.agent.store import open_store

ROOT = Path(__file__).resolve().parents[2]


class Busy(Application):
    def setup(self) -> None:
        self.busy = True

    async def check_can_shutdown(self) -> bool:
        return not self.busy


async def test_request_shutdown_and_a_custom_check(data_dir: Path) -> None:
    app = make(Busy, data_dir, app_key="busy")
    async with started(app):
        await app.request_shutdown()
        await app.next()
        assert app.get_global_tag("shutdown_requested") is True
        await app.next()
        assert app.get_tag("shutdown_check_ok") is False
        app.busy = False
        await app.next()
        with open_store(data_dir) as store:
            agg = store.get_aggregate("tag_values")
        assert agg["shutdown_requested"] is True and agg["busy"]["shutdown_check_ok"] is True


class Broken(Application):
    async def check_can_shutdown(self) -> bool:
        raise RuntimeError("cannot tell")


async def test_a_raising_check_can_shutdown_answers_false(data_dir: Path) -> None:
    app = make(Broken, data_dir, app_key="broken")
    async with started(app):
        app.set_global_tag("shutdown_requested", True)
        await app.next()
        assert app.get_tag("shutdown_check_ok") is False


async def test_wait_for_interval_and_max_age_secs(data_dir: Path) -> None:
    app = make(Application, data_dir, clock=MonotonicClock())
    async with started(app):
        t0 = time.monotonic()
        await app.wait_for_interval(0.05)  # absolute: sleeps to the next multiple of 50 ms
        assert time.monotonic() > t0
        await app.update_channel_aggregate("status", {"x": 1}, max_age_secs=-1)  # pydoover's "now"
        await app.update_channel_aggregate("status", {"y": 1}, max_age_secs=30)
        assert app.get_channel_aggregate("status") == {"x": 1, "y": 1}
    virtual = make(Application, data_dir)
    async with started(virtual):
        await virtual.wait_for_interval(3600)  # the virtual clock never sleeps


@pytest.mark.integration
def test_the_seed_script_runs_with_run_app_start_true(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), APP_KEY="hello", DOOVER_VIRTUAL_DIR=str(tmp_path / "v"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "examples" / "hello.py"), "--board", "virtual",
                             "--data-dir", str(tmp_path), "--period", "0.05"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline:
            if (tmp_path / "agent.sqlite3").exists():
                with open_store(tmp_path) as store:
                    ready = ((store.get_aggregate("tag_values") or {}).get("hello") or {}).get("ready")
                if ready:
                    break
            time.sleep(0.1)
        assert ready is True
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert "MyApp ready (app_key=hello, board=virtual, period=0.05s from deploy (--period))" in out
