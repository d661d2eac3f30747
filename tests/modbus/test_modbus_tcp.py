"""Integration: ModbusInterface against a REAL pymodbus server on loopback TCP."""

from __future__ import annotations

import asyncio
import time

import pytest
from _modbus_testutil import COILS, DISCRETE, HOLDING, INPUT, Collector, SimServer, free_port, make_iface
from pymodbus.exceptions import ModbusIOException

from doover_fsm.io.modbus import (
    ModbusBusClosedError,
    ModbusConnectionError,
    ModbusDeviceHealth,
    ModbusExceptionResponse,
    ModbusInterface,
    ModbusReading,
    ModbusTimeoutError,
    TcpBusConfig,
)

pytestmark = pytest.mark.integration


async def test_reads_all_four_register_types(tcp_iface: ModbusInterface) -> None:
    assert await tcp_iface.read_registers("default", 1, 0, 3, 1) == [1 if b else 0 for b in COILS[:3]]
    assert await tcp_iface.read_registers("default", 1, 0, 4, 2) == [1 if b else 0 for b in DISCRETE[:4]]
    assert await tcp_iface.read_registers("default", 1, 10, 5, 4) == HOLDING[10:15]
    assert await tcp_iface.read_registers("default", 1, 0, 10, 3) == INPUT[:10]
    # one value -> an int (pydoover's convention); the default register_type 4 is holding registers
    assert await tcp_iface.read_registers(start_address=7) == HOLDING[7]
    assert await tcp_iface.read_registers(start_address=2, register_type=1) == 1
    assert await tcp_iface.read_registers(modbus_id=2, start_address=3, register_type=4) == HOLDING[3]


async def test_writes_holding_registers_and_coils(tcp_iface: ModbusInterface) -> None:
    assert await tcp_iface.write_registers("default", 1, 20, [111, 222, 333]) is True
    assert await tcp_iface.read_registers("default", 1, 20, 3, 4) == [111, 222, 333]
    assert await tcp_iface.write_registers("default", 1, 4, [1, 0, True], register_type=1) is True
    assert await tcp_iface.read_registers("default", 1, 3, 4, 1) == [0, 1, 0, 1]
    assert await tcp_iface.write_single_register(1, 30, 4242) is True
    assert await tcp_iface.read_registers("default", 1, 30, 1, 4) == 4242
    assert await tcp_iface.write_single_register(1, 9, True, register_type=1) is True
    assert await tcp_iface.read_registers("default", 1, 9, 1, 1) == 1
    # device 2 is a separate device: untouched
    assert await tcp_iface.read_registers("default", 2, 20, 1, 4) == HOLDING[20]


async def test_broadcast_write_expects_no_answer(tcp_iface: ModbusInterface) -> None:
    assert await tcp_iface.write_registers("default", 0, 40, [5]) is True


async def test_exception_responses_name_bus_device_function_address(tcp_iface: ModbusInterface) -> None:
    with pytest.raises(ModbusExceptionResponse) as info:
        await tcp_iface.read_registers("default", 1, 500, 4, 4)
    err = info.value
    assert err.exception_code == 2  # type: ignore[attr-defined]
    for fragment in ("bus 'default'", "device 1", "function 3", "address 500", "illegal data address"):
        assert fragment in str(err)
    with pytest.raises(ModbusExceptionResponse, match=r"function 6 .* address 100"):
        await tcp_iface.write_single_register(1, 100, 1)  # read-only register
    status = await tcp_iface.fetch_bus_status("default")
    assert status.exception_responses == 2 and status.connected and bool(status)
    # the bus is still fine afterwards
    assert await tcp_iface.read_registers("default", 1, 0, 1, 4) == 0


async def test_silent_device_times_out_with_cause(tcp_iface: ModbusInterface, tcp_server: SimServer) -> None:
    tcp_server.mute.add(2)
    with pytest.raises(ModbusTimeoutError) as info:
        await tcp_iface.read_registers("default", 2, 0, 1, 4)
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value.__cause__, ModbusIOException)
    assert "device 2 function 3" in str(info.value) and "no answer within 0.2 s" in str(info.value)
    # the other device on the same connection still answers
    assert await tcp_iface.read_registers("default", 1, 0, 1, 4) == 0
    tcp_server.mute.clear()
    assert await tcp_iface.read_registers("default", 2, 0, 1, 4) == 0
    assert (await tcp_iface.fetch_bus_status()).timeouts == 1


