"""Safe values reach the sim lines before release: after SIGTERM and after an unhandled crash.

A tiny script opens BoardIO on the ``sim`` board, drives every DO high (their safe value is
low), then either waits for SIGTERM (its handler calls ``close()``, as the app runner does) or
crashes with an unhandled exception (``close()`` runs from atexit). Just before the lines are
released the script says RELEASING and waits, so the test can read the lines while they are
still held (released gpio-sim lines fall back to their pulls, which would prove nothing).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = textwrap.dedent("""
    import signal, sys, time
    from doover_fsm.clock import MonotonicClock
    from doover_fsm.io import BoardIO, load_board

    def before_release():
        print("RELEASING", flush=True)
        sys.stdin.readline()

    io = BoardIO(load_board("sim"), clock=MonotonicClock(), post_event=lambda e: True)
    io.open()
    io._before_release = before_release
    for pin in range(8):
        io.do_state[pin] = True
    io.write_outputs()

    def on_term(signum, frame):
        io.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    print("READY", flush=True)
    if sys.argv[1] == "crash":
        sys.stdin.readline()
        raise RuntimeError("boom: unhandled fault in the app")
    while True:
        time.sleep(1)
""")


def _start() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.parametrize("how", ["sigterm", "crash"])
def test_safe_values_before_release(gpio_sim, how: str) -> None:
    gpio_sim.reset()
    outs = [gpio_sim.line_offset(f"DO{i}") for i in range(1, 9)]
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, how], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_start(), cwd=REPO)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "READY"
        assert [gpio_sim.get_output(o) for o in outs] == [True] * 8
        for o in outs:  # pulls high: if the lines were released, they would read high
            gpio_sim.set_input(o, True)
        if how == "sigterm":
            proc.send_signal(signal.SIGTERM)
        else:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        assert proc.stdout.readline().strip() == "RELEASING"
        assert [gpio_sim.get_output(o) for o in outs] == [False] * 8  # safe values, still held
        proc.stdin.write("\n")
        proc.stdin.flush()
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if how == "sigterm":
        assert proc.returncode == 0, err
    else:
        assert proc.returncode == 1 and "RuntimeError: boom" in err
    gpio_sim.reset()
