"""UI commands: ``@ui.handler``, the interaction values in ``ui_cmds``, and command dispatch.

A command is a ``ui_cmds`` message ``{"type": "rpc", "method": NAME, "request": PAYLOAD,
"app_key": KEY}``. :meth:`UICommandsManager.dispatch` runs the app's handler for it (or the
interaction's own) and writes the result back into that message exactly as pydoover 1.18 does:
``{"status": {"code": "success", "message": None}, "response": RESULT}`` or
``{"status": {"code": "error", "message": {"code": CODE, "message": TEXT}}, "response": {}}``.
Interaction values live in the ``ui_cmds`` aggregate as ``{app_key: {name: value}}``.
Loop-thread only.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from doover_fsm.ui.interaction import Interaction
from doover_fsm.ui.misc import NotSet

UI_CMDS_CHANNEL = "ui_cmds"
log = logging.getLogger("doover_fsm.ui")

F = TypeVar("F", bound=Callable[..., Any])
InteractionT = TypeVar("InteractionT", bound=Interaction)


class UIChannels(Protocol):
    """What the UI needs from the device agent (the app runtime supplies it)."""

    async def update_aggregate(self, channel: str, patch: Any) -> None: ...

    async def create_message(self, channel: str, data: Any) -> Any: ...

    async def update_message(self, channel: str, message_id: Any, patch: Any) -> None: ...


def handler(interaction: Interaction | str | re.Pattern[str], parser: Callable[..., Any] | None = None,
            auto_update: bool = True) -> Callable[[F], F]:
    """Mark an app method ``(self, ctx, value)`` as the handler of UI command ``interaction``.

    ``interaction`` is a name, an interaction, or a compiled pattern matching several names;
    ``parser`` turns the request into the value first; with ``auto_update`` the value is written
    back to the interaction after the handler succeeds.
    """
    if not isinstance(interaction, (Interaction, str, re.Pattern)) or interaction == "":
        raise TypeError(f"ui.handler needs an interaction, its name or a pattern; got {interaction!r}")

    def decorator(func: F) -> F:
        func._is_rpc_handler = False  # type: ignore[attr-defined]
        func._is_ui_rpc_handler = True  # type: ignore[attr-defined]
        func._rpc_method = interaction.name if isinstance(interaction, Interaction) else interaction  # type: ignore[attr-defined]
        func._rpc_channel = UI_CMDS_CHANNEL  # type: ignore[attr-defined]
        func._rpc_parser = parser  # type: ignore[attr-defined]
        func._ui_auto_update = auto_update  # type: ignore[attr-defined]
        return func

    return decorator


class RPCError(Exception):
    """Raise from a handler to answer the command with an error ``code`` and ``message``."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class RPCCancelled(RPCError):
    """The command was withdrawn by whoever issued it (no status is written back)."""

    def __init__(self, method: str):
        super().__init__("CANCELLED", f"RPC call '{method}' was cancelled by the caller")


@dataclass(frozen=True)
class ChannelRef:
    name: str


@dataclass
class CommandMessage:
    """The ``ui_cmds`` message a command arrived in (``id``, ``channel.name``, ``data``)."""

    id: Any
    channel: ChannelRef
    data: dict[str, Any]
    timestamp: datetime = field(default_factory=lambda: datetime.now(tz=UTC))


