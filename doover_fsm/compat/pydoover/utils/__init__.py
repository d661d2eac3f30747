"""``pydoover.utils``, answered by doover_fsm."""
