"""How a fuzz test module reports what it tried: one line on the terminal, past output capture."""

from __future__ import annotations

import pytest


def show(request: pytest.FixtureRequest, line: str) -> None:
    """Write ``line`` to the terminal (also under ``-q``) and keep it in the test report's sections."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    elif reporter is not None:
        reporter.write_line(line)
