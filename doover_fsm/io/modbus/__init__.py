"""Modbus RTU/TCP in process (pymodbus 3.16), with Doover's ``modbus_iface`` API.

Layers: :mod:`.config` parses ``[modbus.<bus_id>]`` tables; :mod:`.doover_config` is Doover's
``ModbusConfig`` config element; :mod:`.spec` checks arguments
against the protocol's limits before any I/O; :mod:`.bus` owns one pymodbus client per
bus (lazy open, capped exponential reconnect); :mod:`.interface` is the app-facing
``ModbusInterface`` whose subscriptions poll in background tasks and post events
(:mod:`.records`) to the scan; :mod:`.errors` maps every failure to a typed error.
See docs/modbus.md.
"""

from doover_fsm.errors import ModbusError, ModbusTimeoutError

from .bus import BusStatus, ModbusBus
from .config import BusConfig, RtuBusConfig, TcpBusConfig, merge_buses, parse_buses
from .doover_config import ManyModbusConfig, ModbusConfig, bus_from_element
from .errors import (
    ModbusArgumentError,
    ModbusBusClosedError,
    ModbusConnectionError,
    ModbusExceptionResponse,
    ModbusFramingError,
    ModbusProtocolError,
)
from .factory import modbus_for_app
from .interface import ModbusInterface, ModbusSubscription
from .records import ModbusDeviceHealth, ModbusInterfaceStats, ModbusReading

__all__ = [
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
