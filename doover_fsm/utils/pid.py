"""A PID controller with output limits (pydoover's ``PID``).

``update(feedback, dt=None)`` returns the control output; without ``dt`` the time since the
last update comes from ``now`` (the monotonic clock by default; pass ``now=app.clock…`` in
tests). The first update only records the error and returns the last output (0).

Thread-safety: not synchronised; one controller per loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["PID"]


class PID:
    """Proportional-integral-derivative controller (see module doc)."""

    def __init__(self, Kp: float, Ki: float, Kd: float, setpoint: float = 0,
                 output_limits: tuple[float | None, float | None] = (None, None), *,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.Kp = Kp
        self.Ki = Ki
        self.Kd = Kd
        self.setpoint = setpoint
        self.output_limits = output_limits
        self._now = now
        self._last_time: float | None = None
        self._last_error: float | None = None
        self._integral = 0.0
        self._last_output: float = 0

    def update(self, feedback_value: float, dt: float | None = None) -> float:
        """One control step: the output for ``feedback_value`` (clamped to ``output_limits``)."""
        now = self._now()
        error = self.setpoint - feedback_value
        if self._last_time is None or self._last_error is None:
            self._last_time, self._last_error = now, error
            return self._last_output
        step = now - self._last_time if dt is None else dt
        if step <= 0.0:
            return self._last_output
        self._integral += error * step
        output = self.Kp * error + self.Ki * self._integral + self.Kd * (error - self._last_error) / step
        low, high = self.output_limits
        if low is not None:
            output = max(low, output)
        if high is not None:
            output = min(high, output)
        self._last_output, self._last_time, self._last_error = output, now, error
        return output

    def set_output_limits(self, min_output: float | None, max_output: float | None) -> None:
        self.output_limits = (min_output, max_output)

    def set_setpoint(self, setpoint: float) -> None:
        self.setpoint = setpoint

    def set_last_output(self, output: float) -> None:
        self._last_output = output

    def set_last_error(self, error: float | None) -> None:
        self._last_error = error

    def set_integral_output(self, integral_output: float) -> None:
        """Preload the integral so that the integral term alone gives ``integral_output``."""
        self._integral = 0.0 if self.Ki == 0 else integral_output / self.Ki

    def reset(self) -> None:
        self._last_time = None
        self._last_error = None
        self._integral = 0.0
        self._last_output = 0
