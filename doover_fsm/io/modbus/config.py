"""Modbus bus configuration: the ``[modbus.<bus_id>]`` tables of a board or app config.

A board config declares the buses its hardware has (an RS-485 port, a TCP gateway); the
app config may declare the same shape and replaces a board bus of the same id wholesale
(``merge_buses``). Everything is validated here, once, so a typo in a TOML file is a
:class:`~doover_fsm.errors.BoardError` at load time naming the file, the bus and the key,
never a confusing pymodbus failure at the first request.

Example (TOML)::

    [modbus.default]
    type = "rtu"
    port = "/dev/ttyAMA0"
    baudrate = 9600
    parity = "N"

    [modbus.plc]
    type = "tcp"
    host = "192.168.1.20"
    port = 502
    timeout = 0.5

All values here are immutable; the module has no state and is thread-safe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from doover_fsm.errors import BoardError

__all__ = ["BusConfig", "RtuBusConfig", "TcpBusConfig", "merge_buses", "parse_buses"]

_BUS_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_PARITIES = ("N", "E", "O")
_BYTESIZES = (7, 8)
_STOPBITS = (1, 2)


@dataclass(frozen=True, slots=True)
class RtuBusConfig:
    """A serial (RS-485/RS-232) bus with RTU framing. Immutable."""

    bus_id: str
    port: str
    baudrate: int = 9600
    parity: str = "N"
    bytesize: int = 8
    stopbits: int = 1
    timeout: float = 1.0

    @property
    def type(self) -> str:
        return "rtu"

    def describe(self) -> str:
        """Short human form used in error messages and logs."""
        return f"rtu {self.port} {self.baudrate} {self.bytesize}{self.parity}{self.stopbits}"


@dataclass(frozen=True, slots=True)
class TcpBusConfig:
    """A Modbus/TCP connection (a device or a gateway). Immutable."""

    bus_id: str
    host: str
    port: int = 502
    timeout: float = 1.0

    @property
    def type(self) -> str:
        return "tcp"

    def describe(self) -> str:
        """Short human form used in error messages and logs."""
        return f"tcp {self.host}:{self.port}"


BusConfig: TypeAlias = RtuBusConfig | TcpBusConfig

# key -> (accepted python types, required?)  bool is excluded from int explicitly below.
_RTU_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "type": ((str,), True),
    "port": ((str,), True),
    "baudrate": ((int,), False),
    "parity": ((str,), False),
    "bytesize": ((int,), False),
    "stopbits": ((int,), False),
    "timeout": ((int, float), False),
}
_TCP_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "type": ((str,), True),
    "host": ((str,), True),
    "port": ((int,), False),
    "timeout": ((int, float), False),
}


Where: TypeAlias = str | Callable[[str, str | None], str]


def _fail(where: Where, bus_id: str, key: str | None, problem: str) -> BoardError:
    at = f"modbus.{bus_id}" + (f".{key}" if key else "")
    place = where if isinstance(where, str) else where(bus_id, key)
    return BoardError(f"{place}: [{at}] {problem}")


def _check_types(
    where: Where, bus_id: str, table: Mapping[str, Any], spec: dict[str, tuple[tuple[type, ...], bool]]
) -> None:
    for key in table:
        if key not in spec:
            allowed = ", ".join(sorted(spec))
            raise _fail(where, bus_id, str(key), f"unknown key {key!r} (allowed: {allowed})")
    for key, (types, required) in spec.items():
        if key not in table:
            if required:
                raise _fail(where, bus_id, key, "is required")
            continue
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, types):
            want = " or ".join(t.__name__ for t in types)
            raise _fail(where, bus_id, key, f"must be {want}, got {type(value).__name__} {value!r}")


def _positive_timeout(where: Where, bus_id: str, table: Mapping[str, Any]) -> float:
    timeout = float(table.get("timeout", 1.0))
    if not 0 < timeout <= 60:
        raise _fail(where, bus_id, "timeout", f"must be > 0 and <= 60 seconds, got {table['timeout']!r}")
    return timeout


def _parse_rtu(where: Where, bus_id: str, table: Mapping[str, Any]) -> RtuBusConfig:
    _check_types(where, bus_id, table, _RTU_KEYS)
    port = table["port"]
    if not port:
        raise _fail(where, bus_id, "port", "must be a non-empty device path")
    baudrate = table.get("baudrate", 9600)
    if not 50 <= baudrate <= 4_000_000:
        raise _fail(where, bus_id, "baudrate", f"must be between 50 and 4000000, got {baudrate!r}")
    parity = table.get("parity", "N")
    if parity not in _PARITIES:
        raise _fail(where, bus_id, "parity", f"must be one of 'N', 'E', 'O', got {parity!r}")
    bytesize = table.get("bytesize", 8)
    if bytesize not in _BYTESIZES:
        raise _fail(where, bus_id, "bytesize", f"must be 7 or 8, got {bytesize!r}")
    stopbits = table.get("stopbits", 1)
    if stopbits not in _STOPBITS:
        raise _fail(where, bus_id, "stopbits", f"must be 1 or 2, got {stopbits!r}")
    return RtuBusConfig(
        bus_id=bus_id,
        port=port,
        baudrate=baudrate,
        parity=parity,
        bytesize=bytesize,
        stopbits=stopbits,
        timeout=_positive_timeout(where, bus_id, table),
    )


def _parse_tcp(where: Where, bus_id: str, table: Mapping[str, Any]) -> TcpBusConfig:
    _check_types(where, bus_id, table, _TCP_KEYS)
    host = table["host"]
    if not host.strip():
        raise _fail(where, bus_id, "host", "must be a non-empty host name or address")
    port = table.get("port", 502)
    if not 1 <= port <= 65535:
        raise _fail(where, bus_id, "port", f"must be between 1 and 65535, got {port!r}")
    return TcpBusConfig(bus_id=bus_id, host=host, port=port, timeout=_positive_timeout(where, bus_id, table))


def parse_buses(table: Mapping[str, Any], *, where: str,
                locate: Callable[[str, str | None], str] | None = None) -> dict[str, BusConfig]:
    """Parse a ``[modbus]`` table (``{bus_id: {type = ..., ...}}``) into bus configs.

    ``where`` names the source (a file path, "app config") and starts every error message.
    Raises :class:`BoardError` naming ``where``, the bus id and the key for an unknown key,
    a missing required key, a wrong type or an out-of-range value. ``locate(bus_id, key)``,
    when given, replaces ``where`` in each message (e.g. ``file:line`` of that key).
    """
    at: Where = where if locate is None else locate
    if not isinstance(table, Mapping):
        raise BoardError(f"{where}: [modbus] must be a table of buses, got {type(table).__name__}")
    out: dict[str, BusConfig] = {}
    for bus_id, bus_table in table.items():
        if not isinstance(bus_id, str) or not _BUS_ID.match(bus_id):
            raise _fail(at, str(bus_id), None, "bus id must match ^[A-Za-z0-9_-]+$")
        if not isinstance(bus_table, Mapping):
            raise _fail(at, bus_id, None, f"must be a table, got {type(bus_table).__name__} {bus_table!r}")
        bus_type = bus_table.get("type")
        if bus_type == "rtu":
            out[bus_id] = _parse_rtu(at, bus_id, bus_table)
        elif bus_type == "tcp":
            out[bus_id] = _parse_tcp(at, bus_id, bus_table)
        elif bus_type is None:
            raise _fail(at, bus_id, "type", "is required ('rtu' or 'tcp')")
        else:
            raise _fail(at, bus_id, "type", f"must be 'rtu' or 'tcp', got {bus_type!r}")
    return out


def merge_buses(*layers: Mapping[str, BusConfig]) -> dict[str, BusConfig]:
    """Merge parsed bus maps; a later layer (e.g. the app config) replaces a bus id wholesale."""
    merged: dict[str, BusConfig] = {}
    for layer in layers:
        merged.update(layer)
    return merged
