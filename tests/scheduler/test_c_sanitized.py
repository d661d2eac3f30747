"""The timing core's C test (stats geometry/percentiles/counters, timer) under ASan+UBSan.

gcc builds csrc/dfsm_stats.c + csrc/dfsm_timer.c + tests/c/test_timing_stats.c directly, so the
sanitizers see every access. Skips cleanly when gcc or the sanitizer runtime is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "csrc" / "dfsm_stats.c", REPO / "csrc" / "dfsm_timer.c", REPO / "csrc" / "dfsm_contract.c",
           REPO / "tests" / "c" / "test_timing_stats.c"]
SANITIZE = "address,undefined"


def test_timing_core_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    r = subprocess.run([gcc, f"-fsanitize={SANITIZE}", str(probe), "-o", str(tmp_path / "probe")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"the -fsanitize={SANITIZE} runtime is not available: {r.stderr.strip()[:200]}")
    exe = tmp_path / "test_timing_stats"
    r = subprocess.run([gcc, "-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
                        f"-I{REPO / 'csrc'}", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all",
                        f"-fsanitize={SANITIZE}", *map(str, SOURCES), "-lm", "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"test_timing_stats.c failed to compile warning-free:\n{r.stderr}"
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                       env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"})
    assert r.returncode == 0, f"test_timing_stats failed:\n{r.stdout}\n{r.stderr}"
    assert r.stdout.strip() == "ok"
