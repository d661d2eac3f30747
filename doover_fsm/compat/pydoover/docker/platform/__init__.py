"""``pydoover.docker.platform``, answered by doover_fsm."""
