"""doover_fsm.cli."""
