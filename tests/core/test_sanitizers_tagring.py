"""The tag ring's C test driver under AddressSanitizer+UBSan and, separately, ThreadSanitizer.

gcc builds csrc/dfsm_tagring.c + tests/c/tagring_driver.c directly (no Python in the process), so
the sanitizers see every access. Skips cleanly when gcc or a sanitizer runtime is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "csrc" / "dfsm_tagring.c", REPO / "csrc" / "dfsm_contract.c",
           REPO / "tests" / "c" / "tagring_driver.c"]
CFLAGS = ["-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
          f"-I{REPO / 'csrc'}", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all"]


def _build(tmp_path: Path, sanitize: str) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    r = subprocess.run([gcc, f"-fsanitize={sanitize}", str(probe), "-o", str(tmp_path / "probe")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"the -fsanitize={sanitize} runtime is not available: {r.stderr.strip()[:200]}")
    r = subprocess.run([str(tmp_path / "probe")], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"-fsanitize={sanitize} binaries do not run here: {r.stderr.strip()[:200]}")
    exe = tmp_path / f"tagring_driver_{sanitize.replace(',', '_')}"
    r = subprocess.run([gcc, *CFLAGS, f"-fsanitize={sanitize}", *map(str, SOURCES), "-lpthread",
                        "-o", str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, f"driver failed to compile warning-free:\n{r.stderr}"
    return exe


def _run(exe: Path, *args: str) -> str:
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120,
                       env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
                            "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
                            "TSAN_OPTIONS": "halt_on_error=1"})
    assert r.returncode == 0, f"{exe.name} {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def test_driver_under_address_and_undefined_sanitizers(tmp_path: Path) -> None:
    exe = _build(tmp_path, "address,undefined")
    assert "OK unit" in _run(exe, "unit")
    assert "OK spsc" in _run(exe, "spsc", "200000")


def test_spsc_producer_consumer_under_thread_sanitizer(tmp_path: Path) -> None:
    exe = _build(tmp_path, "thread")
    assert "OK spsc" in _run(exe, "spsc", "200000")
