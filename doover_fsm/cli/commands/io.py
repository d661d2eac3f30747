"""``doover-fsm io get | set KIND PIN VALUE``: poke the ``virtual`` board of a running app.

The app's virtual board re-reads ``<state_dir>/inputs.json`` when its mtime changes (once per
scan at most) and writes ``<state_dir>/outputs.json`` when its outputs change; this command
edits the one and prints both. ``state_dir`` is as documented in docs/boards.md.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from doover_fsm.cli._common import CLIError
from doover_fsm.io.board import load_board
from doover_fsm.io.virtual import default_state_dir, write_json_atomic


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("io", help="read outputs / set inputs of a running app's virtual board")
    p.add_argument("--board", default="virtual", help="a board with backend = 'virtual' (default: virtual)")
    p.add_argument("--state-dir", default=None, help="override the virtual board's state dir")
    sub = p.add_subparsers(dest="io_cmd", metavar="SUBCOMMAND", required=True)
    sub.add_parser("get", help="print inputs and outputs as JSON").set_defaults(func=cmd_get)
    s = sub.add_parser("set", help="set an input: io set di 0 1 | io set ai 2 12.5 (raw units)")
    s.add_argument("kind", choices=("di", "ai"))
    s.add_argument("pin")
    s.add_argument("value")
    s.set_defaults(func=cmd_set)


def _dir(args: argparse.Namespace) -> tuple[Path, Any]:
    board = load_board(args.board)
    if board.backend != "virtual":
        raise CLIError(f"board {board.name!r} is not virtual (backend = {board.backend!r})")
    return (Path(args.state_dir) if args.state_dir else default_state_dir(board)), board


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def cmd_get(args: argparse.Namespace) -> int:
    d, _board = _dir(args)
    print(json.dumps({"state_dir": str(d), "inputs": _load(d / "inputs.json"),
                      "outputs": _load(d / "outputs.json")}, indent=1, sort_keys=True))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    d, board = _dir(args)
    entry = board.lookup(args.kind, args.pin)  # PinError names the pin and the board
    if args.kind == "di":
        if args.value.lower() not in ("0", "1", "true", "false", "on", "off"):
            raise CLIError(f"DI value must be 0/1/true/false/on/off, got {args.value!r}")
        value: Any = args.value.lower() in ("1", "true", "on")
    else:
        try:
            value = float(args.value)
        except ValueError as e:
            raise CLIError(f"AI value must be a number, got {args.value!r}") from e
        if not math.isfinite(value):
            raise CLIError(f"AI value must be a finite number, got {args.value!r}")
    path = d / "inputs.json"
    data = _load(path)
    data.setdefault(args.kind, {})[str(entry.key)] = value
    write_json_atomic(path, data)
    print(f"{args.kind.upper()} {entry.key} = {value} ({path})")
    return 0
