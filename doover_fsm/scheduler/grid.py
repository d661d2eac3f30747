"""Deadline arithmetic on the scan grid ``anchor + (k - anchor_index) * T`` (pure, integer ns).

Kept apart from the scheduler so the rules (skip on overrun, re-anchor on a period change) are
plain functions of integers that tests can check exactly. Not thread-safe (plain object).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class DeadlineGrid:
    """Absolute deadlines ``anchor_ns + (k - anchor_index) * period_ns`` for slot indices k."""

    anchor_ns: int
    period_ns: int
    anchor_index: int = 0

    def __post_init__(self) -> None:
        if self.period_ns <= 0:
            raise ValueError(f"DeadlineGrid: period_ns must be > 0, got {self.period_ns!r}")

    def deadline(self, index: int) -> int:
        """Deadline of slot ``index``."""
        return self.anchor_ns + (index - self.anchor_index) * self.period_ns

    def index_at_or_before(self, t_ns: int) -> int:
        """The last slot whose deadline is <= ``t_ns`` (floor division, also before the anchor)."""
        return self.anchor_index + (t_ns - self.anchor_ns) // self.period_ns

    def first_index_not_before(self, t_ns: int, minimum: int) -> int:
        """The smallest index >= ``minimum`` whose deadline is >= ``t_ns``."""
        # ceil((t - anchor) / T) without floats
        k = self.anchor_index - ((self.anchor_ns - t_ns) // self.period_ns)
        return max(k, minimum)

    def reanchor(self, index: int, period_ns: int) -> None:
        """Change the period keeping slot ``index`` where it is: later slots move, earlier history
        stays (no phase jump at ``index``, the next deadline is ``deadline(index) + period_ns``)."""
        if period_ns <= 0:
            raise ValueError(f"DeadlineGrid: period_ns must be > 0, got {period_ns!r}")
        self.anchor_ns = self.deadline(index)
        self.anchor_index = index
        self.period_ns = period_ns
