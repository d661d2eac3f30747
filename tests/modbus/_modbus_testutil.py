"""Test helpers: REAL pymodbus servers (loopback TCP, and RTU over a socat pty pair).

The simulated devices can be made silent (``mute``) or made to send frames with a broken
CRC (``corrupt``) per device id, through the server's outgoing-packet hook. That is how a
device "stops answering and comes back" without killing the link; ``stop()``/``start()``
take the whole TCP server away and back on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from doover_fsm.clock import MonotonicClock
from doover_fsm.events import Event, EventQueue
from doover_fsm.io.modbus import BusConfig, ModbusInterface

DEVICE_IDS = (1, 2)
COILS = [True, False, True] + [False] * 29
DISCRETE = [False, True] * 8
HOLDING = list(range(100))
INPUT = [1000 + i for i in range(50)]
READONLY_HOLDING_ADDRESS = 100


def make_device(device_id: int) -> SimDevice:
    """A device with separate coil / discrete / holding / input tables, addresses from 0.

    Holding register 100 is read-only (writes get ILLEGAL ADDRESS); anything past the
    tables is an illegal address too.
    """
    return SimDevice(
        device_id,
        simdata=(
            [SimData(0, values=list(COILS), datatype=DataType.BITS)],
            [SimData(0, values=list(DISCRETE), datatype=DataType.BITS)],
            [
                SimData(0, values=list(HOLDING), datatype=DataType.REGISTERS),
                SimData(READONLY_HOLDING_ADDRESS, values=[7], datatype=DataType.REGISTERS, readonly=True),
            ],
            [SimData(0, values=list(INPUT), datatype=DataType.REGISTERS)],
        ),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SimServer:
    """A running pymodbus server plus the knobs the tests turn."""

    kind: str  # "tcp" or "rtu"
    port: int | str  # TCP port, or the server-side pty path
    client_port: str | int  # what our client connects to
    mute: set[int] = field(default_factory=set)
    corrupt: set[int] = field(default_factory=set)
    server: ModbusTcpServer | ModbusSerialServer | None = None

    def _trace(self, sending: bool, data: bytes) -> bytes:
        if not sending or not data:
            return data
        dev = data[6] if self.kind == "tcp" else data[0]
        if dev in self.mute:
            return b""  # the device stays silent
        if dev in self.corrupt:
            return data[:-1] + bytes([data[-1] ^ 0xFF])  # RTU: breaks the CRC
        return data

    async def start(self) -> None:
        devices = [make_device(i) for i in DEVICE_IDS]
        if self.kind == "tcp":
            self.server = ModbusTcpServer(devices, address=("127.0.0.1", int(self.port)), trace_packet=self._trace)
        else:
            self.server = ModbusSerialServer(devices, port=str(self.port), baudrate=9600, trace_packet=self._trace)
        await self.server.serve_forever(background=True)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.shutdown()
            self.server = None
            await asyncio.sleep(0.01)  # let the transports finish closing


@contextlib.contextmanager
def socat_pty_pair() -> Iterator[tuple[str, str]]:
    """Run ``socat`` linking two raw ptys; yield their paths."""
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed (apt-get install -y socat): no pty pair for the RTU tests")
    proc = subprocess.Popen(
        ["socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        ptys: list[str] = []
        while len(ptys) < 2:
            line = proc.stderr.readline()
            if not line:
                raise RuntimeError("socat exited before creating the pty pair")
            if m := re.search(r"PTY is (\S+)", line):
                ptys.append(m.group(1))
        yield ptys[0], ptys[1]
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        if proc.stderr is not None:
            proc.stderr.close()


class Collector:
    """A real EventQueue plus helpers to wait for events and run their callbacks like a scan."""

    def __init__(self) -> None:
        self.queue = EventQueue()
        self.seen: list[Event] = []

    def post(self, event: Event) -> bool:
        return self.queue.post(event)

    async def drain(self) -> list[Event]:
        """Drain and run callbacks (awaiting awaitables), as the scan does."""
        events = self.queue.drain()
        for ev in events:
            if ev.callback is not None:
                res = ev.callback()
                if asyncio.iscoroutine(res):
                    await res
        self.seen.extend(events)
        return events

    async def wait_for(self, pred: Callable[[Event], bool], timeout: float = 5.0) -> Event:
        """Drain every 5 ms until an event matching ``pred`` arrives (searches seen ones first)."""
        for ev in self.seen:
            if pred(ev):
                return ev
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            for ev in await self.drain():
                if pred(ev):
                    return ev
            await asyncio.sleep(0.005)
        triggers = [e.trigger for e in self.seen]
        raise AssertionError(f"no matching event within {timeout} s; saw {triggers}")

    def triggers(self) -> list[str]:
        return [e.trigger for e in self.seen]


def make_iface(collector: Collector, buses: dict[str, BusConfig], **kwargs: object) -> ModbusInterface:
    """An interface that raises typed errors (``raise_errors=True``) unless told otherwise."""
    kwargs.setdefault("raise_errors", True)
    return ModbusInterface(buses, post_event=collector.post, clock=MonotonicClock(), **kwargs)  # type: ignore[arg-type]
