"""Scheduler behaviour on a virtual clock: slots, skip-on-overrun, period changes, stats, errors."""

from __future__ import annotations

import math

import pytest

import doover_fsm.scheduler as sched_pkg
from doover_fsm.clock import VirtualClock
from doover_fsm.errors import SchedulerError
from doover_fsm.scheduler import ScanResult, ScanSlot, Scheduler, SchedulerSettings, SchedulerStats

MS = 1_000_000


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start_time=1_700_000_000.0)


@pytest.fixture
def sched(clock: VirtualClock):  # type: ignore[no-untyped-def]
    s = Scheduler(0.010, clock=clock)
    s.start()
    yield s
    s.close()


async def test_virtual_clock_never_waits_and_returns_the_current_slot(sched: Scheduler,
                                                                      clock: VirtualClock) -> None:
    slot = await sched.wait_for_next_scan()
    assert slot == ScanSlot(index=0, deadline_ns=0, woke_ns=0, lateness_ns=0, skipped=0)
    assert sched.end_scan() == ScanResult(duration_ns=0, overrun=False, skipped=0)
    clock.advance(0.010)
    slot = await sched.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns, slot.lateness_ns) == (1, 10 * MS, 0)
    sched.end_scan()
    clock.advance(0.003)  # 13 ms: slot 1 has run, slot 2 (20 ms) is not due, the next scan runs early
    slot = await sched.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns, slot.lateness_ns) == (2, 20 * MS, -7 * MS)


async def test_a_time_jump_skips_to_the_latest_due_slot(sched: Scheduler, clock: VirtualClock) -> None:
    await sched.wait_for_next_scan()
    sched.end_scan()
    clock.advance(0.045)
    slot = await sched.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns, slot.lateness_ns, slot.skipped) == (4, 40 * MS, 5 * MS, 3)


async def test_overrun_skips_slots_and_keeps_the_phase_on_the_grid(sched: Scheduler,
                                                                   clock: VirtualClock) -> None:
    await sched.wait_for_next_scan()
    clock.advance(0.025)  # the scan takes 2.5 periods: slots 1 and 2 are missed
    result = sched.end_scan()
    assert result == ScanResult(duration_ns=25 * MS, overrun=True, skipped=2)
    clock.advance(0.004)  # 29 ms: before slot 3's deadline
    slot = await sched.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns) == (3, 30 * MS)  # on the grid: t0 + 3T, not 25 ms + T
    sched.end_scan(now_ns=31 * MS)
    st = sched.statistics()
    assert (st.scans, st.overruns, st.skipped) == (2, 1, 2)


async def test_ending_exactly_on_the_next_deadline_is_not_an_overrun(sched: Scheduler) -> None:
    await sched.wait_for_next_scan()
    assert sched.end_scan(now_ns=10 * MS) == ScanResult(10 * MS, False, 0)


async def test_period_change_anchors_at_the_last_deadline(sched: Scheduler, clock: VirtualClock) -> None:
    for _ in range(3):  # slots 0, 1, 2 at 0, 10, 20 ms
        await sched.wait_for_next_scan()
        sched.end_scan()
        clock.advance(0.010)
    sched.period = 0.004  # at 30 ms, the last deadline was 20 ms: next at 24 ms, then 28, 32 ...
    assert sched.period == pytest.approx(0.004)
    slot = await sched.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns, slot.skipped) == (4, 28 * MS, 1)  # 24 passed: one scan, no burst
    sched.end_scan()
    clock.advance(0.002)  # 32 ms
    slot = await sched.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns, slot.skipped) == (5, 32 * MS, 0)
    sched.end_scan()
    sched.period = 0.050  # longer: 32 + 50 ms, no jump backwards
    clock.advance(0.049)
    slot = await sched.wait_for_next_scan()
    assert slot.deadline_ns == 82 * MS and slot.lateness_ns == -1 * MS


async def test_period_change_during_a_scan_applies_from_the_next_deadline(sched: Scheduler,
                                                                          clock: VirtualClock) -> None:
    await sched.wait_for_next_scan()  # slot 0 at 0
    sched.period = 0.001
    clock.advance(0.0005)
    assert sched.end_scan() == ScanResult(MS // 2, False, 0)
    clock.advance(0.0005)
    slot = await sched.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns, slot.lateness_ns) == (1, MS, 0)


