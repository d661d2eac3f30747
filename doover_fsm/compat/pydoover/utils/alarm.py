"""``pydoover.utils.alarm``, answered by doover_fsm."""

from doover_fsm.utils.alarm import Alarm, create_alarm

__all__ = ["Alarm", "create_alarm"]
