"""Integration: ModbusInterface over a REAL serial link (socat pty pair, RTU framing)."""

from __future__ import annotations

import pytest
from _modbus_testutil import COILS, DISCRETE, HOLDING, INPUT, Collector, SimServer

from doover_fsm.io.modbus import (
    ModbusExceptionResponse,
    ModbusFramingError,
    ModbusInterface,
    ModbusTimeoutError,
)

pytestmark = pytest.mark.integration


async def test_rtu_reads_and_writes_all_types(rtu_iface: ModbusInterface) -> None:
    assert await rtu_iface.read_registers("rs485", 1, 0, 3, 1) == [1 if b else 0 for b in COILS[:3]]
    assert await rtu_iface.read_registers("rs485", 1, 0, 5, 2) == [1 if b else 0 for b in DISCRETE[:5]]
    assert await rtu_iface.read_registers("rs485", 1, 0, 10, 4) == HOLDING[:10]
    assert await rtu_iface.read_registers("rs485", 2, 0, 10, 3) == INPUT[:10]
    assert await rtu_iface.write_registers("rs485", 1, 50, [9, 8, 7]) is True
    assert await rtu_iface.read_registers("rs485", 1, 50, 3, 4) == [9, 8, 7]
    assert await rtu_iface.write_registers("rs485", 2, 0, [0, 1], register_type=1) is True
    assert await rtu_iface.read_registers("rs485", 2, 0, 3, 1) == [0, 1, 1]
    assert await rtu_iface.write_single_register(1, 60, 65535) is True
    assert await rtu_iface.read_registers("rs485", 1, 60, 1, 4) == 65535
    assert await rtu_iface.write_single_register(1, 0, 0, register_type=1) is True
    assert await rtu_iface.read_registers("rs485", 1, 0, 1, 1) == 0


async def test_rtu_exception_response(rtu_iface: ModbusInterface) -> None:
    with pytest.raises(ModbusExceptionResponse, match=r"bus 'rs485' device 1 function 4 .* address 900"):
        await rtu_iface.read_registers("rs485", 1, 900, 2, 3)
    assert await rtu_iface.read_registers("rs485", 1, 1, 1, 3) == INPUT[1]


async def test_rtu_crc_error_is_a_framing_error(rtu_iface: ModbusInterface, rtu_server: SimServer) -> None:
    rtu_server.corrupt.add(1)
    with pytest.raises(ModbusFramingError) as info:
        await rtu_iface.read_registers("rs485", 1, 0, 2, 4)
    assert "CRC/framing" in str(info.value) and "device 1 function 3" in str(info.value)
    assert info.value.__cause__ is not None
    rtu_server.corrupt.clear()
    assert await rtu_iface.read_registers("rs485", 1, 0, 2, 4) == HOLDING[:2]
    assert (await rtu_iface.fetch_bus_status("rs485")).framing_errors == 1


async def test_rtu_silent_device_and_recovery_via_subscription(
    rtu_iface: ModbusInterface, rtu_server: SimServer, events: Collector
) -> None:
    got: list[object] = []
    rtu_iface.add_read_register_subscription("rs485", 2, 3, 2, 3, 0.02, got.append, name="meter")
    first = await events.wait_for(lambda e: e.trigger == "modbus_meter")
    assert first.data.value == INPUT[3:5]
    rtu_server.mute.add(2)
    err = await events.wait_for(lambda e: e.trigger == "modbus_error")
    assert isinstance(err.data.error, ModbusTimeoutError)
    lost = await events.wait_for(lambda e: e.trigger == "modbus_lost")
    assert (lost.data.bus, lost.data.device_id) == ("rs485", 2)
    # device 1 on the same serial bus still answers while 2 is silent
    assert await rtu_iface.read_registers("rs485", 1, 0, 1, 3) == INPUT[0]
    rtu_server.mute.clear()
    await events.wait_for(lambda e: e.trigger == "modbus_recovered")
    events.seen.clear()
    await events.wait_for(lambda e: e.trigger == "modbus_meter")
    assert got[0] == INPUT[3:5] and None in got and got[-1] == INPUT[3:5]
