"""doover_fsm.io."""
