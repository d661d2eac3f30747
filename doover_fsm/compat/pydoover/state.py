"""``pydoover.state``, answered by doover_fsm."""
