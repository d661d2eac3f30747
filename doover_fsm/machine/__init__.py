"""Hierarchical state machines declared in ``transitions``' dict format, run by a compiled engine.

``compile_machine`` validates a declaration once per app class; ``MachineRuntime`` runs it for
one model; ``StateMachine`` is a drop-in for code written against ``transitions``'
``HierarchicalMachine`` / ``pydoover.state.StateMachine``; ``to_mermaid`` draws it.
"""

from doover_fsm.machine.compat import StateMachine
from doover_fsm.machine.compiler import CompiledMachine, compile_machine
from doover_fsm.machine.diagram import to_mermaid
from doover_fsm.machine.engine import EventData, MachineRuntime, MachineStats

__all__ = [
    "CompiledMachine",
    "EventData",
    "MachineRuntime",
    "MachineStats",
    "StateMachine",
    "compile_machine",
    "to_mermaid",
]
