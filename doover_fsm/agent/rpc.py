"""pydoover's RPC vocabulary: errors with a ``code``, the ``dv-rpc`` channel, the ``@handler`` mark.

A request is a message ``{"type": "rpc", "method": NAME, "request": PAYLOAD, "app_key": KEY}``;
its handler's result or error is written back into that message's ``status``/``response``.
:func:`handler` marks an app method as the handler of ``method`` (on ``channel``, with an
optional ``parser`` for the payload) exactly as pydoover marks it, so a runtime that routes
requests finds it by the same attributes (``_is_rpc_handler``, ``_rpc_method``,
``_rpc_channel``, ``_rpc_parser``).

Thread-safety: stateless.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DEFAULT_CHANNEL", "NOT_GIVEN", "RPC_KEY", "RPCCancelled", "RPCError", "RPCTimeoutError", "handler"]

RPC_KEY = "dv-rpc"
DEFAULT_CHANNEL = "dv-rpc"

F = TypeVar("F", bound=Callable[..., Any])


class _NotGiven:
    """Sentinel for optional arguments where ``None`` means something."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = _NotGiven()


class RPCError(Exception):
    """An error an RPC handler reports to its caller: a machine ``code`` and a human ``message``."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class RPCTimeoutError(RPCError):
    """No response to an RPC call in time."""

    def __init__(self, method: str, timeout: float) -> None:
        super().__init__("TIMEOUT", f"RPC call '{method}' timed out after {timeout}s")


class RPCCancelled(RPCError):
    """The caller withdrew the command."""

    def __init__(self, method: str) -> None:
        super().__init__("CANCELLED", f"RPC call '{method}' was cancelled by the caller")


def handler(method: str | re.Pattern[str], channel: str | None = None,
            parser: Callable[[Any], Any] | None = None) -> Callable[[F], F]:
    """Mark an async method as the RPC handler of ``method`` (a name or a regex), optionally on ``channel``."""

    def decorator(func: F) -> F:
        func._is_rpc_handler = True  # type: ignore[attr-defined]
        func._rpc_method = method  # type: ignore[attr-defined]
        func._rpc_channel = channel  # type: ignore[attr-defined]
        func._rpc_parser = parser  # type: ignore[attr-defined]
        return func

    return decorator
