"""The C timing stats: HDR-style histogram percentiles against an exact Python reference, counters."""

from __future__ import annotations

import math
import random

import pytest

from doover_fsm._core import timing as t
from doover_fsm.errors import InternalError
from doover_fsm.scheduler.measure import percentile


def _lognormal_lateness(n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    # A realistic shape: tens of µs typical, a heavy tail to ms, a few exact small values.
    return [int(rng.lognormvariate(math.log(40_000), 0.8)) for _ in range(n)] + [0, 1, 5, 127, 128]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("q", [0.0, 0.5, 0.9, 0.99, 0.999, 1.0])
def test_percentiles_match_exact_reference_within_one_bucket(seed: int, q: float) -> None:
    values = _lognormal_lateness(20_000, seed)
    stats = t.TimingStats()
    for v in values:
        stats.record_scan(v, v // 2)
    ref = percentile(values, q)
    got = stats.percentile(t.STATS_LATENESS, q)
    lowest, width = t.bucket_bounds(ref)
    assert lowest <= got < lowest + width, (q, ref, got, lowest, width)
    assert abs(got - ref) <= max(1, ref / 64)
    ref_d = percentile([v // 2 for v in values], q)
    lo_d, w_d = t.bucket_bounds(ref_d)
    assert lo_d <= stats.percentile(t.STATS_DURATION, q) < lo_d + w_d
    stats.close()


def test_summary_counters_and_extremes() -> None:
    s = t.TimingStats()
    s.record_scan(1_000, 200)
    s.record_scan(-50, 300, skipped=2, overrun=True)
    s.record_scan(7_000_000, 10, skipped=1, overrun=False)
    sm = s.summary()
    assert (sm.scans, sm.overruns, sm.skipped, sm.early) == (3, 1, 3, 1)
    assert sm.lateness_min_ns == -50
    assert sm.lateness_max_ns == 7_000_000
    assert (sm.duration_min_ns, sm.duration_max_ns) == (10, 300)
    assert sm.lateness_p50_ns <= sm.lateness_p90_ns <= sm.lateness_p99_ns <= sm.lateness_p999_ns
    s.reset()
    assert s.summary().scans == 0
    assert s.summary().lateness_p99_ns == 0


def test_small_values_are_exact() -> None:
    s = t.TimingStats()
    for v in range(100):
        s.record_scan(v, v)
    assert s.percentile(t.STATS_LATENESS, 0.5) == 49
    assert s.percentile(t.STATS_DURATION, 1.0) == 99


def test_bad_arguments_raise() -> None:
    s = t.TimingStats()
    with pytest.raises(ValueError):
        s.record_scan(0, -1)
    with pytest.raises(ValueError):
        s.percentile(t.STATS_LATENESS, 1.5)
    s.close()
    s.close()
    with pytest.raises(ValueError, match="closed"):
        s.summary()


def test_bucket_resolution_is_one_sixty_fourth() -> None:
    for v in (128, 1_000, 123_456, 10**9, 2**62):
        lowest, width = t.bucket_bounds(v)
        assert lowest <= v < lowest + width
        assert width * 64 <= lowest


def test_a_broken_invariant_in_c_becomes_internal_error() -> None:
    assert t.lib.dfsm_stats_record_scan(t.ffi.NULL, 0, 0, 0, 0) == -1
    with pytest.raises(InternalError, match=r"contract violated: stats #100"):
        t._raise("dfsm_stats_record_scan")
