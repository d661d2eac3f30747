"""Fuzz: Modbus call arguments against the real ModbusInterface and a real pymodbus server.

Hypothesis draws calls (read, write, single write, subscription) with addresses, counts,
register types, device ids, values and bus names from valid, edge and junk values. An
independent statement of the Modbus rules (below, not the code under test) says whether
each call is valid. Asserted: nothing but a ``ModbusArgumentError`` escapes (failed I/O
returns None/False, as in pydoover); an invalid call is refused before any I/O, naming the
bus, the device and a wrong argument; a valid call is never refused and, to a device the
server has, gets a result of the right shape.

``DFSM_FUZZ_EXAMPLES`` raises the example count for a long run.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import socket
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from doover_fsm.clock import MonotonicClock
from doover_fsm.io.modbus import ModbusArgumentError, ModbusInterface, RtuBusConfig, TcpBusConfig

EXAMPLES = int(os.environ.get("DFSM_FUZZ_EXAMPLES", "200"))
STATS: Counter[str] = Counter()
DEVICES = (1, 2)
TABLE = 200  # every table of the simulated devices spans addresses 0..199
BUSES = ("default", "plc", "rs485")  # two to the server, one serial port that does not exist

# --- the rules, stated independently of doover_fsm.io.modbus.spec --------------------------------
READ_LIMIT = {1: 2000, 2: 2000, 3: 125, 4: 125}
WRITE_LIMIT = {1: 1968, 4: 123}


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _in(v: object, lo: int, hi: int) -> bool:
    return _is_int(v) and lo <= v <= hi  # type: ignore[operator]


@dataclass
class Call:
    kind: str  # read | write | single | subscribe
    kwargs: dict[str, Any]


def bad_arguments(call: Call) -> set[str]:
    """The arguments that make ``call`` invalid (empty: valid). Error naming any one is fine."""
    k = call.kwargs
    bus = "default" if k.get("bus_id") is None else k["bus_id"]
    if not isinstance(bus, str) or bus not in BUSES:
        return {"bus_id"}
    bad: set[str] = set()
    dev = 1 if k.get("modbus_id") is None else k["modbus_id"]
    rtype = k.get("register_type", 4)
    if not _in(rtype, 1, 4) or (call.kind in ("write", "single") and rtype not in (1, 4)):
        return {"register_type"}  # the other limits depend on it
    if not _in(dev, 0, 247) or (dev == 0 and call.kind in ("read", "subscribe")):
        bad.add("modbus_id")
    if call.kind == "single":
        if not _in(k.get("address", 0), 0, 65535):
            bad.add("address")
        v = k.get("value", 0)
        if not (isinstance(v, bool) or _in(v, 0, 1) if rtype == 1 else _in(v, 0, 65535)):
            bad.add("value")
    else:
        addr = k.get("start_address", 0)
        if not _in(addr, 0, 65535):
            bad.add("start_address")
        if call.kind == "write":
            values = k.get("values")
            values = [] if values is None else values
            if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
                bad.add("values")
            else:
                if len(values) > WRITE_LIMIT[rtype]:
                    bad.add("values")
                elif _is_int(addr) and addr + len(values) - 1 > 65535:
                    bad |= {"start_address", "values"}
                ok = (lambda x: isinstance(x, bool) or _in(x, 0, 1)) if rtype == 1 else (lambda x: _in(x, 0, 65535))
                if not all(ok(x) for x in values):
                    bad.add("values")
        else:
            n = k.get("num_registers", 1)
            if not _in(n, 1, READ_LIMIT[rtype]):
                bad.add("num_registers")
            elif _is_int(addr) and addr + n - 1 > 65535:
                bad |= {"start_address", "num_registers"}
        if "configure_bus" in k and not isinstance(k["configure_bus"], bool):
            bad.add("configure_bus")
    if "retries" in k and k["retries"] is not None and not _in(k["retries"], 0, 10):
        bad.add("retries")
    if call.kind == "subscribe":
        p = k.get("poll_secs")
        if p is not None and (isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or p <= 0):
            bad.add("poll_secs")
    return bad


# --- strategies ---------------------------------------------------------------------------------
# Each argument has plausible values (mostly valid, edges included) and wild ones (mostly not);
# a call takes wild values for none, one or two of its arguments, so both kinds are common.
JUNK = [None, "1", 1.5, float("nan"), float("inf"), True, [], {}, b"\x01", -1, 10**30, 10**5000]
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "bus_id": st.sampled_from(["default", "default", "default", "plc", "rs485", None]),
    "modbus_id": st.sampled_from([1, 2, 1, 2, None, 3]),
    "register_type": st.sampled_from([1, 2, 3, 4, 4]),
    "start_address": st.one_of(st.integers(0, TABLE - 1), st.sampled_from([65535, 65000, TABLE])),
    "address": st.one_of(st.integers(0, TABLE - 1), st.just(65535)),
    "num_registers": st.one_of(st.integers(1, 10), st.sampled_from([1, 123, 125])),
    "values": st.one_of(st.lists(st.integers(0, 1), min_size=1, max_size=20),
                        st.lists(st.integers(0, 65535), min_size=1, max_size=20), st.sampled_from([(1, 0), [True]])),
    "value": st.sampled_from([0, 1, True, False, 1, 0]),
    "configure_bus": st.booleans(),
    "retries": st.sampled_from([None, 0, 1, 10]),
    "poll_secs": st.sampled_from([None, 1, 0.5, 60]),
}
WILD: dict[str, st.SearchStrategy[Any]] = {
    "bus_id": st.sampled_from(["nope", "", "DEFAULT", " default", 5, 1.5, b"default", ("default",), []]),
    "modbus_id": st.sampled_from([0, 247, 248, -1, 255, *JUNK]),
    "register_type": st.sampled_from([0, 5, -1, 4.0, *JUNK]),
    "start_address": st.sampled_from([-1, 65536, 70000, 2**31, 2**64, *JUNK]),
    "address": st.sampled_from([-1, 65536, 70000, *JUNK]),
    "num_registers": st.one_of(st.integers(-2, 2100), st.sampled_from([0, 124, 126, 1968, 2000, 2001, *JUNK])),
    "values": st.one_of(st.lists(st.sampled_from([-1, 65536, 70000, 2, True, *JUNK]), min_size=1, max_size=5),
                        st.lists(st.integers(0, 1), min_size=1960, max_size=2000),
                        st.lists(st.integers(0, 65535), min_size=120, max_size=130),
                        st.sampled_from(["12", b"12", None, {}, 5, [], ()])),
    "value": st.sampled_from([2, -1, 65535, 65536, 70000, *JUNK]),
    "configure_bus": st.sampled_from(["yes", 1, None, 0]),
    "retries": st.sampled_from([11, -1, True, 1.5, "1"]),
    "poll_secs": st.sampled_from([0, -1, float("nan"), float("inf"), True, "1"]),
}
ARGS = {"read": ["bus_id", "modbus_id", "start_address", "num_registers", "register_type", "configure_bus", "retries"],
        "write": ["bus_id", "modbus_id", "start_address", "values", "register_type", "configure_bus", "retries"],
        "single": ["bus_id", "modbus_id", "address", "value", "register_type", "retries"],
        "subscribe": ["bus_id", "modbus_id", "start_address", "num_registers", "register_type", "poll_secs"]}
OPTIONAL = {"configure_bus", "retries", "poll_secs"}


@st.composite
def calls(draw: st.DrawFn) -> Call:
    kind = draw(st.sampled_from(["read", "read", "write", "single", "subscribe"]))
    names = ARGS[kind]
    wild = set(draw(st.lists(st.sampled_from(names), max_size=2))) if draw(st.integers(0, 9)) >= 4 else set()
    kw: dict[str, Any] = {}
    for name in names:
        if name in wild:
            kw[name] = draw(WILD[name])
        elif name not in OPTIONAL or draw(st.booleans()):
            kw[name] = draw(PLAUSIBLE[name])
    return Call(kind, kw)


# --- a real pymodbus server on loopback, in its own thread --------------------------------------
def _device(device_id: int) -> SimDevice:
    bits = [SimData(0, values=[False] * TABLE, datatype=DataType.BITS)]
    regs = [SimData(0, values=list(range(TABLE)), datatype=DataType.REGISTERS)]
    return SimDevice(device_id, simdata=(bits, list(bits), regs, list(regs)))


@pytest.fixture(scope="module")
def iface() -> Iterator[ModbusInterface]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    servers: list[ModbusTcpServer] = []

    async def start() -> None:
        servers.append(ModbusTcpServer([_device(i) for i in DEVICES], address=("127.0.0.1", port)))
        await servers[0].serve_forever(background=True)

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="modbus-fuzz-server", daemon=True)
    thread.start()
    assert ready.wait(5)
    buses = {"default": TcpBusConfig("default", "127.0.0.1", port, timeout=0.05),
             "plc": TcpBusConfig("plc", "127.0.0.1", port, timeout=0.05),
             "rs485": RtuBusConfig("rs485", "/dev/dfsm-fuzz-no-such-port", timeout=0.05)}
    mi = ModbusInterface(buses, post_event=lambda _e: True, clock=MonotonicClock(), is_async=False,
                         timeout=0.5, raise_errors=False)
    try:
        yield mi
    finally:
        asyncio.run(mi.close())
        asyncio.run_coroutine_threadsafe(servers[0].shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    sys.stdout.write(f"\nModbus argument fuzz: {STATS['tried']} calls tried ({STATS['invalid']} invalid by the "
                     f"rules, {STATS['refused']} refused, {STATS['accepted']} accepted, {STATS['answered']} "
                     f"answered by the server), tracebacks {STATS['traceback']}, invalid accepted "
                     f"{STATS['invalid_accepted']}, valid refused {STATS['valid_refused']}\n")


def _requests(mi: ModbusInterface) -> int:
    return sum(b.requests + b.connect_attempts for b in mi.statistics().buses)


def _invoke(mi: ModbusInterface, call: Call) -> Any:
    if call.kind == "read":
        return mi.read_registers(**call.kwargs)
    if call.kind == "write":
        return mi.write_registers(**call.kwargs)
    if call.kind == "single":
        return mi.write_single_register(**call.kwargs)
    sub = mi.add_read_register_subscription(**call.kwargs)
    assert mi.remove_read_register_subscription(sub)
    return sub


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(call=calls())
def test_modbus_calls_refuse_bad_arguments_by_name_and_accept_good_ones(iface: ModbusInterface, call: Call) -> None:
    STATS["tried"] += 1
    bad = bad_arguments(call)
    STATS["invalid"] += bool(bad)
    before = _requests(iface)
    try:
        result = _invoke(iface, call)
    except ModbusArgumentError as err:
        STATS["refused"] += 1
        if not bad:
            STATS["valid_refused"] += 1
            raise AssertionError(f"valid call refused: {call}: {err}") from err
        assert _requests(iface) == before, "an invalid call did I/O"
        named = re.sub(r"^len\((\w+)\)|\[\d+\]$", r"\1", err.argument)
        assert named in bad, f"{call}: error names {err.argument!r}, the bad ones are {bad}: {err}"
        bus_id = "default" if call.kwargs.get("bus_id") is None else call.kwargs["bus_id"]
        assert str(err).startswith("Modbus bus "), str(err)
        if isinstance(bus_id, str) and err.argument != "bus_id":
            assert str(err).startswith(f"Modbus bus {bus_id!r} device "), str(err)
        assert err.bus is not None and "device" in str(err)
        return
    except Exception as exc:
        STATS["traceback"] += 1
        raise AssertionError(f"{call} raised {type(exc).__name__}: {exc}") from exc
    if bad:
        STATS["invalid_accepted"] += 1
        raise AssertionError(f"invalid call accepted ({bad}): {call} -> {result!r}")
    STATS["accepted"] += 1
    k = call.kwargs
    bus_id = "default" if k.get("bus_id") is None else k["bus_id"]
    dev = 1 if k.get("modbus_id") is None else k["modbus_id"]
    if call.kind == "read" and bus_id != "rs485" and dev in DEVICES:
        n, addr = k.get("num_registers", 1), k.get("start_address", 0)
        if addr + n <= TABLE:
            assert result is not None, f"{call}: no answer ({iface.last_error})"
            STATS["answered"] += 1
            assert (isinstance(result, int) if n == 1 else isinstance(result, list) and len(result) == n), result
    if call.kind in ("write", "single") and bus_id != "rs485" and dev in DEVICES:
        last = k.get("start_address", k.get("address", 0)) + (len(k["values"]) if call.kind == "write" else 1)
        if last <= TABLE:
            assert result is True, f"{call}: write failed ({iface.last_error})"
            STATS["answered"] += 1
