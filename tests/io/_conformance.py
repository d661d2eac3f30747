"""One conformance suite for every I/O backend (virtual here, gpiod + IIO in the QEMU guest).

A *rig* knows how to act as the outside world for one backend: drive input levels, read what
outputs drive, set ADC readings, and open a BoardIO on the conformance board. The test class
below is subclassed once per backend with a ``rig`` fixture (tests/io/test_conformance.py and
tests/hw/test_gpio_conformance.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest

from doover_fsm.clock import Clock
from doover_fsm.errors import BoardError, LineBusyError
from doover_fsm.events import Event
from doover_fsm.io import Board, BoardIO, parse_board_text

# The sim contract: chip "dfsm-sim", DI1..DI8 at offsets 0-7, DO1..DO8 at 8-15, IIO "dfsm_adc".
# DI 2 is active-low and DO 1 has safe = true, so polarity and safe values are exercised.
CONFORMANCE_TOML = """
[board]
name = "conformance"
description = "sim contract with one active-low DI and one safe-high DO"
""" + "".join(
    f'\n[[di]]\npin = {i}\nchip = "dfsm-sim"\nline = "DI{i + 1}"\n' + ("active_low = true\n" if i == 2 else "")
    for i in range(8)
) + "".join(
    f'\n[[do]]\npin = {i}\nchip = "dfsm-sim"\nline = "DO{i + 1}"\nsafe = {"true" if i == 1 else "false"}\n'
    for i in range(8)
) + """
[[ai]]
pin = 0
device = "dfsm_adc"
channel = "voltage0"

[[ai]]
pin = 1
device = "dfsm_adc"
channel = "voltage0"
calibration = { type = "linear", gain = 2.0, offset = 1.0 }