class InteractionContext(Generic[InteractionT]):
    """What a handler learns about a command: method, message, interaction; progress reporting."""

    def __init__(self, method: str, message: CommandMessage, interaction: InteractionT | None,
                 _update_fn: Callable[..., Awaitable[Any]], _handler: Callable[..., Any]):
        self.method = method
        self.message = message
        self.element = self.interaction = interaction
        self._update_fn = _update_fn
        self._handler = _handler
        self.auto_update = bool(getattr(_handler, "_ui_auto_update", False))
        self._cancelled = asyncio.Event()

    @property
    def channel(self) -> ChannelRef:
        return self.message.channel

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise RPCCancelled(self.method)

    @property
    def actor(self) -> Any:
        return self.message.data.get("actor")

    @property
    def reason(self) -> Any:
        return self.message.data.get("reason")

    @property
    def old_value(self) -> Any:
        return self.message.data.get("old_value")

    async def set_value(self, value: Any, max_age: float | None = None, log_update: bool = True) -> None:
        if self.element is None:
            raise RuntimeError(f"UI command {self.method!r} has no interaction to set")
        await self.element.set(value, max_age, log_update)  # type: ignore[arg-type]

    async def acknowledge(self) -> None:
        if not self.cancelled:
            now_ms = int(datetime.now(tz=UTC).timestamp() * 1000)
            await self._update_fn(self.channel.name, self.message.id,
                                  {"status": {"code": "acknowledged", "message": {"timestamp": now_ms}}})

    async def progress(self, text: str | None = None, **fields: Any) -> None:
        if not self.cancelled:
            message = dict(fields)
            if text is not None:
                message["text"] = str(text)
            await self._update_fn(self.channel.name, self.message.id, {"status": {"code": "pending",
                                                                                  "message": message}})

    async def defer(self, seconds: float) -> None:
        if not self.cancelled:
            now = datetime.now(tz=UTC)
            until = now + timedelta(seconds=seconds)
            await self._update_fn(self.channel.name, self.message.id, {"status": {"code": "deferred", "message": {
                "until": int(until.timestamp() * 1000), "at": int(now.timestamp() * 1000)}}})


def _expired(message: CommandMessage) -> bool:
    after = message.data.get("expires_after")
    return after is not None and datetime.now(tz=UTC) >= message.timestamp + timedelta(milliseconds=after)


def _cancelled(message: CommandMessage) -> bool:
    status = message.data.get("status")
    if not isinstance(status, dict) or status.get("code") != "error" or "message" not in status:
        return False
    text = status["message"]
    pattern = re.compile(r"^command cancell?ed$", re.IGNORECASE)
    if isinstance(text, str):
        return bool(pattern.match(text.strip()))
    if not isinstance(text, dict):
        return False
    info = text.get("info")
    return "cancelled_at" in text or "cancelled_by" in text or (isinstance(info, str)
                                                                and bool(pattern.match(info.strip())))


Handler = Callable[..., Any]


class _ApiChannels:
    """:class:`UIChannels` over a pydoover-style device agent (``update_channel_aggregate`` …)."""

    def __init__(self, api: Any) -> None:
        self.api = api

    async def update_aggregate(self, channel: str, patch: Any) -> None:
        await self.api.update_channel_aggregate(channel, patch)

    async def create_message(self, channel: str, data: Any) -> Any:
        return await self.api.create_message(channel, data)

    async def update_message(self, channel: str, message_id: Any, patch: Any) -> None:
        await self.api.update_message(channel, message_id, patch)


