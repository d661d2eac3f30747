"""``pydoover.utils.deprecator``, answered by doover_fsm."""

from doover_fsm.utils.misc import deprecated

__all__ = ["deprecated"]
