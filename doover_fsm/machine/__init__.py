"""doover_fsm.machine."""