async def test_concurrent_requests_are_serialised_correctly(tcp_iface: ModbusInterface) -> None:
    coros = [tcp_iface.read_registers("default", 1 + i % 2, i, 2, 4) for i in range(40)]
    results = await asyncio.gather(*coros)
    assert results == [HOLDING[i : i + 2] for i in range(40)]


async def test_disconnect_backoff_and_reconnect(tcp_iface: ModbusInterface, tcp_server: SimServer) -> None:
    assert await tcp_iface.read_registers("default", 1, 0, 1, 4) == 0
    await tcp_server.stop()
    with pytest.raises(ModbusConnectionError) as info:
        await tcp_iface.read_registers("default", 1, 0, 1, 4)
    assert "bus 'default' device 1 function 3 (read holding registers) address 0" in str(info.value)
    assert "could not connect to tcp 127.0.0.1" in str(info.value)
    # While backing off, requests fail at once without I/O (no spinning on a dead bus).
    attempts = (await tcp_iface.fetch_bus_status()).connect_attempts
    t0 = time.perf_counter()
    for _ in range(20):
        with pytest.raises(ModbusConnectionError, match="next reconnect attempt in"):
            await tcp_iface.read_registers("default", 1, 0, 1, 4)
    assert (await tcp_iface.fetch_bus_status()).connect_attempts == attempts
    assert time.perf_counter() - t0 < 1.0
    status = await tcp_iface.fetch_bus_status()
    assert not status and status.open and not status.connected and status.disconnects == 1
    assert status.reconnect_in > 0 and status.last_error is not None
    # The server comes back on the same port: the bus reconnects by itself.
    await tcp_server.start()
    deadline = time.monotonic() + 5
    while True:
        try:
            assert await tcp_iface.read_registers("default", 1, 0, 1, 4) == 0
            break
        except ModbusConnectionError:
            assert time.monotonic() < deadline, "bus did not reconnect"
            await asyncio.sleep(0.05)
    status = await tcp_iface.fetch_bus_status()
    assert status.connected and status.connects == 2


async def test_dead_bus_backoff_is_capped_and_does_not_spin(events: Collector) -> None:
    cfg = TcpBusConfig("default", "127.0.0.1", free_port(), timeout=0.2)
    iface = make_iface(events, {"default": cfg}, reconnect_delay=0.05, reconnect_delay_max=0.2)
    await iface.start()
    sub = iface.add_read_register_subscription(poll_secs=0.01, callback=None, name="dead")
    await asyncio.sleep(1.0)
    status = await iface.fetch_bus_status()
    await iface.close()
    # 100 polls, but connects only at 0, .05, .15, .35, .55, .75, .95 s (delay doubles, capped at .2)
    assert sub.polls >= 50
    assert 4 <= status.connect_attempts <= 9, status
    assert status.connects == 0
    assert all(e.trigger == "modbus_error" for e in events.queue.drain() if e.trigger.startswith("modbus_e"))


async def test_subscription_posts_events_and_runs_callbacks(tcp_iface: ModbusInterface, events: Collector) -> None:
    got: list[object] = []
    sub = tcp_iface.add_read_register_subscription("default", 1, 0, 3, 3, 0.02, got.append)
    named_values: list[object] = []

    async def async_cb(values: object) -> None:
        named_values.append(values)

    named = tcp_iface.add_read_register_subscription("default", 2, 5, 1, 4, 0.02, async_cb, name="tank_level")
    ev = await events.wait_for(lambda e: e.trigger == "modbus_default_1_0")
    assert ev.source == "modbus" and ev.ts_ns > 0
    reading = ev.data
    assert isinstance(reading, ModbusReading) and reading.ok
    assert (reading.bus, reading.device_id, reading.function_code, reading.address, reading.count) == (
        "default",
        1,
        4,
        0,
        3,
    )
    assert reading.values == tuple(INPUT[:3]) and reading.value == INPUT[:3]
    ev = await events.wait_for(lambda e: e.trigger == "modbus_tank_level")
    assert ev.data.value == HOLDING[5]
    assert got and got[0] == INPUT[:3]  # user callbacks ran when the "scan" drained
    assert named_values and named_values[0] == HOLDING[5]
    # remove: no more events for it
    assert tcp_iface.remove_read_register_subscription(named)
    await asyncio.sleep(0.05)
    await events.drain()
    n = events.triggers().count("modbus_tank_level")
    await asyncio.sleep(0.1)
    await events.drain()
    assert events.triggers().count("modbus_tank_level") == n
    assert sub.polls >= 3 and sub.errors == 0
    stats = tcp_iface.statistics()
    assert stats.subscriptions == 1 and stats.events_dropped == 0 and stats.polls >= 4


