"""doover_fsm._core."""
