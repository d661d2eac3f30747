"""Our own Doover apps (tests/compat/apps: pump_v1 on pydoover 1.x names, tank_v04 on 0.4 names) run
unchanged on doover_fsm: their own suites under ``doover-fsm test`` and a live run on the virtual board
under ``doover-fsm run``. The same suites pass under the pydoover oracles (pump_v1 on 1.18 but for the
one test of the Object-children fix issue 10 asks for; tank_v04 on 0.4.18)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

APPS = Path(__file__).parent / "apps"


def doover_fsm(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "doover_fsm.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize(("app", "total"), [("pump_v1", 10), ("tank_v04", 4)])
def test_own_suite_passes_under_doover_fsm_test(app, total):
    proc = doover_fsm("test", str(APPS / app))
    assert f"doover-fsm test: {app}: {total} passed, 0 failed, 0 errors, 0 skipped (of {total})" in proc.stdout, \
        proc.stdout[-4000:]
    assert proc.returncode == 0


@pytest.mark.parametrize("app", ["pump_v1", "tank_v04"])
def test_runs_on_the_virtual_board(app, tmp_path):
    args = ["run", str(APPS / app), "--board", "virtual", "--duration", "2", "--data-dir", str(tmp_path)]
    config = APPS / app / "simulators" / "app_config.json"
    if config.is_file():
        args += ["--config", str(config)]
    proc = doover_fsm(*args)
    assert proc.returncode == 0, proc.stderr[-4000:]
    final = re.search(r"final: \[(\w+)\] scans=(\d+)", proc.stdout)
    assert final, proc.stdout
    # pump_v1 sets 0.2 s in setup(), tank_v04 0.5 s in __init__: about 10 and 4 scans in 2 s
    expected = {"pump_v1": 10, "tank_v04": 4}[app]
    assert expected - 2 <= int(final.group(2)) <= expected + 2, proc.stdout
    assert "Error in" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-4000:]
