"""doover_fsm: Doover-style device applications as hierarchical state machines on a deterministic scan."""
