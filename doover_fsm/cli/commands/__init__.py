"""One module per ``doover-fsm`` subcommand, each with ``register(subparsers)``."""
