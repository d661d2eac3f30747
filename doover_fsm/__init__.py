"""doover_fsm: Doover-style device applications as hierarchical state machines on a deterministic scan.

The public API (everything else is internal and may change)::

    from doover_fsm import Application, run_app, StateMachine
    from doover_fsm import config, tags, ui
"""

from doover_fsm import config, tags, ui
from doover_fsm.app.application import Application
from doover_fsm.app.notifications import NotificationSeverity
from doover_fsm.app.run import run_app
from doover_fsm.clock import Clock, MonotonicClock, VirtualClock
from doover_fsm.errors import (
    AgentError,
    BoardError,
    ConfigError,
    DooverFSMError,
    IOFault,
    LineBusyError,
    MachineDefinitionError,
    MachineError,
    ModbusError,
    SchedulerError,
)
from doover_fsm.events import Event
from doover_fsm.machine import StateMachine

__version__ = "0.1.0"

__all__ = [
    "AgentError",
    "Application",
    "BoardError",
    "Clock",
    "ConfigError",
    "DooverFSMError",
    "Event",
    "IOFault",
    "LineBusyError",
    "MachineDefinitionError",
    "MachineError",
    "ModbusError",
    "MonotonicClock",
    "NotificationSeverity",
    "SchedulerError",
    "StateMachine",
    "VirtualClock",
    "__version__",
    "config",
    "run_app",
    "tags",
    "ui",
]
