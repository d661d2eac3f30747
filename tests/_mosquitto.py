"""A real mosquitto broker for integration tests (shared by tests/agent, tests/app and tests/faults).

Each :class:`Mosquitto` listens on 127.0.0.1 at a free port with persistence in its own
directory, so a test can stop and restart it without losing retained messages or queued
sessions. ``readme_config=True`` writes only what the README's setup has (``persistence true``,
mosquitto's default autosave of 30 minutes), for tests that must hold on a broker configured as
an operator would. Import as ``from tests._mosquitto import Mosquitto`` (the repo root is on
sys.path).

Thread-safety: not thread-safe; one test owns one broker.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

__all__ = ["Mosquitto", "mosquitto_exe"]


def mosquitto_exe() -> str:
    """The mosquitto binary, or skip the test with how to install it."""
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(exe).exists():
        pytest.skip("mosquitto is not installed (apt-get install -y mosquitto)")
    return exe


class Mosquitto:
    """A real mosquitto on 127.0.0.1:<free port> with persistence in ``workdir`` (restartable)."""

    def __init__(self, workdir: Path, prefix: str = "t", *, readme_config: bool = False) -> None:
        self.exe = mosquitto_exe()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self.dir = workdir
        self.prefix = prefix
        self.conf = workdir / "mosquitto.conf"
        conf = (f"listener {self.port} 127.0.0.1\nallow_anonymous true\nuser root\n"
                f"persistence true\npersistence_location {workdir}/\n")
        if not readme_config:
            conf += "autosave_interval 1\nmax_queued_messages 100000\n"
        self.conf.write_text(conf)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}/{self.prefix}"

    @property
    def log(self) -> Path:
        return self.dir / "mosquitto.log"

    def _running_lines(self) -> int:
        return self.log.read_text(errors="replace").count(" running") if self.log.exists() else 0

    def start(self) -> None:
        """Start the broker and wait until it listens (its own log says so: not another program's port)."""
        before = self._running_lines()
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen([self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                         stderr=logf)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}; see {self.log}")
            if self._running_lines() > before:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                    return
                except OSError:
                    pass
            time.sleep(0.02)
        raise RuntimeError(f"mosquitto did not start; see {self.log}")

    def stop(self) -> None:
        """Stop the broker (SIGTERM; it saves its persistence file first)."""
        self.halt(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the broker with SIGKILL: whatever it had not saved yet is gone."""
        self.halt(signal.SIGKILL)

    def halt(self, sig: signal.Signals) -> None:
        """Send ``sig`` and wait for the broker to exit (SIGKILL after 10 s)."""
        if self.proc is not None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
