"""``doover-fsm board list | show NAME | detect | check NAME``: inspect and verify board configs.

``check`` opens every line and IIO channel the board names (with the real backends unless the
board is virtual), reports each problem on its own line with file:line, and exits 1 if any.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

from doover_fsm.clock import MonotonicClock
from doover_fsm.errors import DooverFSMError
from doover_fsm.io._tomlpos import SourcePositions
from doover_fsm.io.backend import LineConfig
from doover_fsm.io.board import Board, known_boards, load_board
from doover_fsm.io.boardio import BoardIO, make_backends
from doover_fsm.io.select import ENV_VAR, detect_board, read_device_tree


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("board", help="list, show, detect and check board configs")
    sub = p.add_subparsers(dest="board_cmd", metavar="SUBCOMMAND", required=True)
    sub.add_parser("list", help="known boards (name, file, description)").set_defaults(func=cmd_list)
    s = sub.add_parser("show", help="a board's lines and channels")
    s.add_argument("name", help="board name or path to a .toml file")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_show)
    d = sub.add_parser("detect", help="which board this machine's device tree matches")
    d.add_argument("--dt-root", default="/proc/device-tree", help="device-tree directory (for testing)")
    d.set_defaults(func=cmd_detect)
    c = sub.add_parser("check", help="open every line and channel; report each problem; exit 1 if any")
    c.add_argument("name", help="board name or path to a .toml file")
    c.add_argument("--sysfs-root", default=None, help="IIO sysfs root (default /sys/bus/iio/devices)")
    c.set_defaults(func=cmd_check)


def cmd_list(args: argparse.Namespace) -> int:
    for name, path in sorted(known_boards().items()):
        try:
            desc = load_board(path).description
        except DooverFSMError as e:
            desc = f"INVALID: {e}"
        print(f"{name:18} {desc}\n{'':18} {path}")
    return 0


def _pin(e: object) -> str:
    pin, name = getattr(e, "pin", None), getattr(e, "name", None)
    return " ".join(str(x) for x in (pin, name) if x is not None)


def cmd_show(args: argparse.Namespace) -> int:
    b = load_board(args.name)
    if args.json:
        print(json.dumps(_as_dict(b), indent=1, default=str))
        return 0
    print(f"{b.name}: {b.description}\n  file: {b.path}\n  backend: {b.backend}")
    print(f"  detect: compatible={list(b.compatible)} model={list(b.model)}")
    for e in (*b.di, *b.do):
        extra = f" safe={int(e.safe)} drive={e.drive}" if e.kind == "do" else f" debounce={e.debounce_ms:g}ms"
        print(f"  {e.kind.upper()} {_pin(e):8} {e.chip}:{e.line} bias={e.bias}"
              f"{' active-low' if e.active_low else ''}{extra}")
    for a in (*b.ai, *b.ao):
        cal = f" cal={a.calibration.type}" if a.calibration else ""
        safe = f" safe={a.safe:g}" if a.safe is not None else ""
        print(f"  {a.kind.upper()} {_pin(a):8} {a.device}/{a.channel} units={a.units or '-'}{cal}{safe}")
    for bus in b.modbus:
        print(f"  MODBUS {bus}: {dict(b.modbus[bus])}")
    print(f"  scheduler: {b.scheduler}")
    return 0


def _as_dict(b: Board) -> dict[str, object]:
    from dataclasses import asdict

    return {"name": b.name, "description": b.description, "path": str(b.path), "backend": b.backend,
            "compatible": b.compatible, "model": b.model,
            **{k: [asdict(e) for e in getattr(b, k)] for k in ("di", "do", "ai", "ao")},
            "modbus": dict(b.modbus), "scheduler": asdict(b.scheduler)}


def cmd_detect(args: argparse.Namespace) -> int:
    info = read_device_tree(args.dt_root)
    print(f"device tree: compatible={list(info.compatible)} model={info.model!r}")
    b = detect_board(args.dt_root)
    if b is None:
        print(f"no board matches; without --board or {ENV_VAR}, apps use the 'virtual' board")
        return 1
    print(f"detected: {b.name} ({b.path})")
    return 0


def check_board(b: Board, sysfs_root: str | None = None) -> list[str]:
    """Every problem opening ``b``'s lines and channels, one message each ([] when all is well).

    ``b`` was validated when it loaded (:func:`load_board`, the same path ``run`` uses). The
    backends are the ones ``run`` would use (:func:`make_backends`). Each line and channel is
    opened alone, so every problem is reported, then, if all opened, the whole board is opened,
    cycled and closed exactly as a run does it (one request per chip, safe values written).
    """
    problems: list[str] = []
    clock = MonotonicClock()
    gpio, analog, _world = make_backends(b, clock, sysfs_root)
    for e in (*b.di, *b.do):
        cfg = LineConfig(line=e.line, output=False, active_low=e.active_low, bias="as-is", where=e.where)
        try:
            h = gpio.request(e.chip, [cfg], "doover_fsm-check")
            h.release()
        except (DooverFSMError, OSError) as exc:
            problems.append(f"{e.kind.upper()} {_pin(e)}: {exc}")
    for a in (*b.ai, *b.ao):
        try:
            ch = analog.open_channel(a.device, a.channel, output=a.kind == "ao",
                                     scale=a.scale, offset=a.offset, where=a.where)
            if a.kind == "ai":
                ch.read()
            ch.close()
        except (DooverFSMError, OSError) as exc:
            problems.append(f"{a.kind.upper()} {_pin(a)}: {exc}")
    if b.backend == "virtual":
        problems.extend(_state_dir_problems(b))
    if not problems:
        problems.extend(_open_as_run_does(b, sysfs_root))
    return problems


def _state_dir_problems(b: Board) -> list[str]:
    """A virtual board's run writes outputs.json into its state dir: try it as run would (create
    the missing directories, write a file), then remove whatever the try created."""
    from doover_fsm.io.virtual import default_state_dir

    d = default_state_dir(b)
    missing = [p for p in (d, *d.parents) if not p.exists()]
    try:
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=d):
            pass
    except OSError as exc:
        line = SourcePositions(b.path.read_text(encoding="utf-8")).line_of("virtual", 0, "state_dir") \
            if "state_dir" in b.virtual else 0
        where = f"{b.path}:{line}: [virtual].state_dir" if line else "state dir ($DOOVER_VIRTUAL_DIR or the default)"
        return [f"{where}: {d} cannot hold inputs.json/outputs.json: {exc.strerror or exc}"]
    finally:
        for p in missing:  # deepest first
            with contextlib.suppress(OSError):
                p.rmdir()
    return []


def _open_as_run_does(b: Board, sysfs_root: str | None) -> list[str]:
    clock = MonotonicClock()
    gpio, analog, _world = make_backends(b, clock, sysfs_root)  # no VirtualPanel: a running app owns it
    io = BoardIO(b, clock=clock, post_event=lambda _e: True, gpio=gpio, analog=analog)
    try:
        io.open()
        try:
            io.read_inputs()
            io.write_outputs()
            io.safe_state()
        finally:
            io.close()
    except (DooverFSMError, OSError) as exc:
        return [f"opening the whole board as 'run' does: {exc}"]
    return []


def cmd_check(args: argparse.Namespace) -> int:
    b = load_board(args.name)  # every key and value checked here, as for 'run'
    problems = check_board(b, args.sysfs_root)
    n = len(b.di) + len(b.do) + len(b.ai) + len(b.ao)
    for msg in problems:
        print(f"PROBLEM {msg}", file=sys.stdout)
    if problems:
        print(f"board {b.name} ({Path(b.path)}): {len(problems)} problem(s) in {n} lines/channels")
        return 1
    buses = f", {len(b.modbus)} Modbus bus(es) valid" if b.modbus else ""
    print(f"board {b.name} ({b.path}): all {n} lines/channels OK{buses}")
    return 0
