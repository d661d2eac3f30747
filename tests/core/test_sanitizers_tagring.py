"""The tag ring's C test driver under AddressSanitizer+UBSan and, separately, ThreadSanitizer.

gcc builds csrc/dfsm_tagring.c + tests/c/tagring_driver.c directly (no Python in the process), so
the sanitizers see every access. Skips cleanly when gcc or a sanitizer runtime is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._csanitize import build, run

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "csrc" / "dfsm_tagring.c", REPO / "csrc" / "dfsm_contract.c",
           REPO / "tests" / "c" / "tagring_driver.c"]
ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0", "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
       "TSAN_OPTIONS": "halt_on_error=1"}


def _build(tmp_path: Path, sanitize: str) -> Path:
    return build(tmp_path, sanitize, SOURCES, "tagring_driver", ["-lpthread"])


def _run(exe: Path, *args: str) -> str:
    return run(exe, *args, env=ENV)


def test_driver_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    exe = _build(tmp_path, "address,undefined")
    assert "OK unit" in _run(exe, "unit")
    assert "OK spsc" in _run(exe, "spsc", "200000")


def test_spsc_producer_consumer_under_thread_sanitizer(tmp_path: Path) -> None:
    exe = _build(tmp_path, "thread")
    assert "OK spsc" in _run(exe, "spsc", "200000")
