"""The backend conformance suite (tests/io/_conformance.py) on real gpiod + IIO: the sim chip."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "io"))
from _conformance import ConformanceSuite

from doover_fsm.clock import MonotonicClock
from doover_fsm.events import Event
from doover_fsm.io import Board, BoardIO


class HwRig:
    """The outside world of the gpio-sim chip and the iio_dummy ADC (via the hw fixtures)."""

    def __init__(self, gpio_sim, iio_dummy) -> None:
        self.clock = MonotonicClock()
        self.sim, self.adc = gpio_sim, iio_dummy

    def make_io(self, board: Board, post: Callable[[Event], bool]) -> BoardIO:
        return BoardIO(board, clock=self.clock, post_event=post, sysfs_root=str(self.adc.sysfs_root))

    def set_input(self, pin: int, level: bool) -> None:
        self.sim.set_input(self.sim.line_offset(f"DI{pin + 1}"), level)

    def get_output(self, pin: int) -> bool:
        return self.sim.get_output(self.sim.line_offset(f"DO{pin + 1}"))

    def set_adc_raw(self, raw: int) -> None:
        self.adc.set_raw("voltage0", raw)

    def adc_scale_offset(self) -> tuple[float, float]:
        return float(self.adc.read_attr("in_voltage0_scale")), float(self.adc.read_attr("in_voltage0_offset"))

    def ao_scale_offset(self) -> tuple[float, float]:
        return 1.0, 0.0

    def ao_raw(self) -> int:
        return int(self.adc.read_attr("out_voltage0_raw"))

    def settle(self) -> None:
        time.sleep(0.02)


class TestGpiodIioBackend(ConformanceSuite):
    @pytest.fixture
    def rig(self, gpio_sim, iio_dummy) -> HwRig:
        gpio_sim.reset()
        return HwRig(gpio_sim, iio_dummy)
