"""Real iio_dummy: readings injected into the ADC arrive in engineering units; AO writes land."""

from __future__ import annotations

from pathlib import Path

import pytest

from doover_fsm.clock import MonotonicClock
from doover_fsm.io import BoardIO, load_board, parse_board_text

CAL_BOARD = """
[board]
name = "cal"
[[ai]]
pin = 0
device = "dfsm_adc"
channel = "voltage0"
[[ai]]
pin = 1
device = "dfsm_*"
channel = "voltage0"
scale = 0.5
offset = 0
units = "mA"
calibration = { type = "4-20mA", range = [0, 100] }
[[ao]]
pin = 0
device = "dfsm_adc"
channel = "voltage0"
safe = 7
"""


async def test_ai_in_engineering_units(iio_dummy) -> None:
    io = BoardIO(load_board("sim"), clock=MonotonicClock(), post_event=lambda e: True,
                 sysfs_root=str(iio_dummy.sysfs_root))
    scale = float(iio_dummy.read_attr("in_voltage0_scale"))
    offset = float(iio_dummy.read_attr("in_voltage0_offset"))
    with io:
        for raw in (0, 1234, 4095):
            iio_dummy.set_raw("voltage0", raw)
            io.read_inputs()
            assert await io.platform_iface.fetch_ai(0) == pytest.approx((raw + offset) * scale)


async def test_ai_calibration_override_and_ao(iio_dummy) -> None:
    board = parse_board_text(CAL_BOARD, Path("cal.toml"))
    io = BoardIO(board, clock=MonotonicClock(), post_event=lambda e: True, sysfs_root=str(iio_dummy.sysfs_root))
    with io:
        assert int(iio_dummy.read_attr("out_voltage0_raw")) == 7  # safe value at open
        iio_dummy.set_raw("voltage0", 24)  # 24 * 0.5 = 12 mA → 50 % of 0..100
        io.read_inputs()
        assert await io.platform_iface.fetch_ai(1) == pytest.approx(50.0)
        await io.platform_iface.set_ao(0, 42)
        io.write_outputs()
        assert int(iio_dummy.read_attr("out_voltage0_raw")) == 42
    assert int(iio_dummy.read_attr("out_voltage0_raw")) == 7  # back to safe on close
