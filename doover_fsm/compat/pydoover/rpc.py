"""``pydoover.rpc``, answered by doover_fsm: the RPC error types, constants and the ``handler`` mark."""

from doover_fsm.agent.rpc import (
    DEFAULT_CHANNEL,
    NOT_GIVEN,
    RPC_KEY,
    RPCCancelled,
    RPCError,
    RPCTimeoutError,
    handler,
)

__all__ = ["DEFAULT_CHANNEL", "NOT_GIVEN", "RPC_KEY", "RPCCancelled", "RPCError", "RPCTimeoutError", "handler"]