class UICommandsManager:
    """Routes UI commands to handlers and keeps interaction values (pydoover's ``ui_manager``, 1.x).

    ``channels`` writes to the agent (``None`` until the app runtime attaches one); pydoover's
    ``UICommandsManager(device_agent)`` form also works. Handlers come from :meth:`register_handlers`;
    interactions from :meth:`_set_interactions`.
    """

    def __init__(self, app_key: Any = None, channels: UIChannels | None = None):
        if app_key is not None and not isinstance(app_key, str):
            # pydoover's form: UICommandsManager(device_agent) — key and writes from the agent.
            api = app_key
            app_key = getattr(api, "app_key", None)
            channels = channels or _ApiChannels(api)
        self.app_key = app_key
        self.channels = channels
        self.values: dict[str, Any] = {}
        self._interactions: dict[str, Interaction] = {}
        self._handlers: dict[str, tuple[Any, Handler]] = {}
        self._re_handlers: list[tuple[re.Pattern[str], Any, Handler]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- registration ------------------------------------------------------------------------
    def register_handlers(self, obj: object) -> None:
        """Register ``obj``'s methods marked with :func:`handler` (properties are never called)."""
        for attr in dir(obj):
            try:
                static = inspect.getattr_static(obj, attr)
            except AttributeError:
                continue
            if not inspect.isfunction(static) or not getattr(static, "_is_ui_rpc_handler", False):
                continue
            func = getattr(obj, attr)
            method = func._rpc_method
            if isinstance(method, re.Pattern):
                self._re_handlers.append((method, func._rpc_parser, func))
            else:
                self._handlers[method] = (func._rpc_parser, func)

    def _set_interactions(self, interactions: dict[str, Interaction]) -> None:
        self._interactions = dict(interactions)
        for interaction in interactions.values():
            interaction._manager = self

    def handles(self, method: str) -> bool:
        """Would a command ``method`` reach a handler or an interaction?"""
        return self._find_handler(method) is not None

    def _find_handler(self, method: str) -> tuple[Any, Handler] | None:
        if method in self._handlers:
            return self._handlers[method]
        for pattern, parser, func in self._re_handlers:
            if pattern.match(method):
                return parser, func
        element = self._interactions.get(method)
        return (None, element.handler) if element is not None else None

    # -- values ------------------------------------------------------------------------------
    def on_aggregate(self, aggregate: Any) -> None:
        """The ``ui_cmds`` aggregate changed: take this app's interaction values from it."""
        mine = aggregate.get(self.app_key) if isinstance(aggregate, dict) else None
        self.values = dict(mine) if isinstance(mine, dict) else {}

    def get_value(self, key: str) -> Any:
        """An interaction's value; its ``default`` if unset; else ``KeyError``."""
        try:
            return self.values[key]
        except KeyError:
            element = self._interactions.get(key)
            if element is not None and element.default is not NotSet:
                return element.default
            raise

    async def set_value(self, key: str, value: Any, log_update: bool = True) -> None:
        """Write ``value`` to the ``ui_cmds`` aggregate (and a ``log`` message if asked)."""
        self.values[key] = value
        if self.channels is None:
            return
        await self.channels.update_aggregate(UI_CMDS_CHANNEL, {self.app_key: {key: value}})
        if log_update:
            await self.channels.create_message(UI_CMDS_CHANNEL, {"type": "log", "app_key": self.app_key, "key": key,
                                                                 "value": value})

    # -- dispatch ----------------------------------------------------------------------------
    def accepts(self, data: Any) -> bool:
        """Is ``data`` an rpc command for this app (what pydoover would act on)?"""
        if not isinstance(data, dict) or data.get("type") != "rpc" or "method" not in data:
            return False
        if "app_key" in data and data["app_key"] != self.app_key:
            return False
        return "request" in data

    async def dispatch(self, message: CommandMessage, *, can_respond: bool = True) -> None:
        """Run one command and write its status back (pydoover's order: handler, reply, auto-update)."""
        data = message.data
        if not self.accepts(data) or _expired(message) or _cancelled(message):
            return
        method = data["method"]
        found = self._find_handler(method)
        if found is None:
            log.info("UI command %r for app %r has no handler or interaction; ignored", method, self.app_key)
            return
        parser, func = found
        ctx: InteractionContext[Any] = InteractionContext(method, message, self._interactions.get(method),
                                                          self._update_message, func)
        payload = data["request"]
        try:
            if parser is not None:
                payload = parser(payload)
                if inspect.isawaitable(payload):
                    payload = await payload
            result = func(ctx, payload)
            if inspect.isawaitable(result):
                result = await result
        except RPCCancelled:
            log.info("UI handler for %r stopped: command was cancelled", method)
        except RPCError as e:
            if can_respond and not ctx.cancelled:
                await self._send_error(message, e.code, e.message)
        except Exception as e:
            log.error("UI handler for %r (app %r) failed: %s", method, self.app_key, e, exc_info=e)
            if can_respond and not ctx.cancelled:
                await self._send_error(message, "INTERNAL_ERROR", str(e))
            raise
        else:
            if can_respond and not ctx.cancelled:
                await self._update_message(message.channel.name, message.id, {
                    "status": {"code": "success", "message": None}, "response": {} if result is None else result})
            if ctx.auto_update and ctx.element is not None:
                try:
                    await ctx.set_value(payload)
                except Exception as e:
                    log.error("auto-updating %r after its handler failed: %s", method, e)

    async def _send_error(self, message: CommandMessage, code: str, text: Any) -> None:
        await self._update_message(message.channel.name, message.id, {
            "status": {"code": "error", "message": {"code": code, "message": text}}, "response": {}})

    async def _update_message(self, channel: str, message_id: Any, patch: Any) -> None:
        if self.channels is not None and message_id is not None:
            await self.channels.update_message(channel, message_id, patch)
