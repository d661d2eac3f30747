"""cffi builder (API mode, out-of-line) for the tag table + tag ring: ``doover_fsm._core._tagring``.

Run directly to build in place for development: ``python doover_fsm/_core/_build_tagring.py``.
setup.py lists it in ``cffi_modules``; cffi exec's this file, hence the sys.path line.
"""

from __future__ import annotations

import os
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _buildutil

ffibuilder = FFI()
ffibuilder.cdef(_buildutil.read_cdef("_cdef_tagring.h"))
ffibuilder.set_source(
    "doover_fsm._core._tagring",
    '#include "dfsm_tagring.h"\n#include "dfsm_contract.h"\n',
    sources=_buildutil.c_sources("dfsm_tagring.c", "dfsm_contract.c"),
    **_buildutil.compile_args(),
)

if __name__ == "__main__":
    _buildutil.compile_inplace(ffibuilder)
