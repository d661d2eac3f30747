"""Hierarchical state machines declared in ``transitions``' dict format, run by a compiled engine.

``compile_machine`` validates a declaration once per app class; ``MachineRuntime`` runs it for
one model; ``StateMachine`` is a drop-in for code written against ``transitions``'
``HierarchicalMachine``; ``AsyncStateMachine`` is ``pydoover.state.StateMachine`` (transitions'
``AsyncMachine`` + ``AsyncTimeout``), whose timeouts run on the app's ``ScanTimers``;
``to_mermaid`` draws a compiled machine.
"""

from doover_fsm.machine.async_machine import AsyncMachineStats, AsyncStateMachine
from doover_fsm.machine.compat import StateMachine
from doover_fsm.machine.compiler import CompiledMachine, compile_machine
from doover_fsm.machine.diagram import to_mermaid
from doover_fsm.machine.engine import EventData, MachineRuntime, MachineStats
from doover_fsm.machine.timers import (
    ScanTimers,
    current_scan_timers,
    enter_scan_timers,
    exit_scan_timers,
    scan_timers,
)

__all__ = [
    "AsyncMachineStats",
    "AsyncStateMachine",
    "CompiledMachine",
    "EventData",
    "MachineRuntime",
    "MachineStats",
    "ScanTimers",
    "StateMachine",
    "compile_machine",
    "current_scan_timers",
    "enter_scan_timers",
    "exit_scan_timers",
    "scan_timers",
    "to_mermaid",
]
