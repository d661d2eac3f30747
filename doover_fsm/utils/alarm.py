"""A threshold alarm with a grace period and a minimum time between alarms (pydoover's ``create_alarm``).

Times come from ``now`` (the monotonic clock by default). Thread-safety: not synchronised.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from doover_fsm._util.maybe_async import call_maybe_async

log = logging.getLogger(__name__)

__all__ = ["Alarm", "create_alarm"]


class Alarm:
    """Fire ``callback`` once ``threshold_met(value)`` held ``grace_period`` s; then not for ``min_inter_alarm`` s."""

    DEFAULT_GRACE_PERIOD = 60 * 60
    DEFAULT_MIN_INTER_ALARM = 60 * 60 * 24

    def __init__(self, threshold_met: Callable[[Any], bool], callback: Callable[[], Any] | None = None,
                 grace_period: float | None = None, min_inter_alarm: float | None = None, *,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.threshold_met = threshold_met
        self.callback = callback
        self.grace_period = grace_period or self.DEFAULT_GRACE_PERIOD
        self.min_inter_alarm = min_inter_alarm or self.DEFAULT_MIN_INTER_ALARM
        self.last_alarm_time: float | None = None
        self.initial_trigger_time: float | None = None
        self._now = now

    async def check_value(self, value: Any, threshold_met: Any = None, grace_period: float | None = None,
                          min_inter_alarm: float | None = None) -> bool:
        """Feed one value; True if the alarm fired now."""
        if grace_period is not None:
            self.grace_period = grace_period
        if min_inter_alarm is not None:
            self.min_inter_alarm = min_inter_alarm
        if self.threshold_met(value) is False:
            self.initial_trigger_time = None
            return False
        now = self._now()
        if self.initial_trigger_time is None:
            self.initial_trigger_time = now
            return False
        if self.initial_trigger_time + self.grace_period >= now:
            return False
        if self.last_alarm_time is not None and self.last_alarm_time + self.min_inter_alarm >= now:
            return False
        if self.callback is not None:
            await call_maybe_async(self.callback)
        self.last_alarm_time = self._now()
        return True

    def reset_alarm(self) -> None:
        self.last_alarm_time = None
        self.initial_trigger_time = None


def create_alarm(func: Callable[..., Awaitable[Any]], threshold_met: Callable[[Any], bool],
                 callback: Callable[[], Any] | None = None, grace_period: float | None = None,
                 min_inter_alarm: float | None = None) -> Callable[..., Awaitable[Any]]:
    """Wrap an async reading function so each result is checked against an :class:`Alarm` (``wrapper.alarm``)."""
    alarm = Alarm(threshold_met, callback, grace_period, min_inter_alarm)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = await func(*args, **kwargs)
        await alarm.check_value(result, threshold_met)
        return result

    wrapper.alarm = alarm  # type: ignore[attr-defined]
    return wrapper
