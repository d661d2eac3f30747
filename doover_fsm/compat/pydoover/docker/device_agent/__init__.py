"""``pydoover.docker.device_agent``, answered by doover_fsm."""
