"""doover_fsm.app."""
