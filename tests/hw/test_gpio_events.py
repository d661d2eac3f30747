"""Real gpio-sim: DI edges through the asyncio loop with kernel timestamps, pulse rates, EBUSY."""

from __future__ import annotations

import asyncio
import time

import pytest

from doover_fsm.clock import MonotonicClock
from doover_fsm.errors import LineBusyError
from doover_fsm.events import EventQueue
from doover_fsm.io import BoardIO, load_board


@pytest.fixture
def sim_io(gpio_sim, iio_dummy):
    gpio_sim.reset()
    q = EventQueue()
    io = BoardIO(load_board("sim"), clock=MonotonicClock(), post_event=q.post, sysfs_root=str(iio_dummy.sysfs_root))
    io.open()
    yield io, q
    io.close()


async def _wait(q: EventQueue, n: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(q) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.005)


async def test_edges_arrive_through_the_loop_with_kernel_timestamps(gpio_sim, sim_io) -> None:
    io, q = sim_io
    io.attach(asyncio.get_running_loop())
    off = gpio_sim.line_offset("DI4")
    t0 = time.monotonic_ns()
    gpio_sim.set_input(off, True)
    await _wait(q, 2)
    t1 = time.monotonic_ns()
    gpio_sim.set_input(off, False)
    await _wait(q, 4)
    evs = q.drain()
    assert [e.trigger for e in evs] == ["di_3", "di_3_rising", "di_3", "di_3_falling"]
    rise, fall = evs[1], evs[3]
    # kernel CLOCK_MONOTONIC timestamps, taken when the line changed (not when we read them)
    assert t0 <= rise.ts_ns <= t1 <= fall.ts_ns <= time.monotonic_ns()
    assert rise.data == {"pin": 3, "edge": "rising", "value": True, "timestamp_ns": rise.ts_ns}
    io.read_inputs()
    assert io.di_image[3] is False


async def test_di_levels_in_the_scan_image(gpio_sim, sim_io) -> None:
    io, _q = sim_io
    for i in range(8):
        gpio_sim.set_input(gpio_sim.line_offset(f"DI{i + 1}"), i % 3 == 0)
    time.sleep(0.02)
    io.read_inputs()
    assert await io.platform_iface.fetch_di(list(range(8))) == [i % 3 == 0 for i in range(8)]
    assert io.statistics().get_values_calls == 1  # one chip, one call


async def test_pulse_count_and_rate(gpio_sim, sim_io) -> None:
    io, q = sim_io
    io.attach(asyncio.get_running_loop())
    p = io.platform_iface
    seen = []
    counter = p.get_new_pulse_counter(6, callback=lambda *a: seen.append(a), rate_window_secs=30)
    off = gpio_sim.line_offset("DI7")
    for k in range(6):
        gpio_sim.set_input(off, True)
        await _wait(q, 4 * k + 2)
        gpio_sim.set_input(off, False)
        await _wait(q, 4 * k + 4)
    assert counter.count == 6
    assert counter.get_pulses_per_minute() == pytest.approx(6 * 60 / 30)
    for ev in q.drain():  # what the scan does: run the callbacks
        if ev.callback is not None:
            ev.callback()
    assert [s[3] for s in seen] == [1, 2, 3, 4, 5, 6]
    assert all(s[2] > 0 for s in seen[1:])  # dt between pulses from kernel timestamps


async def test_do_writes_reach_the_sim_lines(gpio_sim, sim_io) -> None:
    io, _q = sim_io
    await io.platform_iface.set_do([0, 3, 7], True)
    io.write_outputs()
    got = [gpio_sim.get_output(gpio_sim.line_offset(f"DO{i + 1}")) for i in range(8)]
    assert got == [True, False, False, True, False, False, False, True]


def test_line_held_by_another_consumer_is_busy(gpio_sim, iio_dummy) -> None:
    import gpiod

    off = gpio_sim.line_offset("DO5")
    req = gpiod.request_lines(gpio_sim.chip_path, consumer="someone-else", config={off: None})
    try:
        io = BoardIO(load_board("sim"), clock=MonotonicClock(), post_event=lambda e: True,
                     sysfs_root=str(iio_dummy.sysfs_root))
        with pytest.raises(LineBusyError) as ei:
            io.open()
        msg = str(ei.value)
        assert "sim.toml:" in msg and "'DO5'" in msg and "'dfsm-sim'" in msg and "someone-else" in msg
        assert ei.value.errno == 16
    finally:
        req.release()
    io.open()  # nothing leaked from the failed attempt
    io.close()
