"""The io facade exports what the rest of the package uses, and nothing is missing."""

from __future__ import annotations

from _fixtures import _virtual_state_dir  # noqa: F401  (autouse fixture)
from hypothesis import given
from hypothesis import strategies as st

import doover_fsm.io as io_pkg
from doover_fsm.io.board import Calibration


def test_facade_exports() -> None:
    for name in io_pkg.__all__:
        assert hasattr(io_pkg, name), name
    assert {"Board", "BoardIO", "PlatformInterface", "PulseCounter", "select_board", "load_board"} <= set(
        io_pkg.__all__)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(x=finite, gain=st.floats(min_value=0.01, max_value=100), offset=finite)
def test_linear_calibration_round_trips(x: float, gain: float, offset: float) -> None:
    c = Calibration("linear", gain=gain, offset=offset)
    assert abs(c.invert(c.apply(x)) - x) <= 1e-6 * max(1.0, abs(x), abs(offset) / gain)


@given(ma=st.floats(min_value=0, max_value=25), lo=finite, span=st.floats(min_value=0.1, max_value=1e4))
def test_4_20ma_round_trips(ma: float, lo: float, span: float) -> None:
    c = Calibration("4-20mA", shunt_ohms=250.0, range=(lo, lo + span))
    mv = ma * 250.0
    assert abs(c.invert(c.apply(mv)) - mv) <= 1e-6 * max(1.0, abs(mv), abs(lo) * 250)
