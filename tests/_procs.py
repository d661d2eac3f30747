"""Helpers for tests that run the app as a real process."""

from __future__ import annotations

import signal
import subprocess


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
