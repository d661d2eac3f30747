"""doover_fsm.config."""
