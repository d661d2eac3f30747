"""Pure parts of the timing measurements: period parsing, cyclictest parsing, the table."""

from __future__ import annotations

import pytest

from doover_fsm.scheduler.measure import (
    LoopMeasurement,
    format_period,
    format_table,
    parse_cyclictest,
    parse_period,
    parse_periods,
    percentile,
)

CYCLICTEST_OUT = """\
# /dev/cpu_dma_latency set to 0us
000000 000000
000027 000010
000030 000080
000060 000009
000099 000000
# Total: 000000099
# Min Latencies: 00027
# Avg Latencies: 00035
# Max Latencies: 03109
# Histogram Overflows: 00001
# Histogram Overflow at cycle number:
# Thread 0: 00023
"""


@pytest.mark.parametrize(("text", "seconds"), [
    ("1ms", 0.001), ("250us", 0.00025), ("250µs", 0.00025), ("0.01", 0.01), ("2s", 2.0), ("100ns", 1e-7),
    (" 5ms ", 0.005), ("1e-3", 0.001),
])
def test_parse_period(text: str, seconds: float) -> None:
    assert parse_period(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "ms", "1 min", "-1ms", "0ms", "abc"])
def test_parse_period_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)


def test_parse_periods_and_format() -> None:
    assert parse_periods("1ms,2ms, 10ms") == pytest.approx([0.001, 0.002, 0.01])
    with pytest.raises(ValueError):
        parse_periods(",")
    assert [format_period(p) for p in (0.001, 0.00025, 0.01, 2.0)] == ["1ms", "250us", "10ms", "2s"]


def test_percentile_nearest_rank() -> None:
    assert percentile([], 0.5) == 0
    assert percentile([5, 1, 3], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.99) == 99
    assert percentile(list(range(1, 101)), 1.0) == 100


def test_parse_cyclictest() -> None:
    hist, overflows, summary = parse_cyclictest(CYCLICTEST_OUT)
    assert hist == {27: 10, 30: 80, 60: 9}
    assert overflows == 1
    assert summary == {"min": 27, "avg": 35, "max": 3109}


def test_format_table_with_ratio() -> None:
    ct = LoopMeasurement("cyclictest", 0.001, 1.0, 1000, 1000, 0, 27_000, 60_000, 900_000, 0)
    ours = LoopMeasurement("doover_fsm", 0.001, 1.0, 999, 1000, 1, 0, 90_000, 800_000, -5_000, 0.05)
    table = format_table([ours, ct], {0.001: ct})
    assert "1.50" in table and "99.90%" in table and "5.0" in table
    assert ours.as_dict()["ticks_pct"] == pytest.approx(99.9)
