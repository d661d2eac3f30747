"""``pydoover.models``, answered by doover_fsm."""
