"""A one-dimensional Kalman filter for noisy sensor readings, and pydoover's decorators for it.

``apply_kalman_filter``/``apply_async_kalman_filter`` filter what a method returns, one filter
per (instance, method), with pydoover's parameters and per-call ``kf_*`` overrides. Time
between readings comes from the owner's doover_fsm clock when it has one (``self.clock``: the
virtual clock in test mode), else the monotonic clock — never the wall clock, which can step.

Thread-safety: a filter is not synchronised; one filter per reading source.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

__all__ = ["KalmanFilter1D", "apply_async_kalman_filter", "apply_kalman_filter"]

F = TypeVar("F", bound=Callable[..., Any])
_KF_KWARGS = ("kf_measurement_variance", "kf_dt", "kf_outlier_protection", "kf_process_variance")


def _seconds(owner: object) -> float:
    clock = getattr(owner, "clock", None)
    monotonic_ns = getattr(clock, "monotonic_ns", None)
    if callable(monotonic_ns):
        return float(monotonic_ns()) / 1e9
    return time.monotonic()


class KalmanFilter1D:
    """Estimate a slowly varying value from noisy measurements (constant-value model).

    ``process_variance`` (per second) is how fast the true value may move; a measurement further
    than ``outlier_threshold`` × the error estimate from the estimate is trusted
    ``outlier_variance_multiplier`` times less. The first measurement becomes the estimate.
    """

    DEFAULT_PROCESS_VARIANCE = 0.5
    DEFAULT_MEASUREMENT_VARIANCE = 0.5
    INITIAL_ERROR_RATIO = 25
    DEFAULT_OUTLIER_THRESHOLD = 5
    DEFAULT_OUTLIER_VARIANCE_MULTIPLIER = 25

    def __init__(self, initial_estimate: float | None = None, initial_error_estimate: float | None = None,
                 process_variance: float | None = None, outlier_protection: bool | None = None,
                 outlier_threshold: float | None = None, outlier_variance_multiplier: float | None = None,
                 *, now: Callable[[], float] = time.monotonic) -> None:
        self.debug = False
        self.enabled = True
        self.estimate = initial_estimate
        self.error_estimate = initial_error_estimate
        # pydoover treats 0 like "not given" for these three; kept so tuned apps behave the same.
        self.process_variance = process_variance or self.DEFAULT_PROCESS_VARIANCE
        self.outlier_protection = True if outlier_protection is None else outlier_protection
        self.outlier_threshold = outlier_threshold or self.DEFAULT_OUTLIER_THRESHOLD
        self.outlier_variance_multiplier = outlier_variance_multiplier or self.DEFAULT_OUTLIER_VARIANCE_MULTIPLIER
        self.kalman_gain = 0.0
        self.last_timestamp: float | None = None
        self._now = now

    def set_estimate(self, estimate: float | None) -> None:
        self.estimate = estimate

    def set_error_estimate(self, error_estimate: float | None) -> None:
        self.error_estimate = error_estimate

    def set_process_variance(self, process_variance: float) -> None:
        self.process_variance = process_variance

    def set_outlier_protection(self, outlier_protection: bool) -> None:
        self.outlier_protection = outlier_protection

    def set_outlier_threshold(self, outlier_threshold: float) -> None:
        self.outlier_threshold = outlier_threshold

    def set_outlier_variance_multiplier(self, outlier_variance_multiplier: float) -> None:
        self.outlier_variance_multiplier = outlier_variance_multiplier

    def update(self, measurement: float | None, measurement_variance: float | None = None, dt: float | None = None,
               outlier_protection: bool | None = None, process_variance: float | None = None) -> float | None:
        """Fold in one measurement and return the new estimate (``None`` in: the last estimate out)."""
        if not self.enabled:
            return measurement
        if process_variance is not None:
            self.process_variance = process_variance
        if measurement is None:
            return self.estimate
        r = measurement_variance or self.DEFAULT_MEASUREMENT_VARIANCE
        if self.error_estimate is None:
            self.error_estimate = r * self.INITIAL_ERROR_RATIO
        now = self._now()
        if self.estimate is None:
            self.estimate = measurement
            self.last_timestamp = now
            return self.estimate
        if dt is None:
            dt = 1.0 if self.last_timestamp is None else now - self.last_timestamp
        self.last_timestamp = now

        protect = self.outlier_protection if outlier_protection is None else outlier_protection
        if protect and abs(measurement - self.estimate) > self.outlier_threshold * self.error_estimate:
            r *= self.outlier_variance_multiplier
            if self.debug:
                log.debug("outlier: %s (threshold %s)", measurement, self.outlier_threshold * self.error_estimate)

        predicted = self.error_estimate + self.process_variance * dt
        total = predicted + r
        self.kalman_gain = predicted / (total if total != 0 else 0.0001)
        self.estimate = self.estimate + self.kalman_gain * (measurement - self.estimate)
        self.error_estimate = (1 - self.kalman_gain) * predicted
        if self.debug:
            log.debug("measurement %s → estimate %s (error %s)", measurement, self.estimate, self.error_estimate)
        return self.estimate


def _filter_for(owner: Any, key: int, params: dict[str, Any]) -> KalmanFilter1D:
    filters: dict[int, KalmanFilter1D] | None = getattr(owner, "_kf_instances", None)
    if filters is None:
        filters = {}
        owner._kf_instances = filters
    kf = filters.get(key)
    if kf is None:
        kf = filters[key] = KalmanFilter1D(**params, now=lambda: _seconds(owner))
    return kf


def _split(kwargs: dict[str, Any]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    overrides = tuple(kwargs.pop(name, None) for name in _KF_KWARGS)
    return kwargs, overrides


def apply_kalman_filter(initial_estimate: float | None = None, initial_error_estimate: float | None = None,
                        process_variance: float | None = None, outlier_protection: bool | None = None,
                        outlier_threshold: float | None = None,
                        outlier_variance_multiplier: float | None = None) -> Callable[[F], F]:
    """Decorate a method returning one reading so it returns the filtered reading.

    Per call, ``kf_measurement_variance=``, ``kf_dt=``, ``kf_outlier_protection=`` and
    ``kf_process_variance=`` tune the update; they are not passed on to the method.
    """
    params = dict(initial_estimate=initial_estimate, initial_error_estimate=initial_error_estimate,
                  process_variance=process_variance, outlier_protection=outlier_protection,
                  outlier_threshold=outlier_threshold, outlier_variance_multiplier=outlier_variance_multiplier)

    def decorator(func: F) -> F:
        key = id(func)

        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            kf = _filter_for(self, key, params)
            wrapper._kalman_filter = kf  # type: ignore[attr-defined]
            kwargs, overrides = _split(kwargs)
            return kf.update(func(self, *args, **kwargs), *overrides)

        return wrapper  # type: ignore[return-value]

    return decorator


def apply_async_kalman_filter(initial_estimate: float | None = None, initial_error_estimate: float | None = None,
                              process_variance: float | None = None, outlier_protection: bool | None = None,
                              outlier_threshold: float | None = None,
                              outlier_variance_multiplier: float | None = None) -> Callable[[F], F]:
    """:func:`apply_kalman_filter` for ``async`` methods."""
    params = dict(initial_estimate=initial_estimate, initial_error_estimate=initial_error_estimate,
                  process_variance=process_variance, outlier_protection=outlier_protection,
                  outlier_threshold=outlier_threshold, outlier_variance_multiplier=outlier_variance_multiplier)

    def decorator(func: F) -> F:
        key = id(func)

        @functools.wraps(func)
        async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            kf = _filter_for(self, key, params)
            wrapper._kalman_filter = kf  # type: ignore[attr-defined]
            kwargs, overrides = _split(kwargs)
            reading = func(self, *args, **kwargs)
            if isinstance(reading, Awaitable):
                reading = await reading
            return kf.update(reading, *overrides)

        return wrapper  # type: ignore[return-value]

    return decorator
