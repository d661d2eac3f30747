"""Deadline arithmetic on the scan grid (pure integers)."""

from __future__ import annotations

import pytest

from doover_fsm.scheduler.grid import DeadlineGrid


def test_deadlines_are_t0_plus_k_periods() -> None:
    g = DeadlineGrid(anchor_ns=1_000, period_ns=250)
    assert [g.deadline(k) for k in range(4)] == [1_000, 1_250, 1_500, 1_750]


@pytest.mark.parametrize(("t", "expected"), [(999, -1), (1_000, 0), (1_249, 0), (1_250, 1), (10_000, 36)])
def test_index_at_or_before(t: int, expected: int) -> None:
    assert DeadlineGrid(anchor_ns=1_000, period_ns=250).index_at_or_before(t) == expected


@pytest.mark.parametrize(("t", "minimum", "expected"),
                         [(1_000, 0, 0), (1_001, 0, 1), (1_250, 0, 1), (1_251, 0, 2), (1_001, 5, 5)])
def test_first_index_not_before(t: int, minimum: int, expected: int) -> None:
    assert DeadlineGrid(anchor_ns=1_000, period_ns=250).first_index_not_before(t, minimum) == expected


def test_reanchor_keeps_the_anchor_slot_and_changes_the_spacing_after_it() -> None:
    g = DeadlineGrid(anchor_ns=0, period_ns=100)
    g.reanchor(5, 40)
    assert g.deadline(5) == 500
    assert [g.deadline(k) for k in (6, 7)] == [540, 580]
    assert g.index_at_or_before(579) == 6


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period_ns"):
        DeadlineGrid(anchor_ns=0, period_ns=0)
    with pytest.raises(ValueError, match="period_ns"):
        DeadlineGrid(anchor_ns=0, period_ns=10).reanchor(1, -1)