async def test_subscription_added_before_start(tcp_server: SimServer, events: Collector) -> None:
    cfg = TcpBusConfig("default", "127.0.0.1", int(tcp_server.client_port), timeout=0.2)
    iface = make_iface(events, {"default": cfg})
    iface.add_read_register_subscription(start_address=1, poll_secs=0.02, name="early")
    await asyncio.sleep(0.05)
    assert not events.queue.drain()  # nothing polls before start()
    await iface.start()
    ev = await events.wait_for(lambda e: e.trigger == "modbus_early")
    assert ev.data.value == HOLDING[1] and ev.callback is None
    await iface.close()


async def test_device_lost_and_recovered_subscription_survives(
    tcp_iface: ModbusInterface, tcp_server: SimServer, events: Collector
) -> None:
    values: list[object] = []
    tcp_iface.add_read_register_subscription("default", 2, 0, 2, 4, 0.02, values.append, name="pump")
    await events.wait_for(lambda e: e.trigger == "modbus_pump")
    tcp_server.mute.add(2)
    err_ev = await events.wait_for(lambda e: e.trigger == "modbus_error")
    assert err_ev.data.name == "pump" and err_ev.data.values is None
    assert isinstance(err_ev.data.error, ModbusTimeoutError)
    assert "device 2 function 3 (read holding registers) address 0" in str(err_ev.data.error)
    lost = await events.wait_for(lambda e: e.trigger == "modbus_lost")
    assert isinstance(lost.data, ModbusDeviceHealth)
    assert (lost.data.bus, lost.data.device_id, lost.data.answering) == ("default", 2, False)
    assert None in values  # the user callback got None for the failed poll
    tcp_server.mute.clear()
    rec = await events.wait_for(lambda e: e.trigger == "modbus_recovered")
    assert (rec.data.device_id, rec.data.answering) == (2, True)
    assert events.triggers().count("modbus_lost") == 1
    assert events.triggers().count("modbus_recovered") == 1
    events.seen.clear()
    await events.wait_for(lambda e: e.trigger == "modbus_pump", timeout=2)
    assert values[-1] == HOLDING[:2]


async def test_subscription_survives_server_restart(
    tcp_iface: ModbusInterface, tcp_server: SimServer, events: Collector
) -> None:
    tcp_iface.add_read_register_subscription("default", 1, 0, 1, 3, 0.02, None, name="flow")
    await events.wait_for(lambda e: e.trigger == "modbus_flow")
    await tcp_server.stop()
    err = await events.wait_for(lambda e: e.trigger == "modbus_error")
    assert isinstance(err.data.error, ModbusConnectionError)
    await events.wait_for(lambda e: e.trigger == "modbus_lost")
    await tcp_server.start()
    await events.wait_for(lambda e: e.trigger == "modbus_recovered", timeout=5)
    events.seen.clear()
    ev = await events.wait_for(lambda e: e.trigger == "modbus_flow", timeout=2)
    assert ev.data.value == INPUT[0]


async def test_close_stops_everything(tcp_iface: ModbusInterface, events: Collector) -> None:
    sub = tcp_iface.add_read_register_subscription(poll_secs=0.01, name="x")
    await events.wait_for(lambda e: e.trigger == "modbus_x")
    await tcp_iface.close()
    await tcp_iface.close()  # idempotent
    assert not sub.active
    with pytest.raises(ModbusBusClosedError, match="bus is closed"):
        await tcp_iface.read_registers()
    with pytest.raises(ModbusBusClosedError):
        tcp_iface.add_read_register_subscription()
    status = await tcp_iface.fetch_bus_status()
    assert not status.open and not status.connected
    events.queue.drain()
    await asyncio.sleep(0.05)
    assert not events.queue.drain()


async def test_removed_subscription_does_not_call_back_queued_results(
    tcp_iface: ModbusInterface, events: Collector
) -> None:
    got: list[object] = []
    sub = tcp_iface.add_read_register_subscription(poll_secs=0.01, callback=got.append, name="late")
    while not len(events.queue):
        await asyncio.sleep(0.005)
    tcp_iface.remove_read_register_subscription(sub.id)
    await events.drain()  # the queued result's callback runs after removal: skipped
    assert got == []
