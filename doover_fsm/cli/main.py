"""``doover-fsm``: run apps, look at channels and tags, boards, timing, diagrams.

Each subcommand lives in ``doover_fsm/cli/commands/<name>.py`` with ``register(subparsers)``;
this module only discovers and dispatches them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from doover_fsm import __version__
from doover_fsm._util.usererrors import run_guarded
from doover_fsm.cli import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doover-fsm",
        description="Run Doover-style control apps as state machines on a deterministic scan.",
        epilog="Run 'doover-fsm COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"doover-fsm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return run_guarded(f"doover-fsm {args.command}", lambda: int(func(args) or 0))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
