"""``pydoover.utils.kalman``, answered by doover_fsm."""

from doover_fsm.utils.kalman import KalmanFilter1D, apply_async_kalman_filter, apply_kalman_filter

__all__ = ["KalmanFilter1D", "apply_async_kalman_filter", "apply_kalman_filter"]
