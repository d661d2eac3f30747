"""Unit test: the public facade of doover_fsm.io.modbus."""

from __future__ import annotations

import doover_fsm.io.modbus as modbus


def test_exports() -> None:
    assert sorted(modbus.__all__) == sorted(
        [
            "BusConfig",
            "BusStatus",
            "ManyModbusConfig",
            "ModbusArgumentError",
            "ModbusBus",
            "ModbusBusClosedError",
            "ModbusConfig",
            "ModbusConnectionError",
            "ModbusDeviceHealth",
            "ModbusError",
            "ModbusExceptionResponse",
            "ModbusFramingError",
            "ModbusInterface",
            "ModbusInterfaceStats",
            "ModbusProtocolError",
            "ModbusReading",
            "ModbusSubscription",
            "ModbusTimeoutError",
            "RtuBusConfig",
            "TcpBusConfig",
            "bus_from_element",
            "merge_buses",
            "modbus_for_app",
            "parse_buses",
        ]
    )
    for name in modbus.__all__:
        assert getattr(modbus, name) is not None
    from doover_fsm import errors

    assert modbus.ModbusError is errors.ModbusError
    assert modbus.ModbusTimeoutError is errors.ModbusTimeoutError
