"""``pydoover.rpc``, answered by doover_fsm (see :mod:`doover_fsm.agent.rpc`)."""

from doover_fsm.agent.rpc import (
    DEFAULT_CHANNEL,
    NOT_GIVEN,
    RPC_KEY,
    RPCCancelled,
    RPCContext,
    RPCError,
    RPCManager,
    RPCTimeoutError,
    command_expires_at,
    command_is_cancelled,
    command_is_expired,
    handler,
    status_is_cancelled,
)

__all__ = ["DEFAULT_CHANNEL", "NOT_GIVEN", "RPC_KEY", "RPCCancelled", "RPCContext", "RPCError", "RPCManager",
           "RPCTimeoutError", "command_expires_at", "command_is_cancelled", "command_is_expired", "handler",
           "status_is_cancelled"]
