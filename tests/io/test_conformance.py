"""The backend conformance suite on the virtual backend (the gpiod+IIO run is tests/hw)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _conformance import ConformanceSuite
from _fixtures import _virtual_state_dir  # noqa: F401  (autouse fixture)

from doover_fsm.clock import VirtualClock
from doover_fsm.events import Event
from doover_fsm.io import Board, BoardIO
from doover_fsm.io.virtual import VirtualAnalogBackend, VirtualGpioBackend, VirtualWorld

SCALE, OFFSET = 0.001333, 7.0  # what iio_dummy reports for voltage0


class VirtualRig:
    """The outside world of a VirtualWorld laid out like the QEMU sim chip."""

    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.world = VirtualWorld(self.clock)
        self.world.add_chip("dfsm-sim", [f"DI{i}" for i in range(1, 9)] + [f"DO{i}" for i in range(1, 9)])
        self.world.add_iio_device("dfsm_adc", {
            "in_voltage0_raw": 0, "in_voltage0_scale": SCALE, "in_voltage0_offset": OFFSET,
            "out_voltage0_raw": 0})  # like iio_dummy: the DAC channel has no scale/offset

    def make_io(self, board: Board, post: Callable[[Event], bool]) -> BoardIO:
        return BoardIO(board, clock=self.clock, post_event=post, gpio=VirtualGpioBackend(self.world),
                       analog=VirtualAnalogBackend(self.world))

    def set_input(self, pin: int, level: bool) -> None:
        self.clock.advance(0.001)
        self.world.set_input("dfsm-sim", f"DI{pin + 1}", level)

    def get_output(self, pin: int) -> bool:
        return self.world.get_output("dfsm-sim", f"DO{pin + 1}")

    def set_adc_raw(self, raw: int) -> None:
        self.world.set_raw("dfsm_adc", "in_voltage0_raw", raw)

    def adc_scale_offset(self) -> tuple[float, float]:
        return SCALE, OFFSET

    def ao_raw(self) -> int:
        return int(self.world.get_raw("dfsm_adc", "out_voltage0_raw"))

    def ao_scale_offset(self) -> tuple[float, float]:
        return 1.0, 0.0

    def settle(self) -> None:
        pass


class TestVirtualBackend(ConformanceSuite):
    @pytest.fixture
    def rig(self) -> VirtualRig:
        return VirtualRig()
