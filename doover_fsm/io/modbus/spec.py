"""Modbus protocol limits and argument checks, done before any I/O.

Register types follow pydoover's numbering (the Modicon address prefixes 0x/1x/3x/4x, NOT the
function codes: 3 is input registers, read with FC 4; 4 is holding registers, read with FC 3):

==  =================  ==========  ==========================  ===========
#   table              read FC     write FCs (multi / single)  values
==  =================  ==========  ==========================  ===========
1   coils              1           15 / 5                      0 or 1
2   discrete inputs    2           read-only                   0 or 1
3   input registers    4           read-only                   0..65535
4   holding registers  3           16 / 6                      0..65535
==  =================  ==========  ==========================  ===========

Per-request limits are the Modbus application protocol's (V1.1b3): 2000 bits or 125 registers
per read, 1968 coils or 123 registers per multiple write, and the block must end at or
below address 65535. Device id 0 is the broadcast address: valid for writes (no answer is
expected), never for reads.

Every check raises :class:`~.errors.ModbusArgumentError` (a ``ValueError``) naming the argument
and the value; the interface adds the bus and device. Stateless, thread-safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import ModbusArgumentError, shown

__all__ = [
    "MAX_COUNT",
    "READ_FUNCTION",
    "REGISTER_TYPES",
    "WRITE_MULTIPLE_FUNCTION",
    "WRITE_SINGLE_FUNCTION",
    "check_read",
    "check_write",
    "check_write_single",
]

REGISTER_TYPES: dict[int, str] = {
    1: "coils",
    2: "discrete inputs",
    3: "input registers",
    4: "holding registers",
}
READ_FUNCTION: dict[int, int] = {1: 1, 2: 2, 3: 4, 4: 3}
WRITE_MULTIPLE_FUNCTION: dict[int, int] = {1: 15, 4: 16}
WRITE_SINGLE_FUNCTION: dict[int, int] = {1: 5, 4: 6}
MAX_COUNT: dict[int, int] = {1: 2000, 2: 2000, 3: 125, 4: 125, 15: 1968, 16: 123, 5: 1, 6: 1}
MAX_DEVICE_ID = 247
MAX_ADDRESS = 65535


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModbusArgumentError(f"{name} must be an int in {lo}..{hi}, got {type(value).__name__} {shown(value)}",
                                  argument=name)
    if not lo <= value <= hi:
        raise ModbusArgumentError(f"{name} must be in {lo}..{hi}, got {shown(value)}", argument=name)
    return value


def _register_type(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in REGISTER_TYPES:
        raise ModbusArgumentError(
            f"register_type must be 1 (coils), 2 (discrete inputs), 3 (input registers) or "
            f"4 (holding registers), got {shown(value)}", argument="register_type"
        )
    return value


def _writable(register_type: int) -> None:
    if register_type not in WRITE_MULTIPLE_FUNCTION:
        raise ModbusArgumentError(
            f"register_type={register_type} ({REGISTER_TYPES[register_type]}) is read-only; "
            "write to 1 (coils) or 4 (holding registers)", argument="register_type"
        )


def _block(address: int, count: int, function_code: int, count_name: str) -> None:
    _int(count_name, count, 1, MAX_COUNT[function_code])
    if address + count - 1 > MAX_ADDRESS:
        raise ModbusArgumentError(f"start_address {address} + {count_name} {count} runs past address {MAX_ADDRESS}",
                                  argument="start_address")


def _value(register_type: int, index: int | None, value: Any) -> int:
    name = "value" if index is None else f"values[{index}]"
    if register_type == 1:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int) and value in (0, 1):
            return value
        raise ModbusArgumentError(f"{name} for a coil must be a bool or 0/1, got {shown(value)}", argument=name)
    return _int(name, value, 0, 0xFFFF)


def check_read(modbus_id: Any, start_address: Any, num_registers: Any, register_type: Any) -> int:
    """Validate a read; return its function code."""
    rtype = _register_type(register_type)
    _int("modbus_id", modbus_id, 0, MAX_DEVICE_ID)
    if modbus_id == 0:
        raise ModbusArgumentError("modbus_id 0 is the broadcast address: valid for writes only, got 0 for a read",
                                  argument="modbus_id")
    address = _int("start_address", start_address, 0, MAX_ADDRESS)
    fc = READ_FUNCTION[rtype]
    _block(address, num_registers, fc, "num_registers")
    return fc


def check_write(modbus_id: Any, start_address: Any, values: Any, register_type: Any) -> tuple[int, list[int]]:
    """Validate a multiple write (FC 15/16); return the function code and the clean values."""
    rtype = _register_type(register_type)
    _writable(rtype)
    _int("modbus_id", modbus_id, 0, MAX_DEVICE_ID)
    address = _int("start_address", start_address, 0, MAX_ADDRESS)
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ModbusArgumentError(f"values must be a list of ints, got {type(values).__name__} {shown(values)}",
                                  argument="values")
    fc = WRITE_MULTIPLE_FUNCTION[rtype]
    if not values:
        raise ModbusArgumentError("values must not be empty", argument="values")
    _block(address, len(values), fc, "len(values)")
    return fc, [_value(rtype, i, v) for i, v in enumerate(values)]


def check_write_single(modbus_id: Any, address: Any, value: Any, register_type: Any) -> tuple[int, int]:
    """Validate a single write (FC 5/6); return the function code and the clean value."""
    rtype = _register_type(register_type)
    _writable(rtype)
    _int("modbus_id", modbus_id, 0, MAX_DEVICE_ID)
    addr = _int("address", address, 0, MAX_ADDRESS)
    del addr
    return WRITE_SINGLE_FUNCTION[rtype], _value(rtype, None, value)
