"""``ModbusInterface``: Doover's ``modbus_iface`` API over in-process pymodbus clients.

The Application builds it from the board's (and app's) ``[modbus.<bus_id>]`` tables and
exposes it as ``app.modbus_iface``. Method names, argument names and defaults follow
pydoover's ``pydoover.docker.modbus.ModbusInterface`` so Doover apps keep working, with
these deliberate differences:

- failures raise typed errors (:mod:`.errors`) instead of returning ``None``/``False``;
  wrong arguments raise ``ValueError`` before any I/O;
- coils and discrete inputs read as ints 0/1 (as pydoover's gRPC service returned them);
- ``None`` for ``bus_id``/``modbus_id``/``poll_secs`` means the default (pydoover's
  Application shortcuts pass ``None`` explicitly);
- ``configure_bus`` is accepted and ignored: buses come from the board config and are
  reconnected automatically;
- ``fetch_bus_status`` returns a :class:`BusStatus` (truthy when open and connected).

Subscriptions poll in background asyncio tasks at their own rate and never run in the scan.
Each result is posted to the app's event queue as an :class:`~doover_fsm.events.Event`
(see :mod:`.records` for names and payloads) whose ``callback`` calls the user's callback
with the values, so user code runs inside the scan, in event order.

Not thread-safe: call it from the app's event loop thread.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from doover_fsm.clock import Clock
from doover_fsm.events import Event, trigger_name

from . import spec
from .bus import BusStatus, ModbusBus
from .config import BusConfig
from .errors import (
    ModbusBusClosedError,
    ModbusConnectionError,
    ModbusError,
    ModbusFramingError,
    ModbusTimeoutError,
)
from .records import ModbusDeviceHealth, ModbusInterfaceStats, ModbusReading

__all__ = ["ModbusInterface", "ModbusSubscription", "SubscriptionCallback"]

log = logging.getLogger(__name__)

SubscriptionCallback = Callable[[int | list[int] | None], Awaitable[Any] | Any]

DEFAULT_BUS = "default"
DEFAULT_MODBUS_ID = 1
DEFAULT_POLL_SECS = 3.0

# Failures that mean "the device is not answering" (as opposed to answering with an error).
_NOT_ANSWERING = (ModbusTimeoutError, ModbusFramingError, ModbusConnectionError)


class ModbusSubscription:
    """A periodic read started by ``add_read_register_subscription``. Not thread-safe.

    Survives disconnects: a failed poll posts ``modbus_error`` and the next poll happens on
    schedule (the bus reconnects with backoff on its own).
    """

    def __init__(
        self,
        *,
        sub_id: int,
        name: str,
        bus_id: str,
        modbus_id: int,
        start_address: int,
        num_registers: int,
        register_type: int,
        function_code: int,
        poll_secs: float,
        callback: SubscriptionCallback | None,
    ) -> None:
        self.id = sub_id
        self.name = name
        self.trigger = trigger_name("modbus", name)
        self.bus_id = bus_id
        self.modbus_id = modbus_id
        self.start_address = start_address
        self.num_registers = num_registers
        self.register_type = register_type
        self.function_code = function_code
        self.poll_secs = poll_secs
        self.callback = callback
        self.polls = 0
        self.errors = 0
        self.last_reading: ModbusReading | None = None
        self._task: asyncio.Task[None] | None = None
        self._removed = False

    @property
    def active(self) -> bool:
        """True while the subscription is registered (even before the interface starts)."""
        return not self._removed

    def __repr__(self) -> str:
        return (
            f"ModbusSubscription({self.name!r}, bus={self.bus_id!r}, id={self.modbus_id}, "
            f"type={self.register_type}, addr={self.start_address}, n={self.num_registers}, "
            f"every {self.poll_secs:g} s, active={self.active})"
        )


class _DeviceState:
    __slots__ = ("answering", "failures")

    def __init__(self) -> None:
        self.answering: bool | None = None  # None: not yet known
        self.failures = 0


class ModbusInterface:
    """Modbus for a Doover-style app: buses from config, Doover's method names, events out.

    ``buses`` maps bus ids to parsed configs (:func:`~.config.parse_buses`); ``post_event``
    puts an event on the app's queue (returns False when the queue dropped it); ``clock``
    stamps events. ``reconnect_delay``/``reconnect_delay_max`` bound each bus's reconnect
    backoff; ``lost_after`` is how many "not answering" failures in a row make a device lost.
    """

    def __init__(
        self,
        buses: Mapping[str, BusConfig],
        *,
        post_event: Callable[[Event], bool],
        clock: Clock,
        reconnect_delay: float = 0.1,
        reconnect_delay_max: float = 5.0,
        lost_after: int = 2,
    ) -> None:
        if isinstance(lost_after, bool) or not isinstance(lost_after, int) or lost_after < 1:
            raise ValueError(f"lost_after must be an int >= 1, got {lost_after!r}")
        self._buses: dict[str, ModbusBus] = {
            bus_id: ModbusBus(
                cfg,
                reconnect_delay=reconnect_delay,
                reconnect_delay_max=reconnect_delay_max,
                wall_time=clock.time,
            )
            for bus_id, cfg in buses.items()
        }
        self._post = post_event
        self._clock = clock
        self._lost_after = lost_after
        self._subs: dict[int, ModbusSubscription] = {}
        self._next_sub_id = 1
        self._devices: dict[tuple[str, int], _DeviceState] = {}
        self._started = False
        self._closed = False
        self._polls = 0
        self._poll_errors = 0
        self._posted = 0
        self._dropped = 0

    # --- life cycle ---------------------------------------------------------------------------
    @property
    def bus_ids(self) -> tuple[str, ...]:
        return tuple(self._buses)

    async def start(self) -> None:
        """Start polling the subscriptions added so far (buses still open lazily)."""
        if self._closed:
            raise ModbusBusClosedError("ModbusInterface.start: the interface is closed")
        self._started = True
        for sub in self._subs.values():
            self._launch(sub)

    async def close(self) -> None:
        """Stop every subscription and close every bus; idempotent."""
        if self._closed:
            return
        self._closed = True
        tasks = [s._task for s in self._subs.values() if s._task is not None]
        for sub in self._subs.values():
            sub._removed = True
            if sub._task is not None:
                sub._task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._subs.clear()
        for bus in self._buses.values():
            await bus.close()

    # --- argument helpers ---------------------------------------------------------------------
    def _bus(self, bus_id: Any) -> ModbusBus:
        bus_id = DEFAULT_BUS if bus_id is None else bus_id
        try:
            return self._buses[bus_id]
        except (KeyError, TypeError):
            known = ", ".join(repr(b) for b in self._buses) or "none configured"
            raise ValueError(f"bus_id {bus_id!r} is not a configured Modbus bus (known: {known})") from None

    @staticmethod
    def _check_configure_bus(configure_bus: Any) -> None:
        if not isinstance(configure_bus, bool):
            raise ValueError(f"configure_bus must be a bool, got {configure_bus!r}")

    # --- requests -----------------------------------------------------------------------------
    async def read_registers(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        start_address: int = 0,
        num_registers: int = 1,
        register_type: int = 4,
        configure_bus: bool = True,
    ) -> int | list[int]:
        """Read ``num_registers`` values; one value returns an int, several a list of ints.

        ``register_type``: 1 coils, 2 discrete inputs (both read as 0/1), 3 holding
        registers, 4 input registers. Raises ``ValueError`` for bad arguments and a
        :class:`ModbusError` subclass when the request fails.
        """
        bus = self._bus(bus_id)
        modbus_id = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        fc = spec.check_read(modbus_id, start_address, num_registers, register_type)
        self._check_configure_bus(configure_bus)
        values = await self._execute(bus, fc, modbus_id, start_address, num_registers)
        return values[0] if len(values) == 1 else values

    async def write_registers(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        start_address: int = 0,
        values: list[int] | None = None,
        register_type: int = 3,
        configure_bus: bool = True,
    ) -> bool:
        """Write ``values`` from ``start_address`` (FC 16 for holding registers, FC 15 for
        coils); return True. ``modbus_id=0`` broadcasts (no answer is awaited)."""
        bus = self._bus(bus_id)
        modbus_id = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        fc, clean = spec.check_write(
            modbus_id, start_address, [] if values is None else values, register_type
        )
        self._check_configure_bus(configure_bus)
        await self._execute(bus, fc, modbus_id, start_address, len(clean), clean)
        return True

    async def write_single_register(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        address: int = 0,
        value: int = 0,
        register_type: int = 3,
        configure_bus: bool = True,
    ) -> bool:
        """Write one value with the single-write function (FC 6 register, FC 5 coil); True."""
        bus = self._bus(bus_id)
        modbus_id = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        fc, clean = spec.check_write_single(modbus_id, address, value, register_type)
        self._check_configure_bus(configure_bus)
        await self._execute(bus, fc, modbus_id, address, 1, clean)
        return True

    async def fetch_bus_status(self, bus_id: str = DEFAULT_BUS) -> BusStatus:
        """Status and counters of one bus (truthy when open and connected)."""
        return self._bus(bus_id).status()

    async def _execute(
        self, bus: ModbusBus, fc: int, device_id: int, address: int, count: int, values: Any = None
    ) -> list[int]:
        try:
            result = await bus.execute(fc, device_id, address, count, values)
        except ModbusError as err:
            if device_id:
                self._note_health(bus.bus_id, device_id, err)
            raise
        if device_id:
            self._note_health(bus.bus_id, device_id, None)
        return result

    # --- device health ------------------------------------------------------------------------
    def _note_health(self, bus_id: str, device_id: int, err: ModbusError | None) -> None:
        if isinstance(err, ModbusBusClosedError):
            return
        state = self._devices.get((bus_id, device_id))
        if state is None:
            state = self._devices[(bus_id, device_id)] = _DeviceState()
        if err is None or not isinstance(err, _NOT_ANSWERING):
            state.failures = 0
            if state.answering is False:
                self._emit("modbus_recovered", ModbusDeviceHealth(bus_id, device_id, True, 0, err))
            state.answering = True
            return
        state.failures += 1
        if state.answering is not False and state.failures >= self._lost_after:
            state.answering = False
            self._emit("modbus_lost", ModbusDeviceHealth(bus_id, device_id, False, state.failures, err))

    def _emit(self, trigger: str, data: Any, callback: Callable[[], Any] | None = None) -> None:
        event = Event(
            trigger=trigger,
            source="modbus",
            data=data,
            ts_ns=self._clock.monotonic_ns(),
            callback=callback,
        )
        if self._post(event):
            self._posted += 1
        else:
            self._dropped += 1
            log.warning("modbus: event queue full, dropped %s", trigger)

    # --- subscriptions ------------------------------------------------------------------------
    def add_read_register_subscription(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        start_address: int = 0,
        num_registers: int = 1,
        register_type: int = 4,
        poll_secs: float = DEFAULT_POLL_SECS,
        callback: SubscriptionCallback | None = None,
        *,
        name: str | None = None,
    ) -> ModbusSubscription:
        """Poll a block every ``poll_secs`` seconds in the background; return the subscription.

        Each poll posts ``modbus_<name>`` (success) or ``modbus_error`` (failure); the event's
        callback runs ``callback(values)`` in the scan (values: int for one register, list
        for several, ``None`` on failure; ``callback`` may be async). ``name`` defaults to
        ``f"{bus_id}_{modbus_id}_{start_address}"``.
        """
        if self._closed:
            raise ModbusBusClosedError("add_read_register_subscription: the interface is closed")
        bus = self._bus(bus_id)
        modbus_id = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        poll_secs = DEFAULT_POLL_SECS if poll_secs is None else poll_secs
        fc = spec.check_read(modbus_id, start_address, num_registers, register_type)
        if (
            isinstance(poll_secs, bool)
            or not isinstance(poll_secs, (int, float))
            or not math.isfinite(poll_secs)
            or poll_secs <= 0
        ):
            raise ValueError(f"poll_secs must be a number > 0, got {poll_secs!r}")
        if callback is not None and not callable(callback):
            raise ValueError(f"callback must be callable or None, got {callback!r}")
        if name is None:
            name = f"{bus.bus_id}_{modbus_id}_{start_address}"
        elif not isinstance(name, str) or not name or trigger_name(name) != name:
            raise ValueError(f"name must be a non-empty identifier of [A-Za-z0-9_], got {name!r}")
        sub = ModbusSubscription(
            sub_id=self._next_sub_id,
            name=name,
            bus_id=bus.bus_id,
            modbus_id=modbus_id,
            start_address=start_address,
            num_registers=num_registers,
            register_type=register_type,
            function_code=fc,
            poll_secs=float(poll_secs),
            callback=callback,
        )
        self._next_sub_id += 1
        self._subs[sub.id] = sub
        if self._started:
            self._launch(sub)
        return sub

    def remove_read_register_subscription(self, subscription: ModbusSubscription | int) -> bool:
        """Stop a subscription (object or id); False if it was not registered."""
        sub_id = subscription.id if isinstance(subscription, ModbusSubscription) else subscription
        sub = self._subs.pop(sub_id, None)
        if sub is None:
            return False
        sub._removed = True
        if sub._task is not None:
            sub._task.cancel()
        return True

    @property
    def subscriptions(self) -> tuple[ModbusSubscription, ...]:
        return tuple(self._subs.values())

    def _launch(self, sub: ModbusSubscription) -> None:
        if sub._task is None and not sub._removed:
            sub._task = asyncio.get_running_loop().create_task(
                self._poll_loop(sub), name=f"modbus-sub-{sub.name}"
            )

    async def _poll_loop(self, sub: ModbusSubscription) -> None:
        loop = asyncio.get_running_loop()
        bus = self._buses[sub.bus_id]
        deadline = loop.time()
        while not sub._removed:
            await self._poll_once(bus, sub)
            # Absolute deadlines; a poll that overran its period skips, never bursts.
            deadline += sub.poll_secs
            now = loop.time()
            if deadline <= now:
                deadline += math.ceil((now - deadline) / sub.poll_secs + 1e-9) * sub.poll_secs
            await asyncio.sleep(deadline - now)

    async def _poll_once(self, bus: ModbusBus, sub: ModbusSubscription) -> None:
        sub.polls += 1
        self._polls += 1
        try:
            values = await self._execute(
                bus, sub.function_code, sub.modbus_id, sub.start_address, sub.num_registers
            )
        except ModbusBusClosedError:
            return
        except ModbusError as err:
            sub.errors += 1
            self._poll_errors += 1
            reading = self._reading(sub, None, err)
            self._emit("modbus_error", reading, self._user_callback(sub, None))
            return
        except Exception as exc:  # a bug below us must not kill the subscription silently
            log.exception("modbus: subscription %s poll failed unexpectedly", sub.name)
            sub.errors += 1
            self._poll_errors += 1
            self._emit("exception", exc)
            return
        reading = self._reading(sub, tuple(values), None)
        self._emit(sub.trigger, reading, self._user_callback(sub, reading.value))

    @staticmethod
    def _reading(
        sub: ModbusSubscription, values: tuple[int, ...] | None, err: ModbusError | None
    ) -> ModbusReading:
        reading = ModbusReading(
            name=sub.name,
            bus=sub.bus_id,
            device_id=sub.modbus_id,
            function_code=sub.function_code,
            register_type=sub.register_type,
            address=sub.start_address,
            count=sub.num_registers,
            values=values,
            error=err,
        )
        sub.last_reading = reading
        return reading

    @staticmethod
    def _user_callback(sub: ModbusSubscription, value: int | list[int] | None) -> Callable[[], Any] | None:
        cb = sub.callback
        if cb is None:
            return None

        def run() -> Any:
            # Skip results that were still queued when the subscription was removed.
            if sub._removed:
                return None
            return cb(value)

        return run

    # --- statistics ---------------------------------------------------------------------------
    def statistics(self) -> ModbusInterfaceStats:
        """Counters across all subscriptions and buses."""
        return ModbusInterfaceStats(
            subscriptions=len(self._subs),
            polls=self._polls,
            poll_errors=self._poll_errors,
            events_posted=self._posted,
            events_dropped=self._dropped,
            devices_lost=sum(1 for d in self._devices.values() if d.answering is False),
            buses=tuple(b.status() for b in self._buses.values()),
        )
