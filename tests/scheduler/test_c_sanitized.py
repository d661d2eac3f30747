"""The timing core's C test (stats geometry/percentiles/counters, timer) under ASan+UBSan.

gcc builds csrc/dfsm_stats.c + csrc/dfsm_timer.c + tests/c/test_timing_stats.c directly, so the
sanitizers see every access. Skips cleanly when gcc or the sanitizer runtime is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._csanitize import build, run

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "csrc" / "dfsm_stats.c", REPO / "csrc" / "dfsm_timer.c", REPO / "csrc" / "dfsm_contract.c",
           REPO / "tests" / "c" / "test_timing_stats.c"]
SANITIZE = "address,undefined"


def test_timing_core_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    exe = build(tmp_path, SANITIZE, SOURCES, "test_timing_stats", ["-lm"])
    out = run(exe, env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"}, timeout=60)
    assert out.strip() == "ok"
