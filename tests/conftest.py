"""Suite-wide test policy.

With ``DFSM_REQUIRE_ALL=1`` (set by ``.ci/run``) a skipped test fails instead: on CI every
prerequisite (mosquitto, socat, sanitizer runtimes, root) is installed, so a skip there means
a missing install step, not an optional extra. ``hw`` tests are exempt on the host: they run
in the QEMU guest (``scripts/hw/run-hw-tests``).
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

REQUIRE_ALL = os.environ.get("DFSM_REQUIRE_ALL") == "1" and os.environ.get("DFSM_HW") != "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and item.get_closest_marker("hw") is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under DFSM_REQUIRE_ALL=1 (a CI prerequisite is missing): {reason}"
