"""Typed Modbus failures, and the one place that maps pymodbus outcomes onto them.

Every error names the bus, the device id, the function code and the address, keeps those
as attributes (``bus``, ``device_id``, ``function_code``, ``address``) and chains the
low-level cause (a pymodbus exception, an ``OSError``) as ``__cause__``:

====================================  ===============================================  ==============
class                                 meaning                                          also a
====================================  ===============================================  ==============
``ModbusError``                       root (doover_fsm.errors)                         ``OSError``
``ModbusTimeoutError``                no answer within the bus timeout                 ``TimeoutError``
``ModbusFramingError``                bytes arrived but no valid frame (CRC, framing)  ``OSError``
``ModbusConnectionError``             the bus could not be opened, or it dropped       ``ConnectionError``
``ModbusBusClosedError``              the interface/bus was closed by us               ``ConnectionError``
``ModbusExceptionResponse``           the device answered with an exception code       ``OSError``
``ModbusProtocolError``               any other malformed/mismatched response          ``OSError``
====================================  ===============================================  ==============

Thread-safe: stateless functions and exception classes only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pymodbus.exceptions import ConnectionException, ModbusIOException

from doover_fsm.errors import DooverFSMError, ModbusError, ModbusTimeoutError

__all__ = [
    "EXCEPTION_CODE_NAMES",
    "FUNCTION_NAMES",
    "ModbusArgumentError",
    "ModbusBusClosedError",
    "ModbusConnectionError",
    "ModbusError",
    "ModbusExceptionResponse",
    "ModbusFramingError",
    "ModbusProtocolError",
    "ModbusTimeoutError",
    "RequestContext",
    "naming",
    "shown",
]

EXCEPTION_CODE_NAMES: dict[int, str] = {
    0x01: "illegal function",
    0x02: "illegal data address",
    0x03: "illegal data value",
    0x04: "server device failure",
    0x05: "acknowledge",
    0x06: "server device busy",
    0x07: "negative acknowledge",
    0x08: "memory parity error",
    0x0A: "gateway path unavailable",
    0x0B: "gateway target device failed to respond",
}

FUNCTION_NAMES: dict[int, str] = {
    1: "read coils",
    2: "read discrete inputs",
    3: "read holding registers",
    4: "read input registers",
    5: "write single coil",
    6: "write single register",
    15: "write multiple coils",
    16: "write multiple registers",
}


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What a request was: enough to name it in an error message. Immutable."""

    bus: str
    device_id: int
    function_code: int
    address: int
    count: int = 1

    def describe(self) -> str:
        name = FUNCTION_NAMES.get(self.function_code, "function")
        return (
            f"bus {self.bus!r} device {self.device_id} function {self.function_code} ({name}) "
            f"address {self.address} count {self.count}"
        )


def shown(value: object) -> str:
    """``repr(value)`` cut to a readable length (a huge int's repr can even fail)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<{'-' if value < 0 else ''}int of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # a caller's object with a broken __repr__
        return f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


class ModbusArgumentError(DooverFSMError, ValueError):
    """A Modbus call's argument is wrong; raised before any I/O.

    Names the bus and the device the call was for (``bus``, ``device_id``; None while not yet
    known) and the ``argument``; ``detail`` is the problem alone.
    """

    def __init__(self, detail: str, *, argument: str, bus: object = None, device_id: object = None) -> None:
        self.detail, self.argument, self.bus, self.device_id = detail, argument, bus, device_id
        where = f"Modbus bus {shown(bus)} device {shown(device_id)}: " if bus is not None else ""
        super().__init__(where + detail)

    def located(self, bus: object, device_id: object) -> ModbusArgumentError:
        """The same error naming ``bus`` and ``device_id``."""
        return ModbusArgumentError(self.detail, argument=self.argument, bus=bus, device_id=device_id)


@contextmanager
def naming(bus: object, device_id: object) -> Iterator[None]:
    """Argument errors raised in the block name ``bus`` and ``device_id``."""
    try:
        yield
    except ModbusArgumentError as err:
        raise err.located(bus, device_id) from None


class ModbusFramingError(ModbusError):
    """Bytes arrived but never formed a valid frame (bad CRC, wrong length, noise)."""


class ModbusConnectionError(ModbusError, ConnectionError):
    """The bus could not be opened or the connection dropped (TCP reset, serial port gone)."""


class ModbusBusClosedError(ModbusConnectionError):
    """The bus (or the whole interface) has been closed; no further requests are made."""


class ModbusExceptionResponse(ModbusError):
    """The device answered with a Modbus exception code (``exception_code`` attribute)."""

    exception_code: int


class ModbusProtocolError(ModbusError):
    """A response arrived but did not match the request (device id, transaction, shape)."""


def make_error(cls: type[ModbusError], ctx: RequestContext, detail: str, **attrs: object) -> ModbusError:
    """Build ``cls`` with a message naming the request and the context attributes set."""
    err = cls(f"Modbus {ctx.describe()}: {detail}")
    err.bus = ctx.bus  # type: ignore[attr-defined]
    err.device_id = ctx.device_id  # type: ignore[attr-defined]
    err.function_code = ctx.function_code  # type: ignore[attr-defined]
    err.address = ctx.address  # type: ignore[attr-defined]
    for key, value in attrs.items():
        setattr(err, key, value)
    return err


def exception_response_error(ctx: RequestContext, exception_code: int) -> ModbusError:
    """The error for an exception response from the device."""
    name = EXCEPTION_CODE_NAMES.get(exception_code, "unknown exception")
    return make_error(
        ModbusExceptionResponse,
        ctx,
        f"device answered exception {exception_code} ({name})",
        exception_code=exception_code,
    )


def map_failure(
    ctx: RequestContext, exc: BaseException, *, timeout: float, rx_bytes: int, connected: bool
) -> ModbusError:
    """Map a pymodbus/OS failure to a typed :class:`ModbusError` (cause is chained by caller).

    ``rx_bytes`` is how many bytes arrived while the request was outstanding (a timeout
    with bytes seen is a CRC/framing problem, not silence); ``connected`` is the client's
    state after the failure (a "timeout" on a connection that has since dropped is a
    disconnect).
    """
    if isinstance(exc, ModbusError):
        return exc
    if isinstance(exc, ConnectionException):
        return make_error(ModbusConnectionError, ctx, f"not connected ({exc.string})")
    if (isinstance(exc, ModbusIOException) and "No response" in str(exc)) or isinstance(exc, TimeoutError):
        if not connected:
            return make_error(ModbusConnectionError, ctx, "connection lost while waiting for the answer")
        if rx_bytes:
            return make_error(
                ModbusFramingError,
                ctx,
                f"received {rx_bytes} byte(s) but no valid frame within {timeout:g} s (CRC/framing error)",
            )
        return make_error(ModbusTimeoutError, ctx, f"no answer within {timeout:g} s")
    if isinstance(exc, ModbusIOException):
        return make_error(ModbusProtocolError, ctx, f"bad response: {exc}")
    if isinstance(exc, OSError):
        return make_error(ModbusConnectionError, ctx, f"I/O error: {exc}")
    return make_error(ModbusProtocolError, ctx, f"unexpected failure: {type(exc).__name__}: {exc}")
