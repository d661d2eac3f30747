"""Helpers for the agent tests (importable by name: tests/agent is on sys.path)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from tests._mosquitto import Mosquitto

__all__ = ["HERE", "PYTHON", "REPO", "Mosquitto", "subprocess_env", "wait_for"]

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
