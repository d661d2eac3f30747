"""``pydoover.state``, answered by doover_fsm: ``StateMachine`` is transitions' ``AsyncMachine`` +
``AsyncTimeout`` semantics on doover_fsm's flat async machine (see docs/compat/sm.md)."""

from doover_fsm.machine.async_machine import AsyncStateMachine as StateMachine

__all__ = ["StateMachine"]
