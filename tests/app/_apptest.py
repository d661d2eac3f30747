"""Fixtures for Application tests: run an app in test mode with the real C core and SQLite."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from doover_fsm import Application, run_app


@contextlib.asynccontextmanager
async def started(app: Application) -> AsyncIterator[Application]:
    """Start ``app`` (test mode) with run_app(start=False); stop it and re-raise its errors on exit."""
    task = asyncio.get_running_loop().create_task(run_app(app, start=False, setup_logging=False))
    try:
        await asyncio.wait_for(app.wait_until_ready(), 30)
        yield app
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 30)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def make(cls: type[Application], data_dir: Path, **kw: Any) -> Application:
    kw.setdefault("test_mode", True)
    return cls(data_dir=data_dir, **kw)
