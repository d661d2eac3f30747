"""RPC over channel messages, on the wire as pydoover speaks it: errors, ``@handler``, the manager.

A request is a message ``{"type": "rpc", "method": NAME, "request": PAYLOAD, "app_key": KEY,
"status": {"code": "sent"}, "response": {}}`` on a channel (``dv-rpc`` by default); the handler's
result is written back into that message as ``{"status": {"code": "success", "message": None},
"response": RESULT}``, an error as ``{"status": {"code": "error", "message": {"code": C,
"message": M}}, "response": {}}``. Progress (``pending``), ``acknowledged`` and ``deferred``
statuses are intermediate; an issuer cancels by writing an ``error`` status marked cancelled.

:func:`handler` marks an app method (``async def m(self, ctx, payload)``) as the handler of a
method name or regex, optionally on one channel, with an optional payload ``parser``;
:class:`RPCManager` finds marked methods (:meth:`~RPCManager.register_handlers`), subscribes
to their channels through any agent's pydoover ``add_event_callback`` and answers requests;
:meth:`~RPCManager.call` is the caller's side.

Thread-safety: an RPCManager belongs to the event loop of the agent it uses.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from doover_fsm.agent.doover_events import MessageCreateEvent, MessageUpdateEvent, OneShotMessage
from doover_fsm.agent.models import EventSubscription

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_CHANNEL",
    "NOT_GIVEN",
    "RPC_KEY",
    "RPCCancelled",
    "RPCContext",
    "RPCError",
    "RPCManager",
    "RPCTimeoutError",
    "command_expires_at",
    "command_is_cancelled",
    "command_is_expired",
    "handler",
    "status_is_cancelled",
]

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


# --- command metadata -----------------------------------------------------------------------------
_CANCELLED_TEXT = re.compile(r"^command cancell?ed$", re.IGNORECASE)
_INTERMEDIATE = ("sent", "acknowledged", "deferred", "pending")


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def command_expires_at(message: Any) -> datetime | None:
    """When a command expires: its creation time plus ``expires_after`` ms (None: never)."""
    expires_after = message.data.get("expires_after") if isinstance(message.data, dict) else None
    created = message.timestamp
    if expires_after is None or created is None:
        return None
    return created + timedelta(milliseconds=expires_after)


def command_is_expired(message: Any) -> bool:
    """Has the command's expiry passed (wall clock, as its creation time is)?"""
    expires_at = command_expires_at(message)
    return expires_at is not None and datetime.now(tz=UTC) >= expires_at


def status_is_cancelled(status: Any) -> bool:
    """Does a ``status`` block say the issuer cancelled the command (an ``error`` with a cancel marker)?"""
    if not isinstance(status, dict) or status.get("code") != "error" or "message" not in status:
        return False
    body = status["message"]
    if isinstance(body, str):
        return bool(_CANCELLED_TEXT.match(body.strip()))
    if not isinstance(body, dict):
        return False
    if "cancelled_at" in body or "cancelled_by" in body:
        return True
    info = body.get("info")
    return isinstance(info, str) and bool(_CANCELLED_TEXT.match(info.strip()))


def command_is_cancelled(message: Any) -> bool:
    """Has the command message been cancelled by its issuer?"""
    return isinstance(message.data, dict) and status_is_cancelled(message.data.get("status"))


UpdateFn = Callable[..., Awaitable[Any]]


