"""Immutable payloads of the Modbus events (``event.data``) and the interface statistics.

Event names (all ``source="modbus"``):

=========================  ==================================================================
``modbus_<name>``          a subscription read succeeded; ``data`` is a :class:`ModbusReading`
``modbus_error``           a subscription read failed; ``data`` is a :class:`ModbusReading`
                           with ``values=None`` and ``error`` set (the per-subscription trigger
                           is *not* posted for failures, so ``modbus_<name>`` always carries
                           values)
``modbus_lost``            a device stopped answering (timeouts, CRC/framing errors, bus down
                           for ``lost_after`` requests in a row); ``data`` is a
                           :class:`ModbusDeviceHealth`
``modbus_recovered``       a device that was lost answered again (a normal or an exception
                           response); ``data`` is a :class:`ModbusDeviceHealth`
=========================  ==================================================================

All classes here are frozen dataclasses: safe to share between threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from doover_fsm.errors import ModbusError

from .bus import BusStatus

__all__ = ["ModbusDeviceHealth", "ModbusInterfaceStats", "ModbusReading"]


@dataclass(frozen=True, slots=True)
class ModbusReading:
    """One subscription poll: its values, or the error that prevented them."""

    name: str
    bus: str
    device_id: int
    function_code: int
    register_type: int
    address: int
    count: int
    values: tuple[int, ...] | None
    error: ModbusError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def value(self) -> int | list[int] | None:
        """Doover's shape: one value as an int, several as a list, ``None`` on failure."""
        if self.values is None:
            return None
        if len(self.values) == 1:
            return self.values[0]
        return list(self.values)


@dataclass(frozen=True, slots=True)
class ModbusDeviceHealth:
    """A device's answering state changed (``modbus_lost`` / ``modbus_recovered``)."""

    bus: str
    device_id: int
    answering: bool
    consecutive_failures: int
    error: ModbusError | None = None


@dataclass(frozen=True, slots=True)
class ModbusInterfaceStats:
    """Snapshot of a :class:`~doover_fsm.io.modbus.ModbusInterface` (``statistics()``)."""

    subscriptions: int
    polls: int
    poll_errors: int
    events_posted: int
    events_dropped: int
    devices_lost: int
    buses: tuple[BusStatus, ...]
