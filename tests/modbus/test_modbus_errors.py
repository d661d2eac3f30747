"""Unit tests: the error tree and the pymodbus-to-typed-error mapping."""

from __future__ import annotations

from pymodbus.exceptions import ConnectionException, ModbusIOException

from doover_fsm.errors import DooverFSMError
from doover_fsm.io.modbus import (
    ModbusBusClosedError,
    ModbusConnectionError,
    ModbusError,
    ModbusExceptionResponse,
    ModbusFramingError,
    ModbusProtocolError,
    ModbusTimeoutError,
)
from doover_fsm.io.modbus.errors import RequestContext, exception_response_error, map_failure

CTX = RequestContext("rs485", 7, 3, 40, 2)


def _check_names(err: ModbusError) -> None:
    msg = str(err)
    for fragment in ("bus 'rs485'", "device 7", "function 3", "address 40"):
        assert fragment in msg
    assert (err.bus, err.device_id, err.function_code, err.address) == ("rs485", 7, 3, 40)  # type: ignore[attr-defined]


def test_hierarchy() -> None:
    assert issubclass(ModbusTimeoutError, TimeoutError) and issubclass(ModbusTimeoutError, ModbusError)
    assert issubclass(ModbusConnectionError, ConnectionError)
    assert issubclass(ModbusBusClosedError, ModbusConnectionError)
    for cls in (ModbusFramingError, ModbusExceptionResponse, ModbusProtocolError):
        assert issubclass(cls, ModbusError) and issubclass(cls, OSError)
    assert issubclass(ModbusError, DooverFSMError)


def test_timeout_vs_framing_vs_disconnect() -> None:
    io = ModbusIOException("No response received after 0 retries")
    err = map_failure(CTX, io, timeout=0.5, rx_bytes=0, connected=True)
    assert type(err) is ModbusTimeoutError and "no answer within 0.5 s" in str(err)
    _check_names(err)
    err = map_failure(CTX, io, timeout=0.5, rx_bytes=9, connected=True)
    assert type(err) is ModbusFramingError and "CRC/framing" in str(err)
    _check_names(err)
    err = map_failure(CTX, io, timeout=0.5, rx_bytes=0, connected=False)
    assert type(err) is ModbusConnectionError and "connection lost" in str(err)
    err = map_failure(CTX, ConnectionException("Not connected"), timeout=0.5, rx_bytes=0, connected=False)
    assert type(err) is ModbusConnectionError
    err = map_failure(CTX, ModbusIOException("device id mismatch"), timeout=0.5, rx_bytes=0, connected=True)
    assert type(err) is ModbusProtocolError
    err = map_failure(CTX, BrokenPipeError(32, "pipe"), timeout=0.5, rx_bytes=0, connected=True)
    assert type(err) is ModbusConnectionError


def test_exception_response() -> None:
    err = exception_response_error(CTX, 2)
    assert isinstance(err, ModbusExceptionResponse)
    assert err.exception_code == 2  # type: ignore[attr-defined]
    assert "exception 2 (illegal data address)" in str(err)
    _check_names(err)
