"""Runs benchmarks/bench_io.py on the sim board inside the guest and prints its table.

Not a timing assertion (figures are only printed): ``scripts/hw/run-hw-tests -s -k bench_io``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


def test_bench_io_on_sim(gpio_sim, iio_dummy) -> None:
    import bench_io

    res = bench_io.run("sim", 2000, str(iio_dummy.sysfs_root))
    assert res["batched_p50"] > 0 and res["per_line_p50"] > 0
