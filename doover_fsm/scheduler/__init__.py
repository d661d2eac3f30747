"""doover_fsm.scheduler."""
