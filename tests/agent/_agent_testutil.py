"""Helpers for the agent tests (importable by name: tests/agent is on sys.path)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


PYTHON = sys.executable


async def wait_for(pred: Callable[[], bool], timeout: float = 10.0, step: float = 0.01,
                   poll: Callable[[], None] | None = None) -> None:
    """Await until ``pred()`` is true (calling ``poll`` each step), else fail the test."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        if poll is not None:
            poll()
        if pred():
            return
        if loop.time() > end:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)




class Mosquitto:
    """A real mosquitto on 127.0.0.1:<free port> with persistence in a temp dir (restartable)."""

    def __init__(self, workdir: Path) -> None:
        import shutil
        import socket

        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(exe).exists():
            import pytest

            pytest.skip("mosquitto is not installed (apt-get install -y mosquitto)")
        self.exe = exe
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = workdir
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nuser root\n"
            f"persistence true\npersistence_location {workdir}/\nautosave_interval 1\n"
            "max_queued_messages 100000\n")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}/t"

    def start(self) -> None:
        import socket
        import time

        with open(self.dir / "mosquitto.log", "ab") as logf:
            self.proc = subprocess.Popen([self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                         stderr=logf)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
