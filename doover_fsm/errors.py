"""The exception tree: one root, a base per category, leaves that are also builtins.

``except ValueError`` keeps working for bad input, ``except OSError`` for I/O, while
``except DooverFSMError`` catches everything this package raises on purpose.
"""

from __future__ import annotations

import errno as _errno


class DooverFSMError(Exception):
    """Root of every error doover_fsm raises on purpose."""


class InternalError(DooverFSMError, RuntimeError):
    """A broken invariant inside doover_fsm (a bug, never bad input); report it."""


# --- configuration and declarations -------------------------------------------------------------
class ConfigError(DooverFSMError, ValueError):
    """An app config value is missing, of the wrong type, or out of range; names the key."""


class MachineDefinitionError(DooverFSMError, ValueError):
    """A state-machine declaration is invalid; names the state or transition."""


class MachineError(DooverFSMError, RuntimeError):
    """A state machine was used wrongly at run time (e.g. an invalid trigger)."""


class BoardError(DooverFSMError, ValueError):
    """A board config is unknown or invalid; names the file, key and line."""


# --- I/O ----------------------------------------------------------------------------------------
class IOFault(DooverFSMError, OSError):
    """A hardware I/O operation failed; names the chip/line or device/channel."""


class LineBusyError(IOFault):
    """A GPIO line is already requested by another consumer (EBUSY)."""

    def __init__(self, message: str) -> None:
        super().__init__(_errno.EBUSY, message)


class ModbusError(DooverFSMError, OSError):
    """A Modbus request failed; names the bus, device id, function and address."""


class ModbusTimeoutError(ModbusError, TimeoutError):
    """A Modbus device did not answer in time."""


# --- agent --------------------------------------------------------------------------------------
class AgentError(DooverFSMError, RuntimeError):
    """The agent (local store or broker) could not do what was asked."""


class ChannelMessageError(AgentError, ValueError):
    """A channel message or aggregate is malformed; names the channel and what is wrong."""


# --- scheduler ----------------------------------------------------------------------------------
class SchedulerError(DooverFSMError, RuntimeError):
    """The scan scheduler could not be set up or was used wrongly."""


class RealtimeSettingError(SchedulerError, PermissionError):
    """The system refused a real-time knob (SCHED_FIFO, mlockall, affinity, timer slack)."""


def error_from_errno(err: int, message: str) -> OSError:
    """Map an errno to the matching builtin-compatible exception, in one place."""
    if err == _errno.EBUSY:
        return LineBusyError(message)
    if err == _errno.EINVAL:
        return ValueError(message)  # type: ignore[return-value]
    if err == _errno.ETIMEDOUT:
        return TimeoutError(err, message)
    if err in (_errno.EPERM, _errno.EACCES):
        return PermissionError(err, message)
    if err == _errno.ENOENT:
        return FileNotFoundError(err, message)
    return IOFault(err, message)
