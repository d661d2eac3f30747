"""``ModbusConfig`` / ``ManyModbusConfig``: Doover's config elements for a Modbus bus.

An app declares its bus in its config schema (``modbus_config = ModbusConfig()``) and the
deployment fills it in; :func:`bus_from_element` turns the element's values into the
:class:`~doover_fsm.io.modbus.config.BusConfig` the interface opens. Same children, display
names, defaults and JSON schema as pydoover's elements. Not thread-safe (config elements).
"""

from __future__ import annotations

from typing import Any

from doover_fsm import config
from doover_fsm.errors import ConfigError

from .config import BusConfig, RtuBusConfig, TcpBusConfig

__all__ = ["ManyModbusConfig", "ModbusConfig", "bus_from_element"]

_PARITY = {"None": "N", "Even": "E", "Odd": "O", "N": "N", "E": "E", "O": "O"}


class ModbusConfig(config.Object):
    """One Modbus bus as deployment config: serial (RTU) or TCP settings, and its name."""

    type = config.Enum("Bus Type", choices=["serial", "tcp"], default="serial")
    name = config.String("Name", default="default")
    serial_port = config.String("Serial Port", default="/dev/ttyAMA0")
    serial_baud = config.Integer("Serial Baud", default=9600)
    serial_method = config.Enum("Serial Method", choices=["rtu", "ascii", "socket", "tls"], default="rtu")
    serial_bits = config.Integer("Serial Data Bits", default=8)
    serial_parity = config.Enum("Serial Parity", choices=["None", "Even", "Odd"], default="None")
    serial_stop = config.Integer("Serial Stop Bits", default=1)
    serial_timeout = config.Number("Serial Timeout", default=0.3)
    tcp_uri = config.String("TCP URI", default="127.0.0.1:5000")
    tcp_timeout = config.Number("TCP Timeout", default=2.0)

    def __init__(self, display_name: str = "Modbus Config") -> None:
        super().__init__(display_name)


class ManyModbusConfig(config.Array):
    """Several buses: an array of :class:`ModbusConfig`."""

    def __init__(self, display_name: str = "Modbus Config") -> None:
        super().__init__(display_name, element=ModbusConfig("Modbus Instance Config"))


def _value(elem: Any, child: str) -> Any:
    """A child's value; an unset child means its default (pydoover's ``.value`` raises there)."""
    node = getattr(elem, child)
    try:
        return node.value
    except AttributeError:
        return node
    except (ConfigError, ValueError):
        default = getattr(node, "default", None)
        if default is None:
            raise
        return default


def bus_from_element(elem: Any, where: str = "app config: modbus_config") -> BusConfig:
    """The bus a ``ModbusConfig`` element (or anything with the same children) describes.

    Raises ``ConfigError`` naming ``where`` and the child for a value doover_fsm cannot open
    (a serial method other than RTU, a TCP URI without a port...).
    """
    bus_id = str(_value(elem, "name") or "default")
    kind = _value(elem, "type")
    if kind == "tcp":
        uri = str(_value(elem, "tcp_uri"))
        host, sep, port = uri.rpartition(":")
        if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ConfigError(f"{where}.tcp_uri: expected 'host:port', got {uri!r}")
        return TcpBusConfig(bus_id, host, int(port), timeout=_timeout(elem, "tcp_timeout", where))
    if kind == "serial":
        method = _value(elem, "serial_method")
        if method not in (None, "rtu"):
            raise ConfigError(f"{where}.serial_method: doover_fsm speaks Modbus RTU on serial buses, got {method!r}")
        parity = _PARITY.get(str(_value(elem, "serial_parity")))
        if parity is None:
            raise ConfigError(f"{where}.serial_parity: expected None/Even/Odd, got {_value(elem, 'serial_parity')!r}")
        port = str(_value(elem, "serial_port") or "")
        if not port:
            raise ConfigError(f"{where}.serial_port: must be a device path")
        return RtuBusConfig(bus_id, port, baudrate=int(_value(elem, "serial_baud")), parity=parity,
                            bytesize=int(_value(elem, "serial_bits")), stopbits=int(_value(elem, "serial_stop")),
                            timeout=_timeout(elem, "serial_timeout", where))
    raise ConfigError(f"{where}.type: expected 'serial' or 'tcp', got {kind!r}")


def _timeout(elem: Any, child: str, where: str) -> float:
    t = _value(elem, child)
    if isinstance(t, bool) or not isinstance(t, int | float) or not 0 < t <= 60:
        raise ConfigError(f"{where}.{child}: expected a number of seconds in (0, 60], got {t!r}")
    return float(t)
