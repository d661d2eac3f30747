"""One Modbus bus: a lazily opened pymodbus async client with capped exponential reconnect.

Why a wrapper rather than pymodbus' own reconnect task: we want the *request path* to
decide when to reconnect (so a dead bus costs one failed ``connect`` per backoff step and
every request in between fails fast without I/O), we want typed errors that name the bus,
device, function and address, and we want counters for ``fetch_bus_status``.

Concurrency: pymodbus 3.16's ``TransactionManager.execute`` already holds an
``asyncio.Lock`` per client, so a client never has two requests in flight (TCP included: it
does not pipeline by transaction id). :class:`ModbusBus` adds its own ``asyncio.Lock``
around "ensure connected + execute" so that connect attempts are not raced by concurrent
requests and the bytes received can be attributed to one request (that is how a CRC or
framing failure is told apart from silence). The lock costs ~1 µs uncontended.

Not thread-safe: use from the event loop that runs the app (all methods are coroutines or
cheap synchronous reads).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient

from .config import BusConfig, RtuBusConfig
from .errors import (
    ModbusBusClosedError,
    ModbusConnectionError,
    ModbusError,
    ModbusExceptionResponse,
    ModbusFramingError,
    ModbusTimeoutError,
    RequestContext,
    exception_response_error,
    make_error,
    map_failure,
)

__all__ = ["BusStatus", "ModbusBus"]

_READ_METHODS = {
    1: "read_coils",
    2: "read_discrete_inputs",
    3: "read_holding_registers",
    4: "read_input_registers",
}
_WRITE_METHODS = {5: "write_coil", 6: "write_register", 15: "write_coils", 16: "write_registers"}


@dataclass(frozen=True, slots=True)
class BusStatus:
    """Snapshot of one bus (``fetch_bus_status``). Truthy when the bus is open and connected,
    like pydoover's boolean ``fetch_bus_status``."""

    bus_id: str
    type: str
    target: str
    open: bool
    connected: bool
    requests: int
    responses: int
    errors: int
    timeouts: int
    exception_responses: int
    framing_errors: int
    connection_errors: int
    connect_attempts: int
    connects: int
    disconnects: int
    reconnect_in: float
    last_error: str | None
    last_error_at: float | None

    def __bool__(self) -> bool:
        return self.open and self.connected


