"""Modbus benchmark: ``modbus_iface`` vs the raw pymodbus client, and scan lateness.

Run (one run, prints figures; nothing is asserted)::

    cd /work/main && PYTHONPATH=. python benchmarks/bench_modbus.py [--requests 3000]

1. Request latency (p50/p99) and throughput of sequential 10-register holding reads through
   ``ModbusInterface.read_registers`` and through a raw ``AsyncModbusTcpClient`` against the
   same pymodbus server (a separate process on loopback TCP), in alternating rounds so both
   see the same machine load. Goal: interface within 1.2x of raw.
2. Lateness of a 10 ms absolute-deadline asyncio loop (the scan's shape) for a few seconds:
   with no Modbus activity, while a subscribed device never answers (each poll waits for
   the 0.2 s timeout), and while a healthy device is polled every 20 ms. Goal: unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import socket
import statistics
import time
from collections.abc import Awaitable, Callable

from pymodbus.client import AsyncModbusTcpClient

from doover_fsm.clock import MonotonicClock
from doover_fsm.events import EventQueue
from doover_fsm.io.modbus import ModbusInterface, TcpBusConfig

SILENT_DEVICE = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int, ready: mp.Event) -> None:  # type: ignore[valid-type]
    """Child process: a pymodbus TCP server with devices 1 (healthy) and 2 (silent)."""
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    def trace(sending: bool, data: bytes) -> bytes:
        return b"" if sending and len(data) > 6 and data[6] == SILENT_DEVICE else data

    async def main() -> None:
        devices = [
            SimDevice(i, simdata=[SimData(0, values=list(range(200)), datatype=DataType.REGISTERS)])
            for i in (1, SILENT_DEVICE)
        ]
        server = ModbusTcpServer(devices, address=("127.0.0.1", port), trace_packet=trace)
        await server.serve_forever(background=True)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _pct(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def _timed(n: int, op: Callable[[], Awaitable[object]], out: list[float]) -> float:
    t_start = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter_ns()
        await op()
        out.append((time.perf_counter_ns() - t0) / 1000.0)
    return time.perf_counter() - t_start


async def bench_requests(port: int, total: int, rounds: int = 10) -> None:
    raw = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=1.0, retries=0, reconnect_delay=0)
    assert await raw.connect()
    queue = EventQueue()
    iface = ModbusInterface(
        {"default": TcpBusConfig("default", "127.0.0.1", port)}, post_event=queue.post, clock=MonotonicClock()
    )
    await iface.start()

    async def raw_read() -> object:
        rr = await raw.read_holding_registers(0, count=10, device_id=1)
        return rr.registers

    async def iface_read() -> object:
        return await iface.read_registers("default", 1, 0, 10, 4)

    assert await raw_read() == await iface_read()
    for _ in range(200):  # warm-up
        await raw_read()
        await iface_read()
    lat = {"raw": [], "iface": []}
    secs = {"raw": 0.0, "iface": 0.0}
    per_round = max(1, total // rounds)
    for r in range(rounds):
        order = [("raw", raw_read), ("iface", iface_read)]
        if r % 2:
            order.reverse()
        for name, op in order:
            secs[name] += await _timed(per_round, op, lat[name])
    raw.close()
    await iface.close()

    print(f"\n== request latency: 10-register holding read, loopback TCP, {per_round * rounds} each ==")
    print(f"{'path':<8}{'p50 us':>10}{'p99 us':>10}{'mean us':>10}{'req/s':>10}")
    figures = {}
    for name in ("raw", "iface"):
        v = sorted(lat[name])
        figures[name] = (_pct(v, 0.5), _pct(v, 0.99), statistics.fmean(v), len(v) / secs[name])
        p50, p99, mean, rps = figures[name]
        print(f"{name:<8}{p50:>10.1f}{p99:>10.1f}{mean:>10.1f}{rps:>10.0f}")
    print(
        f"ratio iface/raw: p50 {figures['iface'][0] / figures['raw'][0]:.3f}x, "
        f"p99 {figures['iface'][1] / figures['raw'][1]:.3f}x, "
        f"throughput {figures['raw'][3] / figures['iface'][3]:.3f}x slower (goal <= 1.2x)"
    )


async def _scan(seconds: float, period: float = 0.010) -> list[float]:
    """Absolute-deadline asyncio loop; returns lateness per tick in microseconds."""
    loop = asyncio.get_running_loop()
    t0 = loop.time() + period
    late: list[float] = []
    k = 0
    n = int(seconds / period)
    while k < n:
        deadline = t0 + k * period
        now = loop.time()
        if now < deadline:
            await asyncio.sleep(deadline - now)
        else:
            await asyncio.sleep(0)
        late.append((time.monotonic() - deadline) * 1e6)  # loop.time() is time.monotonic()
        k += 1
    return late


async def bench_scan(port: int, seconds: float) -> None:
    print(f"\n== 10 ms absolute-deadline asyncio loop, {seconds:g} s per case: lateness ==")
    print(f"{'case':<44}{'ticks':>7}{'p50 us':>9}{'p99 us':>9}{'max us':>9}{'events':>8}")
    cases = [
        ("no Modbus", None),
        ("subscribed device times out (0.2 s)", (SILENT_DEVICE, 0.05)),
        ("healthy device polled every 20 ms", (1, 0.02)),
    ]
    for label, sub in cases:
        queue = EventQueue()
        iface = ModbusInterface(
            {"default": TcpBusConfig("default", "127.0.0.1", port, timeout=0.2)},
            post_event=queue.post,
            clock=MonotonicClock(),
            lost_after=1,
        )
        await iface.start()
        if sub is not None:
            iface.add_read_register_subscription("default", sub[0], 0, 10, 4, sub[1], lambda v: None)
        late = sorted(await _scan(seconds))
        await iface.close()
        triggers = [e.trigger for e in queue.drain()]
        summary = len(triggers)
        print(f"{label:<44}{len(late):>7}{_pct(late, 0.5):>9.0f}{_pct(late, 0.99):>9.0f}{late[-1]:>9.0f}{summary:>8}")
        if sub is not None and sub[0] == SILENT_DEVICE:
            print(
                f"{'':<4}(events: {triggers.count('modbus_error')} modbus_error, "
                f"{triggers.count('modbus_lost')} modbus_lost)"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4000, help="requests per path (default 4000)")
    ap.add_argument("--scan-seconds", type=float, default=3.0, help="seconds per scan case (default 3)")
    args = ap.parse_args()
    port = _free_port()
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=_serve, args=(port, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(20):
            raise SystemExit("benchmark server did not start")
        asyncio.run(bench_requests(port, args.requests))
        asyncio.run(bench_scan(port, args.scan_seconds))
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
