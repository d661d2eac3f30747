"""doover_fsm.tags."""