class ModbusBus:
    """A bus (serial port or TCP peer) and its single pymodbus client.

    The client is created and connected on the first request. After a failed connect or a
    dropped connection the next attempt waits ``reconnect_delay`` seconds, doubling per
    failure up to ``reconnect_delay_max``; requests made while waiting fail at once with
    :class:`ModbusConnectionError` (no I/O, no spinning). A successful response resets the
    delay. After :meth:`close` every request fails with :class:`ModbusBusClosedError`.
    """

    def __init__(
        self,
        config: BusConfig,
        *,
        reconnect_delay: float = 0.1,
        reconnect_delay_max: float = 5.0,
        wall_time: Callable[[], float] = time.time,
    ) -> None:
        if reconnect_delay <= 0 or reconnect_delay_max < reconnect_delay:
            raise ValueError(
                f"reconnect delays must satisfy 0 < reconnect_delay <= reconnect_delay_max, "
                f"got {reconnect_delay!r}, {reconnect_delay_max!r}"
            )
        self.config = config
        self._min_delay = reconnect_delay
        self._max_delay = reconnect_delay_max
        self._delay = reconnect_delay
        self._wall_time = wall_time
        self._client: AsyncModbusTcpClient | AsyncModbusSerialClient | None = None
        self._lock: asyncio.Lock | None = None
        self._closed = False
        self._was_connected = False
        self._next_attempt = 0.0  # loop time before which no connect is attempted
        self._rx = 0
        # counters
        self._requests = 0
        self._responses = 0
        self._errors = 0
        self._timeouts = 0
        self._exceptions = 0
        self._framing = 0
        self._conn_errors = 0
        self._attempts = 0
        self._connects = 0
        self._disconnects = 0
        self._last_error: str | None = None
        self._last_error_at: float | None = None

    @property
    def bus_id(self) -> str:
        return self.config.bus_id

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected

    # --- client life cycle ---------------------------------------------------------------------
    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        # pymodbus hands us the whole receive buffer; remember its largest size per request.
        if not sending and len(data) > self._rx:
            self._rx = len(data)
        return data

    def _make_client(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        cfg = self.config
        # retries=0 and reconnect_delay=0: one attempt per request, reconnects are ours.
        if isinstance(cfg, RtuBusConfig):
            return AsyncModbusSerialClient(
                cfg.port,
                baudrate=cfg.baudrate,
                bytesize=cfg.bytesize,
                parity=cfg.parity,
                stopbits=cfg.stopbits,
                timeout=cfg.timeout,
                retries=0,
                reconnect_delay=0,
                name=f"modbus-{cfg.bus_id}",
                trace_packet=self._trace_packet,
            )
        return AsyncModbusTcpClient(
            cfg.host,
            port=cfg.port,
            timeout=cfg.timeout,
            retries=0,
            reconnect_delay=0,
            name=f"modbus-{cfg.bus_id}",
            trace_packet=self._trace_packet,
        )

    def _when(self, wait: float) -> str:
        """``in 350 ms (at 03:12:05.250)``: the wait in a unit that never rounds to zero, and the
        wall-clock moment, so a log line read later still says when the bus was retried."""
        wait = max(wait, 0.0)
        if wait >= 1.0:
            rel = f"{wait:.1f} s"
        elif wait >= 0.001:
            rel = f"{wait * 1000:.0f} ms"
        else:
            rel = f"{wait * 1e6:.0f} µs"
        at = self._wall_time() + wait
        stamp = time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at % 1 * 1000):03d}"
        return f"in {rel} (at {stamp})"

    def _backoff(self, now: float) -> None:
        self._next_attempt = now + self._delay
        self._delay = min(self._delay * 2, self._max_delay)

    async def _ensure_connected(self, ctx: RequestContext) -> Any:
        if self._closed:
            raise make_error(ModbusBusClosedError, ctx, "bus is closed")
        client = self._client
        if client is not None and client.connected:
            return client
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._was_connected:
            # The connection dropped since the last request: count it once and try to
            # reconnect at once (a restarted peer or an idle-closing gateway is the common
            # case); failed attempts then back off.
            self._was_connected = False
            self._disconnects += 1
            self._next_attempt = now
        if now < self._next_attempt:
            raise make_error(
                ModbusConnectionError,
                ctx,
                f"not connected to {self.config.describe()}; next reconnect attempt "
                f"{self._when(self._next_attempt - now)}",
            )
        if client is None:
            client = self._client = self._make_client()
        self._attempts += 1
        try:
            ok = await client.connect()
        except Exception as exc:
            ok = False
            cause: BaseException | None = exc
        else:
            cause = None
        if not ok:
            client.close()
            self._backoff(loop.time())
            why = ""
            if isinstance(self.config, RtuBusConfig) and not os.path.exists(self.config.port):
                why = " (serial port does not exist)"
            err = make_error(
                ModbusConnectionError,
                ctx,
                f"could not connect to {self.config.describe()}{why}; next attempt "
                f"{self._when(self._next_attempt - loop.time())}",
            )
            raise err from cause
        self._connects += 1
        self._was_connected = True
        return client

    async def close(self) -> None:
        """Close the client; idempotent. Waits for an in-flight request to finish first."""
        if self._closed:
            return
        self._closed = True
        if self._lock is not None:
            async with self._lock:
                self._close_client()
        else:
            self._close_client()

    def _close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self._was_connected = False

    # --- requests -----------------------------------------------------------------------------
    async def execute(
        self,
        function_code: int,
        device_id: int,
        address: int,
        count: int = 1,
        values: list[int] | int | None = None,
    ) -> list[int]:
        """Run one request; return the values read (ints; bits as 0/1) or ``[]`` for a write.

        Arguments are assumed valid (see :mod:`.spec`). Raises a :class:`ModbusError`
        subclass naming the bus, device, function and address, with the cause chained.
        """
        ctx = RequestContext(self.config.bus_id, device_id, function_code, address, count)
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self._requests += 1
            try:
                client = await self._ensure_connected(ctx)
                return await self._request(client, ctx, values)
            except ModbusError as err:
                self._record_error(err)
                raise

    async def _request(self, client: Any, ctx: RequestContext, values: list[int] | int | None) -> list[int]:
        fc = ctx.function_code
        broadcast = ctx.device_id == 0
        self._rx = 0
        try:
            if fc in _READ_METHODS:
                method = getattr(client, _READ_METHODS[fc])
                response = await method(ctx.address, count=ctx.count, device_id=ctx.device_id)
            else:
                method = getattr(client, _WRITE_METHODS[fc])
                if fc == 5:
                    values = bool(values)
                elif fc == 15:
                    values = [bool(v) for v in values]  # type: ignore[union-attr]
                response = await method(
                    ctx.address, values, device_id=ctx.device_id, no_response_expected=broadcast
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            err = map_failure(
                ctx, exc, timeout=self.config.timeout, rx_bytes=self._rx, connected=client.connected
            )
            raise err from exc
        if broadcast:
            self._on_success()
            return []
        if response.isError():
            # The device is alive and answered: not a bus problem.
            self._on_success()
            raise exception_response_error(ctx, int(response.exception_code))
        self._on_success()
        if fc in (1, 2):
            return [1 if b else 0 for b in response.bits[: ctx.count]]
        if fc in (3, 4):
            return list(response.registers)
        return []

    def _on_success(self) -> None:
        self._responses += 1
        self._delay = self._min_delay

    def _record_error(self, err: ModbusError) -> None:
        self._errors += 1
        if isinstance(err, ModbusTimeoutError):
            self._timeouts += 1
        elif isinstance(err, ModbusExceptionResponse):
            self._exceptions += 1
        elif isinstance(err, ModbusFramingError):
            self._framing += 1
        elif isinstance(err, ModbusConnectionError):
            self._conn_errors += 1
        self._last_error = str(err)
        self._last_error_at = self._wall_time()

    # --- status -------------------------------------------------------------------------------
    def status(self) -> BusStatus:
        """A snapshot of this bus's state and counters."""
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:
            now = self._next_attempt
        return BusStatus(
            bus_id=self.config.bus_id,
            type=self.config.type,
            target=self.config.describe(),
            open=not self._closed,
            connected=self.connected,
            requests=self._requests,
            responses=self._responses,
            errors=self._errors,
            timeouts=self._timeouts,
            exception_responses=self._exceptions,
            framing_errors=self._framing,
            connection_errors=self._conn_errors,
            connect_attempts=self._attempts,
            connects=self._connects,
            disconnects=self._disconnects,
            reconnect_in=0.0 if self.connected else max(0.0, self._next_attempt - now),
            last_error=self._last_error,
            last_error_at=self._last_error_at,
        )
