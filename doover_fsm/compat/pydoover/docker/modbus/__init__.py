"""``pydoover.docker.modbus``, answered by doover_fsm."""
