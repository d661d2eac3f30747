"""doover_fsm.cli.commands."""
