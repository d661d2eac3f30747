"""The Scheduler on the real clock: slot indices, grid deadlines, a responsive loop. No timing asserts."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from doover_fsm._core import timing as t
from doover_fsm.clock import MonotonicClock
from doover_fsm.errors import SchedulerError
from doover_fsm.scheduler import Scheduler, SchedulerSettings

pytestmark = pytest.mark.integration

PERIOD = 0.002
PERIOD_NS = 2_000_000


@pytest.mark.parametrize("finish", ["auto", "spin", "sleep", "none"])
async def test_runs_n_scans_on_the_grid_while_other_tasks_run(finish: str) -> None:
    sched = Scheduler(PERIOD, clock=MonotonicClock(), settings=SchedulerSettings(finish=finish))  # type: ignore[arg-type]
    ticks = 0
    stop = asyncio.Event()

    async def other_task() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_task())
    sched.start()
    t0 = sched._grid.anchor_ns  # type: ignore[union-attr]
    slots = []
    skipped_after = 0
    for _ in range(60):
        slot = await sched.wait_for_next_scan()
        slots.append((slot, skipped_after))
        skipped_after = sched.end_scan().skipped
    stop.set()
    await other
    prev = None
    for slot, skipped_before in slots:
        assert slot.deadline_ns == t0 + slot.index * PERIOD_NS
        assert slot.woke_ns >= slot.deadline_ns  # never starts early on the live clock
        assert slot.lateness_ns == slot.woke_ns - slot.deadline_ns
        if prev is not None:
            assert slot.index == prev.index + 1 + skipped_before + slot.skipped
            assert slot.woke_ns > prev.woke_ns
        prev = slot
    st = sched.statistics()
    assert st.scans == 60
    assert ticks > 0  # the loop ran other tasks between scans
    sched.close()


async def test_period_change_while_running_keeps_the_grid() -> None:
    sched = Scheduler(PERIOD, clock=MonotonicClock())
    sched.start()
    for _ in range(5):
        last = await sched.wait_for_next_scan()
        sched.end_scan()
    sched.period = 0.003
    slot = await sched.wait_for_next_scan()
    sched.end_scan()
    assert (slot.deadline_ns - last.deadline_ns) % 3_000_000 == 0
    assert slot.deadline_ns > last.deadline_ns
    sched.close()


async def test_wait_is_cancellable_and_close_cleans_up() -> None:
    sched = Scheduler(5.0, clock=MonotonicClock())
    sched.start()
    await sched.wait_for_next_scan()  # slot 0 is due at once
    sched.end_scan()
    task = asyncio.create_task(sched.wait_for_next_scan())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    sched.close()


async def test_close_while_waiting_raises_scheduler_error() -> None:
    sched = Scheduler(5.0, clock=MonotonicClock())
    sched.start()
    await sched.wait_for_next_scan()
    sched.end_scan()
    task = asyncio.create_task(sched.wait_for_next_scan())
    await asyncio.sleep(0.01)
    sched.close()
    with pytest.raises(SchedulerError, match="closed while waiting"):
        await task


def test_timer_learns_wake_latency() -> None:
    timer = t.Timer(0.5)
    for _ in range(40):
        now = t.now_ns()
        timer.arm(now + 200_000)
        t.sleep_until(now + 400_000)
        timer.finish(now + 400_000, t.FINISH_NONE, 0, 0)
    assert timer.wakes == 40
    assert timer.wake_latency_ns > 0
    median = timer.wake_latency_ns
    timer.set_quantile(0.99)
    assert timer.wake_latency_ns >= median
    with pytest.raises(ValueError):
        timer.set_quantile(1.0)
    timer.close()
    assert timer.closed


def test_finish_never_spins_under_sched_fifo() -> None:
    """Under SCHED_FIFO "auto" finishes by sleeping (RT throttling turns spinning into stalls)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to set SCHED_FIFO")
    seen: list[int] = []

    def run() -> None:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
        sched = Scheduler(0.01, clock=MonotonicClock())
        seen.append(sched._finish_mode())
        sched.close()

    th = threading.Thread(target=run)
    th.start()
    th.join()
    assert seen == [t.FINISH_SLEEP]
    sched = Scheduler(0.01, clock=MonotonicClock())
    assert sched._finish_mode() == t.FINISH_SPIN  # this (SCHED_OTHER) thread may spin
    sched.close()
