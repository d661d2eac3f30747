"""cffi builder for ``doover_fsm._core._timing``: the scan timer, timing stats and RT knobs.

Run directly (``python doover_fsm/_core/_build_timing.py``) to compile in place; setup.py lists
``ffibuilder`` in ``cffi_modules`` for installs.
"""

from __future__ import annotations

import os
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _buildutil import c_sources, compile_args, compile_inplace, read_cdef

ffibuilder = FFI()
ffibuilder.cdef(read_cdef("_cdef_timing.h"))
ffibuilder.set_source(
    "doover_fsm._core._timing",
    '#include "dfsm_timer.h"\n#include "dfsm_stats.h"\n#include "dfsm_rt.h"\n#include "dfsm_contract.h"\n',
    sources=c_sources("dfsm_timer.c", "dfsm_stats.c", "dfsm_rt.c", "dfsm_contract.c"),
    libraries=["m"],
    **compile_args(),
)

if __name__ == "__main__":
    compile_inplace(ffibuilder)
