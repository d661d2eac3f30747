"""doover_fsm.ui."""
