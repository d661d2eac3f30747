"""Shared settings for the cffi builders of the C core (imported by ``_build_*.py`` only).

Each C object gets its own out-of-line cffi module, so one object can be rebuilt alone:
``python doover_fsm/_core/_build_tagring.py`` compiles in place for development.
``DFSM_SANITIZE=address,undefined`` builds with sanitizers (the C drivers in tests/c/ are built
and run under ASan/UBSan and TSan by tests/core/test_sanitizers_tagring.py and
tests/scheduler/test_c_sanitized.py).
"""

from __future__ import annotations

import os
from pathlib import Path

CORE_DIR = Path(__file__).resolve().parent
REPO_ROOT = CORE_DIR.parent.parent
CSRC = REPO_ROOT / "csrc"


def _rel(path: Path) -> str:
    # setuptools wants source paths relative to the project root.
    try:
        return os.path.relpath(path, os.getcwd())
    except ValueError:  # pragma: no cover - different drive (not on Linux)
        return str(path)


def c_sources(*names: str) -> list[str]:
    """Paths of csrc/<name> for ``set_source(sources=...)``."""
    return [_rel(CSRC / n) for n in names]


def read_cdef(name: str) -> str:
    """The cdef text kept beside the builder (``_cdef_<object>.h``)."""
    return (CORE_DIR / name).read_text()


def compile_args() -> dict[str, list[str]]:
    """C11, all warnings as errors; optional sanitizers from DFSM_SANITIZE."""
    cflags = ["-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
              "-D_GNU_SOURCE", "-fvisibility=hidden"]
    ldflags: list[str] = []
    sanitize = os.environ.get("DFSM_SANITIZE", "").strip()
    if sanitize:
        cflags += [f"-fsanitize={sanitize}", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all"]
        ldflags += [f"-fsanitize={sanitize}"]
    return {
        "include_dirs": [_rel(CSRC)],
        "extra_compile_args": cflags,
        "extra_link_args": ldflags,
    }


def compile_inplace(ffibuilder) -> None:  # type: ignore[no-untyped-def]
    """Build the module into the source tree (development / sanitizer builds)."""
    os.chdir(REPO_ROOT)
    ffibuilder.compile(tmpdir=str(REPO_ROOT), verbose=True)
