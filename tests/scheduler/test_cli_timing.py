"""``doover-fsm bench`` and ``tune``: pure parts (recommendation, table, JSON, config writing) and short
end-to-end runs that check structure, never timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from doover_fsm.cli.commands.tune import TuneRow, format_tune_table, recommend, tune_report, write_config
from doover_fsm.cli.main import build_parser

REPO = Path(__file__).resolve().parents[2]


def _row(period: float, p99_us: float, overruns: int = 0, scans: int = 1000) -> TuneRow:
    return TuneRow(period, 5.0, scans, overruns, overruns, 1_000, int(p99_us * 1e3), int(p99_us * 2e3),
                   50_000, 90_000, 120_000, 12.5)


def test_recommend_picks_the_shortest_period_within_budget_without_overruns() -> None:
    rows = [_row(0.001, 80), _row(0.002, 90, overruns=1), _row(0.005, 200), _row(0.010, 100)]
    # budget 5 %: 1 ms allows 50 µs (80 fails), 2 ms overran, 5 ms allows 250 µs (200 ok)
    best = recommend(rows, 0.05)
    assert best is not None and best.period == 0.005
    assert recommend(rows, 0.10) is rows[0]  # 1 ms allows 100 µs
    assert recommend([_row(0.001, 80)], 0.01) is None
    assert recommend([_row(0.001, 0, scans=0)], 0.5) is None  # nothing ran: no evidence


def test_table_and_json_report() -> None:
    rows = [_row(0.010, 100), _row(0.001, 80)]
    best = recommend(rows, 0.05)
    table = format_tune_table(rows, 0.05, best)
    lines = table.splitlines()
    assert lines[2].lstrip().startswith("1ms") and lines[3].lstrip().startswith("10ms")
    assert "<- recommended" in lines[3]
    assert "recommended loop_target_period: 0.01 s (10ms)" in table
    assert "no period met" in format_tune_table(rows, 0.001, None)
    doc = tune_report(rows, 0.05, best, "examples.hello:MyApp", "virtual")
    assert doc["recommended_period"] == 0.01
    assert [p["period"] for p in doc["periods"]] == [0.001, 0.01]
    assert doc["periods"][0]["meets_budget"] is False and doc["periods"][1]["overrun_rate"] == 0.0
    json.dumps(doc)


def test_write_config_keeps_other_keys(tmp_path: Path) -> None:
    cfg = tmp_path / "app.json"
    cfg.write_text(json.dumps({"pump_max": 3, "loop_target_period": 1.0}))
    write_config(cfg, 0.005)
    assert json.loads(cfg.read_text()) == {"pump_max": 3, "loop_target_period": 0.005}
    new = tmp_path / "new.json"
    write_config(new, 0.01)
    assert json.loads(new.read_text()) == {"loop_target_period": 0.01}
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        write_config(bad, 0.01)


def test_commands_are_registered() -> None:
    parser = build_parser()
    args = parser.parse_args(["bench", "--periods", "2ms", "--seconds", "0.5", "--json"])
    assert args.func.__module__ == "doover_fsm.cli.commands.bench"
    args = parser.parse_args(["tune", "examples.hello:MyApp", "--board", "virtual", "--budget", "0.1"])
    assert args.func.__module__ == "doover_fsm.cli.commands.tune"
    assert (args.periods, args.seconds, args.budget) == ("1ms,2ms,5ms,10ms", 5.0, 0.1)


def _cli(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "doover_fsm.cli", *argv], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.integration
def test_bench_json_end_to_end() -> None:
    r = _cli("bench", "--periods", "5ms,10ms", "--seconds", "0.3", "--no-cyclictest", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(row["name"], row["period"]) for row in rows] == [("doover_fsm", 0.005), ("doover_fsm", 0.01)]
    assert all(row["ticks"] > 0 and row["expected"] > 0 for row in rows)


@pytest.mark.integration
def test_bench_rt_priority_refusal_is_a_clear_error() -> None:
    # Import everything first (the interpreter lives under /root), then drop to nobody.
    code = ("import os, sys; from doover_fsm.cli.main import build_parser, main; build_parser(); "
            "os.setgroups([]); os.setgid(65534); os.setuid(65534); "
            "sys.exit(main(['bench', '--periods', '10ms', '--seconds', '0.1', '--rt-priority', '10']))")
    if os.geteuid() != 0:
        pytest.skip("needs root to drop to nobody in the child")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 1 and "priority:" in r.stderr and "SCHED_FIFO" in r.stderr, r.stderr


@pytest.mark.integration
def test_bench_rejects_bad_periods() -> None:
    r = _cli("bench", "--periods", "fast")
    assert r.returncode == 1 and "not a period" in r.stderr


@pytest.mark.integration
def test_tune_end_to_end_on_the_virtual_board(tmp_path: Path) -> None:
    out = tmp_path / "tune.json"
    cfg = tmp_path / "cfg.json"
    r = _cli("tune", "examples.hello:MyApp", "--board", "virtual", "--periods", "20ms,50ms", "--seconds",
             "0.4", "--budget", "1.0", "--json", str(out), "--write-config", str(cfg), "--no-progress",
             "--data-dir", str(tmp_path / "store"))
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(out.read_text())
    assert [p["period"] for p in doc["periods"]] == [0.02, 0.05]
    assert all(p["scans"] > 0 for p in doc["periods"])
    if r.returncode == 0:
        assert json.loads(cfg.read_text()) == {"loop_target_period": doc["recommended_period"]}
    else:
        assert doc["recommended_period"] is None and not cfg.exists()


@pytest.mark.integration
def test_tune_plot_without_matplotlib_is_a_clear_error(tmp_path: Path) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        r = _cli("tune", "examples.hello:MyApp", "--board", "virtual", "--plot", str(tmp_path / "p.png"))
        assert r.returncode == 1 and "pip install 'doover_fsm[plot]'" in r.stderr
    else:
        pytest.skip("matplotlib is installed")
