"""``pydoover.utils.pid``, answered by doover_fsm."""

from doover_fsm.utils.pid import PID

__all__ = ["PID"]
