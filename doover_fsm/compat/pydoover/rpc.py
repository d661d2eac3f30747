"""``pydoover.rpc``, answered by doover_fsm."""