[[ao]]
pin = 0
device = "dfsm_adc"
channel = "voltage0"
safe = 3
"""
SAFE = [False, True, False, False, False, False, False, False]


def conformance_board(text: str = CONFORMANCE_TOML, name: str = "conformance.toml") -> Board:
    return parse_board_text(text, Path(name))


class Rig(Protocol):
    clock: Clock

    def make_io(self, board: Board, post: Callable[[Event], bool]) -> BoardIO: ...
    def set_input(self, pin: int, level: bool) -> None: ...
    def get_output(self, pin: int) -> bool: ...
    def set_adc_raw(self, raw: int) -> None: ...
    def adc_scale_offset(self) -> tuple[float, float]: ...
    def ao_raw(self) -> int: ...
    def ao_scale_offset(self) -> tuple[float, float]: ...
    def settle(self) -> None: ...


class Collector:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, ev: Event) -> bool:
        self.events.append(ev)
        return True

    def triggers(self) -> list[str]:
        return [e.trigger for e in self.events]


def wait_edges(io: BoardIO, rig: Rig, col: Collector, n: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        io.poll_edges()
        if len(col.events) >= n or time.monotonic() > deadline:
            return
        rig.settle()


class ConformanceSuite:
    """Behaviour every backend must show. Subclasses provide the ``rig`` fixture."""

    @pytest.fixture
    def opened(self, rig: Rig):
        col = Collector()
        io = rig.make_io(conformance_board(), col)
        io.open()
        yield io, col
        io.close()

    def test_outputs_start_at_safe_values(self, rig: Rig, opened) -> None:
        rig.settle()
        assert [rig.get_output(i) for i in range(8)] == SAFE
        scale, offset = rig.ao_scale_offset()
        assert rig.ao_raw() == round(3 / scale - offset)

    async def test_do_writes_batched_per_chip(self, rig: Rig, opened) -> None:
        io, _ = opened
        pattern = [True, False, True, True, False, True, False, True]
        await io.platform_iface.set_do(list(range(8)), pattern)
        before = io.statistics().set_values_calls
        io.write_outputs()
        rig.settle()
        assert [rig.get_output(i) for i in range(8)] == pattern
        assert io.statistics().set_values_calls == before + 1
        io.write_outputs()  # nothing changed: no kernel call
        assert io.statistics().set_values_calls == before + 1
        assert await io.platform_iface.fetch_do(list(range(8))) == pattern

    async def test_di_levels_reach_the_image(self, rig: Rig, opened) -> None:
        io, _ = opened
        levels = [True, False, False, True, True, False, False, True]
        for i, v in enumerate(levels):
            rig.set_input(i, v)
        rig.settle()
        io.read_inputs()
        expect = [v != (i == 2) for i, v in enumerate(levels)]  # DI 2 is active-low
        assert await io.platform_iface.fetch_di(list(range(8))) == expect

    def test_edges_become_events_with_timestamps(self, rig: Rig, opened) -> None:
        io, col = opened
        rig.set_input(0, False)
        rig.settle()
        io.poll_edges()
        col.events.clear()
        t0 = rig.clock.monotonic_ns()
        rig.set_input(0, True)
        wait_edges(io, rig, col, 2)
        rig.set_input(0, False)
        wait_edges(io, rig, col, 4)
        assert col.triggers() == ["di_0", "di_0_rising", "di_0", "di_0_falling"]
        rise, fall = col.events[1], col.events[3]
        assert rise.source == "di" and rise.data["pin"] == 0 and rise.data["value"] is True
        assert rise.data["edge"] == "rising" and fall.data["edge"] == "falling"
        assert t0 <= rise.ts_ns == rise.data["timestamp_ns"] <= fall.ts_ns <= rig.clock.monotonic_ns()

    def test_pulse_counter_counts_edges(self, rig: Rig, opened) -> None:
        io, col = opened
        counter = io.platform_iface.get_new_pulse_counter(3, edge="rising", rate_window_secs=60)
        rig.set_input(3, False)
        rig.settle()
        io.poll_edges()
        for k in range(5):
            rig.set_input(3, True)
            wait_edges(io, rig, col, 2 * (2 * k + 1))
            rig.set_input(3, False)
            wait_edges(io, rig, col, 2 * (2 * k + 2))
        assert counter.count == 5
        assert counter.get_rate() == pytest.approx(5.0)  # 5 pulses in a 60 s window → 5/min

    def test_second_request_is_busy_and_names_chip_and_line(self, rig: Rig, opened) -> None:
        other = rig.make_io(conformance_board(), Collector())
        with pytest.raises(LineBusyError) as ei:
            other.open()
        msg = str(ei.value)
        assert "dfsm-sim" in msg and "DI1" in msg and "busy" in msg
        assert "conformance.toml:" in msg
        assert not other.is_open

    def test_missing_line_and_chip_are_board_errors(self, rig: Rig) -> None:
        bad_line = CONFORMANCE_TOML.replace('line = "DI5"', 'line = "NOPE"')
        with pytest.raises(BoardError, match=r"conformance\.toml:\d+: line 'NOPE' not found on chip 'dfsm-sim'"):
            rig.make_io(conformance_board(bad_line), Collector()).open()
        bad_chip = CONFORMANCE_TOML.replace('chip = "dfsm-sim"\nline = "DO8"', 'chip = "no-such-chip"\nline = "DO8"')
        with pytest.raises(BoardError, match="no GPIO chip labelled 'no-such-chip'"):
            rig.make_io(conformance_board(bad_chip), Collector()).open()
        # nothing stayed requested: the good board still opens
        io = rig.make_io(conformance_board(), Collector())
        io.open()
        io.close()

    def test_missing_iio_channel_is_a_board_error(self, rig: Rig) -> None:
        bad = CONFORMANCE_TOML.replace('channel = "voltage0"\ncalibration', 'channel = "voltage9"\ncalibration')
        with pytest.raises(BoardError, match=r"conformance\.toml:\d+: IIO channel in_voltage9 absent"):
            rig.make_io(conformance_board(bad), Collector()).open()

    async def test_ai_in_engineering_units(self, rig: Rig, opened) -> None:
        io, _ = opened
        rig.set_adc_raw(1000)
        io.read_inputs()
        scale, offset = rig.adc_scale_offset()
        v = (1000 + offset) * scale
        assert await io.platform_iface.fetch_ai(0) == pytest.approx(v)
        assert await io.platform_iface.fetch_ai(1) == pytest.approx(v * 2 + 1)

    async def test_ao_write(self, rig: Rig, opened) -> None:
        io, _ = opened
        scale, offset = rig.ao_scale_offset()
        await io.platform_iface.set_ao(0, 50 * scale)
        io.write_outputs()
        assert rig.ao_raw() == round(50 - offset)

    async def test_close_drives_safe_values_before_release(self, rig: Rig, opened) -> None:
        io, _ = opened
        await io.platform_iface.set_do(list(range(8)), [not s for s in SAFE])
        io.write_outputs()
        rig.settle()
        assert [rig.get_output(i) for i in range(8)] == [not s for s in SAFE]
        seen: list[list[bool]] = []
        io._before_release = lambda: seen.append([rig.get_output(i) for i in range(8)])
        io.close()
        assert seen == [SAFE]
        io.close()  # idempotent
        assert seen == [SAFE]
