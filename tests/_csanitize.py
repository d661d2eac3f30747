"""Build and run a C test driver under a sanitizer, straight from csrc/ (no Python in the process).

Shared by the tag ring's and the timing core's sanitizer tests. Skips (with the reason) when gcc or
the sanitizer runtime is missing; a driver that does not compile warning-free is a failure.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CFLAGS = ["-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
          f"-I{REPO / 'csrc'}", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all"]


def build(tmp_path: Path, sanitize: str, sources: Sequence[Path], name: str, libs: Sequence[str] = ()) -> Path:
    """Compile ``sources`` with ``-fsanitize=sanitize`` into ``tmp_path``; skip if the runtime is absent."""
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
    exe = tmp_path / f"{name}_{sanitize.replace(',', '_')}"
    r = subprocess.run([gcc, *CFLAGS, f"-fsanitize={sanitize}", *map(str, sources), *libs, "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"{name} failed to compile warning-free:\n{r.stderr}"
    return exe


def run(exe: Path, *args: str, env: Mapping[str, str], timeout: float = 120) -> str:
    """Run a sanitized driver; a non-zero exit (a sanitizer report) fails with its output."""
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout, env=dict(env))
    assert r.returncode == 0, f"{exe.name} {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout
