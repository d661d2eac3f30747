"""Fixtures shared by tests/io (imported by each module; no conftest.py here, because
other test directories import their own ``conftest`` module by name)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _virtual_state_dir(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Keep the virtual board's state files in a per-test temp dir; no board chosen by env."""
    monkeypatch.setenv("DOOVER_VIRTUAL_DIR", str(tmp_path / "virtual"))
    monkeypatch.delenv("DOOVER_BOARD", raising=False)
    monkeypatch.delenv("DOOVER_IO_BACKEND", raising=False)
    return tmp_path / "virtual"
