"""Cost of one scan's I/O: read 8 DIs + 4 AIs and write 8 DOs, batched vs one call per line.

Batched is what ``BoardIO`` does (ONE ``get_values`` per chip for all DIs, ONE ``set_values``
per chip for the DOs that changed, one ``pread`` per AI). The anchor is the per-line style of
pydoover-era code: one request per line and one get/set call per line (raw ``gpiod`` calls on
real chips, per-line backend handles on the virtual board). Every scan toggles all 8 DOs so
both sides really write.

    # host (no GPIO here): the in-package virtual board
    PYTHONPATH=. python benchmarks/bench_io.py --board virtual
    # inside the QEMU guest on the real gpio-sim chip + iio_dummy ADC (prints the same table):
    scripts/hw/run-hw-tests -s -k bench_io      # runs tests/hw/test_gpio_bench_io.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from doover_fsm.clock import MonotonicClock
from doover_fsm.io import Board, BoardIO, load_board, parse_board_text
from doover_fsm.io.backend import LineConfig


def bench_board(base: str, n_ai: int = 4) -> Board:
    """``base`` with exactly 8 DI, 8 DO and ``n_ai`` AIs (extra AIs re-read the first AI's channel)."""
    b = load_board(base)
    if len(b.di) < 8 or len(b.do) < 8 or not b.ai:
        raise SystemExit(f"board {base!r} needs >= 8 DI, 8 DO and 1 AI")
    lines = ['[board]\nname = "bench"']
    if b.backend == "virtual":
        lines.append('backend = "virtual"')
    for e in b.di[:8]:
        lines.append(f'[[di]]\npin = {e.pin}\nchip = "{e.chip}"\nline = {_q(e.line)}')
    for e in b.do[:8]:
        lines.append(f'[[do]]\npin = {e.pin}\nchip = "{e.chip}"\nline = {_q(e.line)}')
    for k in range(n_ai):
        a = b.ai[k % len(b.ai)]
        lines.append(f'[[ai]]\npin = {k}\ndevice = "{a.device}"\nchannel = "{a.channel}"')
    return parse_board_text("\n".join(lines) + "\n", Path(f"bench-{base}.toml"))


def _q(v: str | int) -> str:
    return str(v) if isinstance(v, int) else f'"{v}"'


def time_scans(scan: Callable[[int], None], n: int) -> list[float]:
    out = []
    for k in range(n):
        t0 = time.perf_counter_ns()
        scan(k)
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def batched(board: Board, sysfs_root: str | None, n: int) -> list[float]:
    io = BoardIO(board, clock=MonotonicClock(), post_event=lambda e: True, sysfs_root=sysfs_root)
    io.open()
    io.virtual_panel = None  # the virtual board's JSON mirror is a demo aid, not scan I/O
    try:
        do = io.do_state
        keys = list(do)

        def scan(k: int) -> None:
            io.read_inputs()
            v = bool(k & 1)
            for key in keys:
                do[key] = v
            io.write_outputs()

        return time_scans(scan, n)
    finally:
        io.close()


def per_line(board: Board, sysfs_root: str | None, n: int) -> list[float]:
    """One request per line, one call per line per scan."""
    io = BoardIO(board, clock=MonotonicClock(), post_event=lambda e: True, sysfs_root=sysfs_root)
    io._make_backends()
    gpio, analog = io._gpio, io._analog
    assert gpio is not None and analog is not None
    handles: list[Any] = []
    try:
        if board.backend == "virtual":
            dis = [gpio.request(e.chip, [LineConfig(e.line, False)], "bench") for e in board.di]
            dos = [gpio.request(e.chip, [LineConfig(e.line, True)], "bench") for e in board.do]
            handles = dis + dos
            get = [h.get_values for h in dis]
            put = [h.set_values for h in dos]

            def read_di() -> None:
                for g in get:
                    g()

            def write_do(v: bool) -> None:
                for p in put:
                    p({0: v})
        else:
            import gpiod
            from gpiod.line import Direction, Value

            paths = gpio.chip_labels()  # type: ignore[attr-defined]
            dis = [gpiod.request_lines(paths[e.chip], consumer="bench",
                                       config={e.line: gpiod.LineSettings(direction=Direction.INPUT)})
                   for e in board.di]
            dos = [gpiod.request_lines(paths[e.chip], consumer="bench",
                                       config={e.line: gpiod.LineSettings(direction=Direction.OUTPUT)})
                   for e in board.do]
            handles = dis + dos
            di_calls = [(r.get_value, e.line) for r, e in zip(dis, board.di, strict=True)]
            do_calls = [(r.set_value, e.line) for r, e in zip(dos, board.do, strict=True)]

            def read_di() -> None:
                for f, ln in di_calls:
                    f(ln)

            def write_do(v: bool) -> None:
                val = Value.ACTIVE if v else Value.INACTIVE
                for f, ln in do_calls:
                    f(ln, val)
        chans = [analog.open_channel(a.device, a.channel, output=False, scale=a.scale, offset=a.offset)
                 for a in board.ai]
        handles += chans

        def scan(k: int) -> None:
            read_di()
            for c in chans:
                c.read()
            write_do(bool(k & 1))

        return time_scans(scan, n)
    finally:
        for h in handles:
            (getattr(h, "release", None) or h.close)()


def run(board_name: str, n: int, sysfs_root: str | None = None) -> dict[str, float]:
    """Print and return the figures: 8 DI + 4 AI + 8 DO, and the GPIO part alone (no AI)."""
    res = _run(board_name, n, sysfs_root, 4)
    gpio = _run(board_name, n, sysfs_root, 0)
    res.update({f"gpio_{k}": v for k, v in gpio.items()})
    return res


def _run(board_name: str, n: int, sysfs_root: str | None, n_ai: int) -> dict[str, float]:
    board = bench_board(board_name, n_ai)
    batched(board, sysfs_root, max(50, n // 10))  # warm-up
    b = batched(board, sysfs_root, n)
    p = per_line(board, sysfs_root, n)
    res = {"batched_p50": statistics.median(b), "batched_mean": statistics.fmean(b),
           "per_line_p50": statistics.median(p), "per_line_mean": statistics.fmean(p)}
    res["ratio_p50"] = res["per_line_p50"] / res["batched_p50"]
    print(f"bench_io on board {board_name!r} ({len(board.di)} DI + {len(board.ai)} AI read, "
          f"{len(board.do)} DO written per scan, {n} scans)")
    print(f"  batched (BoardIO, one call per chip): p50 {res['batched_p50']:8.1f} us   "
          f"mean {res['batched_mean']:8.1f} us")
    print(f"  one call per line (anchor)          : p50 {res['per_line_p50']:8.1f} us   "
          f"mean {res['per_line_mean']:8.1f} us")
    print(f"  per-line / batched (p50)            : {res['ratio_p50']:.2f}x")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", default="virtual", help="virtual (host) or sim (QEMU guest)")
    ap.add_argument("--scans", type=int, default=5000)
    ap.add_argument("--sysfs-root", default=None)
    args = ap.parse_args()
    run(args.board, args.scans, args.sysfs_root)


if __name__ == "__main__":
    main()