class RPCContext:
    """What a handler gets besides the payload: the request message, audit fields, status writes, cancellation."""

    def __init__(self, method: str, message: Any, _update_fn: UpdateFn, _handler: Callable[..., Any]) -> None:
        self.method = method
        self.message = message
        self._update_fn = _update_fn
        self._handler = _handler
        self._cancelled = asyncio.Event()
        self._cancellation: dict[str, Any] = {}

    @property
    def channel(self) -> Any:
        return self.message.channel

    @property
    def cancelled(self) -> bool:
        """Has the issuer withdrawn this command since it started? (Cancellation is cooperative.)"""
        return self._cancelled.is_set()

    async def wait_cancelled(self) -> None:
        await self._cancelled.wait()

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise RPCCancelled(self.method)

    @property
    def cancelled_at(self) -> datetime | None:
        raw = self._cancellation.get("cancelled_at")
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return None
        try:
            return datetime.fromtimestamp(raw / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None

    @property
    def cancelled_by(self) -> Any:
        return self._cancellation.get("cancelled_by")

    def _mark_cancelled(self, status: Any = None) -> None:
        if isinstance(status, dict) and isinstance(status.get("message"), dict):
            self._cancellation = status["message"]
        self._cancelled.set()

    def _field(self, name: str) -> Any:
        return self.message.data.get(name) if isinstance(self.message.data, dict) else None

    @property
    def actor(self) -> dict[str, Any] | None:
        return self._field("actor")

    @property
    def reason(self) -> str | None:
        return self._field("reason")

    @property
    def old_value(self) -> Any:
        return self._field("old_value")

    @property
    def retry_of(self) -> str | None:
        return self._field("retry_of")

    @property
    def expires_after(self) -> int | None:
        return self._field("expires_after")

    @property
    def expires_at(self) -> datetime | None:
        return command_expires_at(self.message)

    @property
    def is_expired(self) -> bool:
        return command_is_expired(self.message)

    async def _write(self, status: dict[str, Any]) -> None:
        if not self.cancelled:  # the canceller's terminal status must stand
            await self._update_fn(self.channel.name, self.message.id, {"status": status})

    async def acknowledge(self) -> None:
        """Tell the issuer the command arrived."""
        await self._write({"code": "acknowledged", "message": {"timestamp": _ms(datetime.now(tz=UTC))}})

    async def progress(self, text: str | None = None, **fields: Any) -> None:
        """Report progress (``pending``): a one-line ``text`` and any structured fields."""
        body = dict(fields)
        if text is not None:
            body["text"] = str(text)
        await self._write({"code": "pending", "message": body})

    async def defer(self, seconds: float) -> None:
        """Tell the issuer the command will be handled in ``seconds``."""
        now = datetime.now(tz=UTC)
        await self._write({"code": "deferred",
                           "message": {"until": _ms(now + timedelta(seconds=seconds)), "at": _ms(now)}})


HandlerEntry = tuple[Callable[[Any], Any] | None, Callable[..., Awaitable[Any]]]


class RPCManager:
    """Serve ``@handler`` methods and make calls, over an agent's channels (see module doc).

    ``api`` is anything with pydoover's agent methods (``add_event_callback``,
    ``create_message``, ``update_message``): every doover_fsm agent, or a test double.
    """

    UNCLAIMED_RESPONSE_LIMIT = 256

    def __init__(self, api: Any, app_key: str | None = None) -> None:
        self.api = api
        self.app_key = app_key
        self._handlers: dict[tuple[str | None, str], HandlerEntry] = {}
        self._re_handlers: list[tuple[str | None, re.Pattern[str], Callable[[Any], Any] | None,
                                      Callable[..., Awaitable[Any]]]] = []
        self._pending_calls: dict[Any, asyncio.Future[Any]] = {}
        self._inflight: dict[Any, RPCContext] = {}
        self._unclaimed_responses: dict[Any, Any] = {}
        self._subscribed_channels: set[str] = set()

    @property
    def is_processor(self) -> bool:
        return bool(getattr(self.api, "is_processor_v2", False))

    # --- registration ----------------------------------------------------------------------------
    def check_handler(self, func: Callable[..., Any]) -> bool:
        return inspect.ismethod(func) and bool(getattr(func, "_is_rpc_handler", False))

    def register_handlers(self, obj: object) -> None:
        """Register every ``@handler`` method of ``obj`` (never calling its properties); subscribe to their channels."""
        for name in dir(obj):
            try:
                static = inspect.getattr_static(obj, name)
            except AttributeError:
                continue
            if not inspect.isfunction(static):
                continue
            func = getattr(obj, name)
            if not self.check_handler(func):
                continue
            method, channel, parser = func._rpc_method, func._rpc_channel, func._rpc_parser
            if isinstance(method, re.Pattern):
                self._re_handlers.append((channel, method, parser, func))
            else:
                self._handlers[(channel, method)] = (parser, func)
            if channel is not None:
                self.subscribe(channel)

    def subscribe(self, channel_name: str) -> None:
        """Receive requests (and responses to our calls) on ``channel_name``."""
        if channel_name in self._subscribed_channels or self.is_processor:
            return
        self._subscribed_channels.add(channel_name)
        self.api.add_event_callback(
            channel_name, self._on_event,
            EventSubscription.message_create | EventSubscription.message_update | EventSubscription.oneshot_message)

    def _ensure_subscribed(self, channel_name: str) -> None:
        self.subscribe(channel_name)

    # --- caller side -----------------------------------------------------------------------------
    async def call(self, method: str, params: dict[str, Any] | None = None, channel: str = DEFAULT_CHANNEL,
                   app_key: str | None = None, timeout: float = 30.0, actor: dict[str, Any] | None = None,
                   reason: str | None = None, old_value: Any = NOT_GIVEN,
                   expires_after: int | float | timedelta | None = None, retry_of: str | None = None,
                   wait_for_response: bool = True) -> Any:
        """Send a request; return the handler's response (or, ``wait_for_response=False``, the message id).

        Raises :class:`RPCTimeoutError` after ``timeout`` s, :class:`RPCError` for a handler's
        error, :class:`RPCCancelled` if the command was cancelled.
        """
        if wait_for_response:
            self._ensure_subscribed(channel)
        data: dict[str, Any] = {"type": "rpc", "method": method, "request": params or {},
                                "status": {"code": "sent"}, "response": {}}
        if app_key:
            data["app_key"] = app_key
        if actor is not None:
            data["actor"] = actor
        if reason is not None:
            data["reason"] = reason
        if old_value is not NOT_GIVEN:
            data["old_value"] = old_value
        if expires_after is not None:
            if isinstance(expires_after, timedelta):
                expires_after = expires_after.total_seconds() * 1000
            data["expires_after"] = int(expires_after)
        if retry_of is not None:
            data["retry_of"] = retry_of
        message_id = await self.api.create_message(channel, data)
        if not wait_for_response:
            return message_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending_calls[message_id] = future
        early = self._unclaimed_responses.pop(message_id, None)
        if early is not None:
            self._handle_response(early)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise RPCTimeoutError(method, timeout) from None
        finally:
            self._pending_calls.pop(message_id, None)

    # --- events ----------------------------------------------------------------------------------
    async def _on_event(self, event: Any) -> None:
        if isinstance(event, (MessageCreateEvent, OneShotMessage)):
            await self._handle_request(event)
        elif isinstance(event, MessageUpdateEvent):
            self._handle_response(event)

    def _get_handler(self, channel_name: str, method: str) -> HandlerEntry:
        entry = self._handlers.get((channel_name, method))
        if entry is not None:
            return entry
        for channel, pattern, parser, func in self._re_handlers:
            if channel == channel_name and pattern.match(method):
                return parser, func
        entry = self._handlers.get((None, method))
        if entry is not None:
            return entry
        raise KeyError(f"no RPC handler for {method!r} on channel {channel_name!r}")

    def _build_context(self, method: str, event: Any, _handler: Callable[..., Any]) -> RPCContext:
        return RPCContext(method=method, message=event.message, _handler=_handler,
                          _update_fn=self.api.update_message)

    async def _handle_request(self, event: Any) -> None:
        data = event.message.data
        if not isinstance(data, dict) or data.get("type") != "rpc" or "method" not in data:
            return
        method = data["method"]
        if "app_key" in data and data["app_key"] != self.app_key:
            return  # for another app
        if "request" not in data:
            log.info("malformed RPC request on %s: %r", event.channel.name, data)
            return
        if command_is_expired(event.message) or command_is_cancelled(event.message):
            log.info("skipping expired or cancelled RPC command %r (message %s)", method, event.message.id)
            return
        try:
            parser, method_handler = self._get_handler(event.channel.name, method)
        except KeyError:
            return
        payload = data["request"]
        ctx = self._build_context(method, event, method_handler)
        can_respond = not isinstance(event, OneShotMessage)
        self._inflight[event.message.id] = ctx  # before any await: a cancel may follow at once
        try:
            if parser is not None:
                payload = await parser(payload) if inspect.iscoroutinefunction(parser) else parser(payload)
            result = await method_handler(ctx, payload)
        except RPCCancelled:
            log.info("RPC handler for %r stopped: command was cancelled", method)
        except RPCError as exc:
            if can_respond and not ctx.cancelled:
                await self._send_error(event.message, exc.code, exc.message)
        except Exception as exc:
            log.error("unhandled exception in RPC handler %r: %s", method, exc, exc_info=exc)
            if can_respond and not ctx.cancelled:
                await self._send_error(event.message, "INTERNAL_ERROR", str(exc))
            await self._hook(self.on_failure, ctx, payload)
        else:
            if can_respond and not ctx.cancelled:
                await self._send_result(event.message, {} if result is None else result)
            await self._hook(self.on_success, ctx, payload)
        finally:
            self._inflight.pop(event.message.id, None)

    @staticmethod
    async def _hook(hook: Callable[..., Awaitable[Any]], ctx: RPCContext, payload: Any) -> None:
        try:
            await hook(ctx, payload)
        except Exception as exc:
            log.error("RPC %s hook failed: %s", getattr(hook, "__name__", hook), exc)

    async def on_success(self, ctx: RPCContext, payload: Any) -> None:
        """Override: a handler returned normally."""

    async def on_failure(self, ctx: RPCContext, payload: Any) -> None:
        """Override: a handler raised something other than an RPCError."""

    def _handle_response(self, event: Any) -> None:
        data = event.message.data
        status = data.get("status") if isinstance(data, dict) else None
        if status is None:
            return
        code = status.get("code") if isinstance(status, dict) else None
        cancelled = status_is_cancelled(status)
        ctx = self._inflight.get(event.message.id)
        if ctx is not None and cancelled:
            ctx._mark_cancelled(status)
            return
        if code in _INTERMEDIATE:
            return
        future = self._pending_calls.get(event.message.id)
        if future is None:
            self._unclaimed_responses[event.message.id] = event
            if len(self._unclaimed_responses) > self.UNCLAIMED_RESPONSE_LIMIT:
                del self._unclaimed_responses[next(iter(self._unclaimed_responses))]
            return
        if future.done():
            return
        if cancelled:
            future.set_exception(RPCCancelled(data.get("method", "unknown")))
        elif code == "error":
            err = status.get("message", "")
            if isinstance(err, dict):
                future.set_exception(RPCError(err.get("code", "UNKNOWN"), err.get("message", "")))
            else:
                future.set_exception(RPCError("UNKNOWN", err))
        elif code == "success":
            future.set_result(data.get("response", {}))

    async def _send_result(self, message: Any, response: Any) -> None:
        await self.api.update_message(message.channel.name, message.id,
                                      {"status": {"code": "success", "message": None}, "response": response})

    async def _send_error(self, request_message: Any, code: str, error_message: Any) -> None:
        await self.api.update_message(request_message.channel.name, request_message.id,
                                      {"status": {"code": "error", "message": {"code": code, "message": error_message}},
                                       "response": {}})
