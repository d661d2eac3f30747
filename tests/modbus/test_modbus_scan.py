"""Integration: a dead or slow device never delays a fast scan loop.

A plain asyncio loop at a 10 ms period stands in for the scan: it drains the event queue
and runs event callbacks like the real scan. While a subscribed device goes silent (each
poll then waits for the 0.3 s timeout) and comes back, the loop must keep ticking and see
``modbus_lost`` then ``modbus_recovered``. No latency is asserted (timing lives in
benchmarks/bench_modbus.py).
"""

from __future__ import annotations

import asyncio

import pytest
from _modbus_testutil import Collector, SimServer, make_iface

from doover_fsm.io.modbus import TcpBusConfig

pytestmark = pytest.mark.integration


async def test_scan_keeps_ticking_while_device_is_dead(tcp_server: SimServer, events: Collector) -> None:
    cfg = TcpBusConfig("default", "127.0.0.1", int(tcp_server.client_port), timeout=0.3)
    iface = make_iface(events, {"default": cfg}, lost_after=1)
    await iface.start()
    values: list[object] = []
    iface.add_read_register_subscription("default", 2, 0, 10, 4, 0.05, values.append, name="dev2")
    loop = asyncio.get_running_loop()
    period = 0.010
    ticks = {"alive": 0, "dead": 0, "back": 0}
    phase = "alive"
    t0 = loop.time()
    k = 0
    seen: list[str] = []
    dead_at = t0 + 0.3
    back_at = dead_at + 1.0
    end = back_at + 0.5
    while loop.time() < end:
        now = loop.time()
        if phase == "alive" and now >= dead_at:
            phase = "dead"
            tcp_server.mute.add(2)
        elif phase == "dead" and now >= back_at:
            phase = "back"
            tcp_server.mute.clear()
        ticks[phase] += 1
        seen.extend(e.trigger for e in await events.drain())  # runs callbacks, as the scan does
        k += 1
        await asyncio.sleep(max(0.0, t0 + k * period - loop.time()))
    await iface.close()
    # The loop kept going in every phase (10 ms period: ~30 / ~100 / ~50 ticks nominal).
    assert ticks["alive"] > 5 and ticks["dead"] > 20 and ticks["back"] > 10, ticks
    assert "modbus_dev2" in seen
    lost = seen.index("modbus_lost")
    recovered = seen.index("modbus_recovered")
    assert lost < recovered
    assert "modbus_error" in seen[:recovered]
    assert "modbus_dev2" in seen[recovered:]
    assert None in values and values[-1] == list(range(10))