async def test_period_set_before_start_and_start_time(clock: VirtualClock) -> None:
    s = Scheduler(1.0, clock=clock)
    s.period = 0.5
    s.start(now_ns=3 * MS)
    assert (await s.wait_for_next_scan()).deadline_ns == 3 * MS
    s.end_scan()
    clock.advance(1.0)
    slot = await s.wait_for_next_scan()
    assert (slot.index, slot.deadline_ns) == (1, 3 * MS + 500 * MS)
    s.close()


async def test_wait_starts_implicitly_and_ends_an_unended_scan(clock: VirtualClock) -> None:
    s = Scheduler(0.01, clock=clock)
    await s.wait_for_next_scan()
    clock.advance(0.01)
    await s.wait_for_next_scan()  # the previous scan is ended for us
    assert s.statistics().scans == 1
    s.close()


async def test_statistics_and_reset(sched: Scheduler, clock: VirtualClock) -> None:
    for i in range(10):
        await sched.wait_for_next_scan()
        clock.advance(0.001 * (i + 1) / 10)
        sched.end_scan()
        clock.advance(0.010 - 0.001 * (i + 1) / 10)
    st = sched.statistics()
    assert isinstance(st, SchedulerStats)
    assert (st.scans, st.overruns, st.skipped, st.period, st.compensation_ns) == (10, 0, 0, 0.01, 0)
    assert st.duration_max_ns == MS
    assert 0 < st.duration_p50_ns <= st.duration_p90_ns <= st.duration_p99_ns <= st.duration_max_ns
    assert st.lateness_max_ns == 0
    with pytest.raises(AttributeError):
        st.scans = 3  # type: ignore[misc]
    sched.reset_statistics()
    assert sched.statistics().scans == 0


async def test_end_scan_without_a_scan_is_an_error(sched: Scheduler) -> None:
    with pytest.raises(SchedulerError, match="without a scan in progress"):
        sched.end_scan()


async def test_closed_scheduler_refuses_use(clock: VirtualClock) -> None:
    s = Scheduler(0.01, clock=clock)
    s.close()
    s.close()
    with pytest.raises(SchedulerError, match="closed"):
        await s.wait_for_next_scan()
    with pytest.raises(SchedulerError, match="closed"):
        s.statistics()


@pytest.mark.parametrize("bad", [0, -0.001, math.nan, math.inf, "1", True, None, 1e-12])
def test_period_validation(clock: VirtualClock, bad: object) -> None:
    with pytest.raises(ValueError, match="period"):
        Scheduler(bad, clock=clock)  # type: ignore[arg-type]
    s = Scheduler(0.01, clock=clock)
    with pytest.raises(ValueError, match="period"):
        s.period = bad  # type: ignore[assignment]
    assert s.period == 0.01
    s.close()


@pytest.mark.parametrize("kwargs", [
    {"compensation": "on"}, {"compensation": -1}, {"compensation": True}, {"compensation": 1.5},
    {"finish": "busy"}, {"max_early_ns": -1}, {"max_early_ns": 1.0},
    {"wake_quantile": 0.0}, {"wake_quantile": 1.0}, {"wake_quantile": math.nan},
])
def test_settings_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="SchedulerSettings"):
        SchedulerSettings(**kwargs)  # type: ignore[arg-type]


def test_settings_defaults_and_valid_values() -> None:
    s = SchedulerSettings()
    assert (s.compensation, s.finish) == ("auto", "auto")
    SchedulerSettings(compensation=100_000, finish="sleep", max_early_ns=0, wake_quantile=0.5)
    SchedulerSettings(compensation="off", finish="none")
    assert (s.quantile_for(spinning=True), s.quantile_for(spinning=False)) == (0.9, 0.99)
    assert SchedulerSettings(wake_quantile=0.5).quantile_for(spinning=False) == 0.5


def test_public_exports() -> None:
    assert sorted(sched_pkg.__all__) == sorted([
        "RealtimeReport", "RealtimeSettings", "ScanResult", "ScanSlot", "Scheduler", "SchedulerSettings",
        "SchedulerStats", "apply_realtime"])
    for name in sched_pkg.__all__:
        assert getattr(sched_pkg, name) is not None
