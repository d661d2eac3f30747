"""``ModbusInterface``: Doover's ``modbus_iface`` API over in-process pymodbus clients.

The Application builds it from the board's (and app's) ``[modbus.<bus_id>]`` tables and the
app config's ``ModbusConfig`` element, and exposes it as ``app.modbus_iface``. Method names,
argument names and defaults follow pydoover 1.18's ``ModbusInterface`` and, for old apps,
0.4's (``read_registers_async``, ``get_bus_status``...). ``register_type`` is pydoover's:
1 coils, 2 discrete inputs, 3 input registers, 4 holding registers. A request returns an
awaitable to async callers and blocks a sync caller for its result (see :mod:`._lane`).

Deliberate differences from pydoover (docs/compat/io.md):

- wrong arguments raise ``ModbusArgumentError`` (a ``ValueError``) naming the bus, the device and
  the argument, before any I/O (pydoover sent them to its service);
- a failed request returns ``None``/``False`` like pydoover and keeps the typed error in
  ``last_error``; ``raise_errors=True`` raises it instead (:mod:`.errors`);
- coils and discrete inputs read as ints 0/1 (as pydoover's gRPC service returned them);
- ``None`` for ``bus_id``/``modbus_id``/``poll_secs`` means the default;
- ``configure_bus`` is accepted and ignored: buses open on demand and reconnect by themselves.

Subscriptions poll in background asyncio tasks at their own rate and never run in the scan.
Each result is posted to the app's event queue as an :class:`~doover_fsm.events.Event`
(see :mod:`.records` for names and payloads) whose ``callback`` calls the user's callback
with the values, so user code runs inside the scan, in event order.

Not thread-safe: call it from the app's event loop thread (sync calls block that thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from doover_fsm.clock import Clock
from doover_fsm.errors import ConfigError
from doover_fsm.events import Event, trigger_name
from doover_fsm.io._dual import Ready as _Done
from doover_fsm.io._dual import caller_is_async

from . import spec
from ._lane import SyncLane
from .bus import ModbusBus
from .config import BusConfig
from .doover_config import ManyModbusConfig, ModbusConfig, bus_from_element
from .errors import (
    ModbusArgumentError,
    ModbusBusClosedError,
    ModbusConnectionError,
    ModbusError,
    ModbusFramingError,
    ModbusTimeoutError,
    naming,
    shown,
)
from .records import ModbusDeviceHealth, ModbusInterfaceStats, ModbusReading

__all__ = ["ModbusInterface", "ModbusSubscription", "SubscriptionCallback"]

log = logging.getLogger(__name__)

SubscriptionCallback = Callable[[int | list[int] | None], Awaitable[Any] | Any]
_Prepared = tuple["ModbusBus", Callable[["ModbusBus"], Awaitable[Any]], Any]

DEFAULT_BUS = "default"
DEFAULT_MODBUS_ID = 1
DEFAULT_POLL_SECS = 3  # seconds (pydoover's default; floats accepted)
DEFAULT_TIMEOUT = 7.0

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
        self._bus: ModbusBus | None = None

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

    ``buses`` maps bus ids to parsed configs (:func:`~.config.parse_buses`, board and app
    TOML); ``config`` is the app's config schema, whose ``modbus_config`` element
    (:class:`ModbusConfig` or :class:`ManyModbusConfig`) adds the deployment's buses;
    ``post_event`` puts an event on the app's queue (returns False when the queue dropped it);
    ``clock`` stamps events; ``timeout`` caps one request (pydoover's ``timeout``), retries
    included. ``reconnect_delay``/``reconnect_delay_max`` bound each bus's reconnect backoff;
    ``lost_after`` is how many "not answering" failures in a row make a device lost.
    ``raise_errors`` raises failures instead of returning ``None``/``False``; ``is_async`` is
    the app's mode (True: every request method returns an awaitable).
    """

    def __init__(
        self,
        buses: Mapping[str, BusConfig] | None = None,
        *,
        post_event: Callable[[Event], bool],
        clock: Clock,
        config: Any = None,
        timeout: float = DEFAULT_TIMEOUT,
        raise_errors: bool = False,
        is_async: bool | None = None,
        reconnect_delay: float = 0.1,
        reconnect_delay_max: float = 5.0,
        lost_after: int = 2,
    ) -> None:
        if isinstance(lost_after, bool) or not isinstance(lost_after, int) or lost_after < 1:
            raise ValueError(f"lost_after must be an int >= 1, got {lost_after!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
        self._reconnect = (reconnect_delay, reconnect_delay_max)
        self._wall_time = clock.time
        self._buses: dict[str, ModbusBus] = {bus_id: self._make_bus(cfg) for bus_id, cfg in (buses or {}).items()}
        self._dynamic: dict[str, ModbusBus] = {}  # buses from ModbusConfig elements, by bus id
        self.config = config
        self.timeout = float(timeout)
        self.raise_errors = raise_errors
        self.is_async = is_async
        self.last_error: ModbusError | None = None
        self._lane = SyncLane(self._make_bus)
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

    def _make_bus(self, cfg: BusConfig) -> ModbusBus:
        return ModbusBus(cfg, reconnect_delay=self._reconnect[0], reconnect_delay_max=self._reconnect[1],
                         wall_time=self._wall_time)

    @property
    def _is_async(self) -> bool | None:  # pydoover 0.4's run_app sets this on its interfaces
        return self.is_async

    @_is_async.setter
    def _is_async(self, value: bool | None) -> None:
        self.is_async = value

    # --- life cycle ---------------------------------------------------------------------------
    @property
    def bus_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self._buses, *(b.bus_id for b in self._config_buses()))))

    async def start(self) -> None:
        """Start polling the subscriptions added so far (buses still open lazily)."""
        if self._closed:
            raise ModbusBusClosedError("ModbusInterface.start: the interface is closed")
        self._started = True
        for sub in self._subs.values():
            self._launch(sub)

    async def setup(self) -> None:
        """pydoover's name for :meth:`start` (idempotent)."""
        if not self._started:
            await self.start()

    async def health_check(self) -> bool:
        """True until the interface is closed (the Modbus stack is in process)."""
        return not self._closed

    async def wait_until_healthy(self, interval: float = 1.0) -> bool:
        """True at once while open (nothing to wait for: no container to start)."""
        return not self._closed

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
        for bus in (*self._buses.values(), *self._dynamic.values()):
            await bus.close()
        await asyncio.get_running_loop().run_in_executor(None, self._lane.close)

    # --- which bus ----------------------------------------------------------------------------
    def _config_elements(self) -> list[Any]:
        elem = getattr(self.config, "modbus_config", None) if self.config is not None else None
        if isinstance(elem, ManyModbusConfig):
            return list(elem.elements)
        if isinstance(elem, ModbusConfig):
            return [elem]
        return []

    def _config_buses(self) -> list[BusConfig]:
        return [bus_from_element(e) for e in self._config_elements()]

    def _dynamic_bus(self, cfg: BusConfig) -> ModbusBus:
        bus = self._dynamic.get(cfg.bus_id)
        if bus is not None and bus.config == cfg:
            return bus
        if bus is not None:  # the deployment changed this bus's settings: drop the old client
            with contextlib.suppress(RuntimeError):  # no loop: nothing to close it on
                asyncio.get_running_loop().create_task(bus.close())
        bus = self._dynamic[cfg.bus_id] = self._make_bus(cfg)
        return bus

    def _bus(self, bus_id: Any, bus: Any = None, device_id: Any = None) -> ModbusBus:
        """The bus a request names: ``bus`` (a ModbusConfig element), else the app config's
        bus of that name, else the board's, else the app config's only bus."""
        if bus is not None:
            try:
                return self._dynamic_bus(bus_from_element(bus, "bus="))
            except (ConfigError, AttributeError, TypeError, ValueError) as exc:
                raise ModbusArgumentError(f"bus= must be a ModbusConfig element: {exc}", argument="bus",
                                          bus=bus if isinstance(bus, str) else shown(bus),
                                          device_id=device_id) from None
        want = DEFAULT_BUS if bus_id is None else bus_id
        cfgs = self._config_buses()
        for cfg in cfgs:
            if cfg.bus_id == want:
                return self._dynamic_bus(cfg)
        try:
            return self._buses[want]
        except (KeyError, TypeError):
            pass
        if len(cfgs) == 1:  # pydoover 1.x ignores bus_id and uses the configured bus
            return self._dynamic_bus(cfgs[0])
        if want == DEFAULT_BUS and not cfgs and len(self._buses) == 1:  # the board's only bus
            return next(iter(self._buses.values()))
        known = ", ".join(repr(b) for b in self.bus_ids) or "none configured"
        raise ModbusArgumentError(f"bus_id {shown(want)} is not a configured Modbus bus (known: {known})",
                                  argument="bus_id", bus=want if isinstance(want, str) else shown(want),
                                  device_id=device_id)

    @staticmethod
    def _check_configure_bus(configure_bus: Any) -> None:
        if not isinstance(configure_bus, bool):
            raise ModbusArgumentError(f"configure_bus must be a bool, got {shown(configure_bus)}",
                                      argument="configure_bus")

    @staticmethod
    def _check_retries(retries: Any) -> int:
        if retries is None:
            return 0
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
            raise ModbusArgumentError(f"retries must be an int in 0..10 or None, got {shown(retries)}",
                                      argument="retries")
        return retries

    # --- dispatch: awaitable for async callers, blocking for sync ones ------------------------
    def _dispatch(self, bus: ModbusBus, request: Callable[[ModbusBus], Awaitable[Any]], failed: Any) -> Any:
        if self.is_async or caller_is_async():
            return self._awaitable(bus, request, failed)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            in_loop = False
        else:
            in_loop = True
        if in_loop:
            log.debug("modbus: sync request on bus %r blocks the event loop until it completes", bus.bus_id)
        return self._lane.run(bus.config, lambda b: self._guarded(request(b), failed), self.timeout + 1)

    def _awaitable(self, bus: ModbusBus, request: Callable[[ModbusBus], Awaitable[Any]], failed: Any
                   ) -> Coroutine[Any, Any, Any]:
        return self._guarded(request(bus), failed)

    async def _guarded(self, coro: Awaitable[Any], failed: Any) -> Any:
        try:
            return await coro
        except ModbusError as err:
            self.last_error = err
            if self.raise_errors:
                raise
            log.warning("%s", err)
            return failed

    async def _request(self, bus: ModbusBus, fc: int, device_id: int, address: int, count: int,
                       values: Any = None, retries: int = 0) -> list[int]:
        try:
            async with asyncio.timeout(self.timeout):
                for attempt in range(retries + 1):
                    try:
                        return await self._execute(bus, fc, device_id, address, count, values)
                    except _NOT_ANSWERING:
                        if attempt == retries:
                            raise
        except TimeoutError as exc:
            if isinstance(exc, ModbusError):
                raise
            err = ModbusTimeoutError(f"Modbus bus {bus.bus_id!r} device {device_id} function {fc} address "
                                     f"{address}: no result within the interface timeout of {self.timeout:g} s")
            raise err from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # --- requests -----------------------------------------------------------------------------
    def read_registers(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        start_address: int = 0,
        num_registers: int = 1,
        register_type: int = 4,
        configure_bus: bool = True,
        bus: Any = None,
        retries: int | None = None,
    ) -> Any:
        """Read ``num_registers`` values: one value is an int, several a list of ints; None if
        the request failed. ``register_type``: 1 coils, 2 discrete inputs (both 0/1),
        3 input registers, 4 holding registers (the default)."""
        return self._dispatch(*self._read_request(bus_id, modbus_id, start_address, num_registers,
                                                  register_type, configure_bus, bus, retries))

    def _read_request(self, bus_id: Any, modbus_id: Any, start_address: Any, num_registers: Any,
                      register_type: Any, configure_bus: Any, bus: Any, retries: Any) -> _Prepared:
        device = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        the_bus = self._bus(bus_id, bus, device)
        with naming(the_bus.bus_id, device):
            fc = spec.check_read(device, start_address, num_registers, register_type)
            self._check_configure_bus(configure_bus)
            tries = self._check_retries(retries)

        async def request(b: ModbusBus) -> int | list[int]:
            values = await self._request(b, fc, device, start_address, num_registers, retries=tries)
            return values[0] if len(values) == 1 else values

        return the_bus, request, None

    async def read_registers_async(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        start_address: int = 0,
        num_registers: int = 1,
        register_type: int = 4,
        configure_bus: bool = True,
    ) -> Any:
        """pydoover 0.4's awaitable :meth:`read_registers`."""
        return await self._awaitable(*self._read_request(bus_id, modbus_id, start_address, num_registers,
                                                         register_type, configure_bus, None, None))

    def write_registers(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        start_address: int = 0,
        values: list[int] | None = None,
        register_type: int = 4,
        configure_bus: bool = True,
        bus: Any = None,
        retries: int | None = None,
    ) -> Any:
        """Write ``values`` from ``start_address`` (FC 16 holding registers, FC 15 coils); True,
        or False if the request failed. ``modbus_id=0`` broadcasts (no answer is awaited)."""
        return self._dispatch(*self._write_request(bus_id, modbus_id, start_address, values, register_type,
                                                   configure_bus, bus, retries))

    def _write_request(self, bus_id: Any, modbus_id: Any, start_address: Any, values: Any,
                       register_type: Any, configure_bus: Any, bus: Any, retries: Any) -> _Prepared:
        device = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        the_bus = self._bus(bus_id, bus, device)
        with naming(the_bus.bus_id, device):
            fc, clean = spec.check_write(device, start_address, [] if values is None else values, register_type)
            self._check_configure_bus(configure_bus)
            tries = self._check_retries(retries)

        async def request(b: ModbusBus) -> bool:
            await self._request(b, fc, device, start_address, len(clean), clean, retries=tries)
            return True

        return the_bus, request, False

    async def write_registers_async(
        self,
        bus_id: str = DEFAULT_BUS,
        modbus_id: int = DEFAULT_MODBUS_ID,
        start_address: int = 0,
        values: list[int] | None = None,
        register_type: int = 4,
        configure_bus: bool = True,
    ) -> Any:
        """pydoover 0.4's awaitable :meth:`write_registers`."""
        return await self._awaitable(*self._write_request(bus_id, modbus_id, start_address, values, register_type,
                                                          configure_bus, None, None))

    def write_single_register(
        self,
        modbus_id: int = DEFAULT_MODBUS_ID,
        address: int = 0,
        value: int = 0,
        register_type: int = 4,
        bus: Any = None,
        retries: int | None = None,
        *,
        bus_id: str = DEFAULT_BUS,
    ) -> Any:
        """Write one holding register (FC 6) or coil (FC 5, ``register_type=1``); True, or
        False if the request failed."""
        device = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        the_bus = self._bus(bus_id, bus, device)
        with naming(the_bus.bus_id, device):
            fc, clean = spec.check_write_single(device, address, value, register_type)
            tries = self._check_retries(retries)

        async def request(b: ModbusBus) -> bool:
            await self._request(b, fc, device, address, 1, clean, retries=tries)
            return True

        return self._dispatch(the_bus, request, False)

    def fetch_bus_status(self, bus_id: str = DEFAULT_BUS) -> Any:
        """Status and counters of one bus (a :class:`BusStatus`, truthy when open and connected)."""
        status = self._bus(bus_id).status()
        return _Done(status) if self.is_async or caller_is_async() else status

    def get_bus_status(self, bus_id: str = DEFAULT_BUS) -> Any:
        """pydoover 0.4's name of :meth:`fetch_bus_status`."""
        return self.fetch_bus_status(bus_id)

    async def get_bus_status_async(self, bus_id: str = DEFAULT_BUS) -> Any:
        return self._bus(bus_id).status()

    getBusStatus = get_bus_status
    getBusStatus_async = get_bus_status_async

    def open_bus(self, bus_type: str = "serial", name: str = "default", serial_port: str = "/dev/ttyS0",
                 serial_baud: int = 9600, serial_method: str = "rtu", serial_bits: int = 8,
                 serial_parity: str = "N", serial_stop: int = 1, serial_timeout: float = 0.3,
                 tcp_uri: str = "127.0.0.1:5000", tcp_timeout: float = 2) -> Any:
        """Deprecated (as in pydoover): declare a bus by its settings; it opens on first use."""
        warnings.warn("open_bus is deprecated; declare buses in the config (ModbusConfig or [modbus])",
                      DeprecationWarning, stacklevel=2)
        fields = {"type": bus_type, "name": name, "serial_port": serial_port, "serial_baud": serial_baud,
                  "serial_method": serial_method, "serial_bits": serial_bits, "serial_parity": serial_parity,
                  "serial_stop": serial_stop, "serial_timeout": serial_timeout, "tcp_uri": tcp_uri,
                  "tcp_timeout": tcp_timeout}
        cfg = bus_from_element(_Fields(fields), "open_bus")
        self._buses[cfg.bus_id] = self._make_bus(cfg)
        return _Done(True) if self.is_async or caller_is_async() else True

    async def open_bus_async(self, bus_type: str = "serial", name: str = "default",
                             serial_port: str = "/dev/ttyS0", serial_baud: int = 9600,
                             serial_method: str = "rtu", serial_bits: int = 8, serial_parity: str = "N",
                             serial_stop: int = 1, serial_timeout: float = 0.3,
                             tcp_uri: str = "127.0.0.1:5000", tcp_timeout: float = 2) -> Any:
        return _unwrap(self.open_bus(bus_type, name, serial_port, serial_baud, serial_method, serial_bits,
                                            serial_parity, serial_stop, serial_timeout, tcp_uri, tcp_timeout))

    def close_bus(self, bus_id: str = "default") -> Any:
        """Deprecated (as in pydoover): buses are managed by the interface. False (not closed)."""
        warnings.warn("close_bus is deprecated; buses are managed by the interface",
                      DeprecationWarning, stacklevel=2)
        return _Done(False) if self.is_async or caller_is_async() else False

    async def close_bus_async(self, bus_id: str = "default") -> bool:
        return False

    def test_comms(self, message: str = "Comms Check Message") -> Any:
        """Echo ``message`` (the Modbus stack is in process: there is no container to reach)."""
        return _Done(message) if self.is_async or caller_is_async() else message

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
        bus: Any = None,
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
        modbus_id = DEFAULT_MODBUS_ID if modbus_id is None else modbus_id
        the_bus = self._bus(bus_id, bus, modbus_id)
        poll_secs = DEFAULT_POLL_SECS if poll_secs is None else poll_secs
        with naming(the_bus.bus_id, modbus_id):
            fc = spec.check_read(modbus_id, start_address, num_registers, register_type)
            if (
                isinstance(poll_secs, bool)
                or not isinstance(poll_secs, (int, float))
                or not math.isfinite(poll_secs)
                or poll_secs <= 0
            ):
                raise ModbusArgumentError(f"poll_secs must be a number > 0, got {shown(poll_secs)}",
                                          argument="poll_secs")
            if callback is not None and not callable(callback):
                raise ModbusArgumentError(f"callback must be callable or None, got {shown(callback)}",
                                          argument="callback")
            if name is None:
                name = f"{the_bus.bus_id}_{modbus_id}_{start_address}"
            elif not isinstance(name, str) or not name or trigger_name(name) != name:
                raise ModbusArgumentError(f"name must be a non-empty identifier of [A-Za-z0-9_], got {shown(name)}",
                                          argument="name")
        sub = ModbusSubscription(
            sub_id=self._next_sub_id,
            name=name,
            bus_id=the_bus.bus_id,
            modbus_id=modbus_id,
            start_address=start_address,
            num_registers=num_registers,
            register_type=register_type,
            function_code=fc,
            poll_secs=float(poll_secs),
            callback=callback,
        )
        sub._bus = the_bus
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
        bus = sub._bus
        assert bus is not None
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


class _Fields:
    """Keyword settings seen through a ModbusConfig element's attribute names."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.__dict__.update(fields)


def _unwrap(result: Any) -> Any:
    return result._value if isinstance(result, _Done) else result
