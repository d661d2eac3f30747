"""UI commands: ``ui_cmds`` messages → ``@ui.handler`` methods and ``ui_<name>`` triggers.

A command is a message ``{"type": "rpc", "method": NAME, "request": PAYLOAD, "app_key": KEY}``
(DESIGN §6). Its result goes back into the same message as ``status`` (``success``/``error``)
and ``response``. A malformed command is answered with an error naming what is wrong; it
never stops the app.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from doover_fsm._util.maybe_async import call_maybe_async
from doover_fsm.agent.base import ChannelEvent
from doover_fsm.events import Event, trigger_name
from doover_fsm.ui.declarative import CommandContext, find_handlers

if TYPE_CHECKING:
    from doover_fsm.app.runtime import AppRuntime

log = logging.getLogger("doover_fsm.ui")

CHANNEL = "ui_cmds"


class UICommands:
    """Validates commands and turns them into scan events. Loop-thread only."""

    def __init__(self, rt: AppRuntime) -> None:
        self.rt = rt
        self.app = rt.hooks
        self._handlers: dict[str, Any] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def handlers(self) -> dict[str, Any]:
        if self._handlers is None:
            self._handlers = find_handlers(self.app)
        return self._handlers

    def handle(self, event: ChannelEvent) -> list[Event] | None:
        """Check one ``ui_cmds`` message; return the event that runs it (or answer an error)."""
        app = self.app
        msg = event.data
        if not isinstance(msg, dict):
            self._reply(event, "error", {"error": f"ui_cmds message must be a JSON object, got {type(msg).__name__}"})
            return None
        target = msg.get("app_key")
        if target is not None and target != app.app_key:
            return None  # another app's command
        if msg.get("type", "rpc") != "rpc":
            self._reply(event, "error", {"error": f"unsupported ui_cmds type {msg.get('type')!r} (expected 'rpc')"})
            return None
        method = msg.get("method")
        if not isinstance(method, str) or not method:
            self._reply(event, "error", {"error": "ui_cmds message has no 'method' string"})
            return None
        request = msg.get("request")
        value = request.get("value") if isinstance(request, dict) and "value" in request else request
        interaction = app.ui.get_interactions().get(method) if app.ui is not None else None
        handler = self.handlers.get(method)
        trig = trigger_name("ui", method)
        machine_knows = self.rt.machine is not None and self.rt.machine.compiled.has_trigger(trig)
        if interaction is None and handler is None and not machine_knows:
            self._reply(event, "error", {"error": f"unknown UI command {method!r} for app {app.app_key!r}"})
            return None
        if interaction is not None:
            try:
                value = interaction.coerce(value)
            except (TypeError, ValueError) as exc:
                self._reply(event, "error", {"error": str(exc)})
                return None
        ctx = CommandContext(method=method, app_key=app.app_key, message_id=event.message_id, request=request)

        async def run() -> None:
            if interaction is not None:
                interaction.value = value
                tag_name = None if interaction.tag is None else interaction.tag.key
                if tag_name is not None and tag_name in app.tags:
                    app.tags[tag_name].set(value)
            try:
                response = await call_maybe_async(handler, ctx, value) if handler is not None else None
            except Exception as exc:
                self._reply(event, "error", {"error": f"{type(exc).__name__}: {exc}"})
                raise
            self._reply(event, "success", response)

        return [Event(trig, "ui", value, self.rt.clock.monotonic_ns(), run,
                      {"method": method, "request": request, "message_id": event.message_id, "context": ctx})]

    def _reply(self, event: ChannelEvent, status: str, response: Any) -> None:
        if status == "error":
            log.warning("UI command on %s (message %s): %s", CHANNEL, event.message_id, response)
        if event.message_id is None or event.kind == "oneshot" or self.rt.agent is None:
            return
        agent = self.rt.agent
        coro = agent.update_message(CHANNEL, event.message_id, {"status": status, "response": response},
                                    author=self.app.app_key)
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("writing a UI command's status failed", exc_info=task.exception())

    async def flush(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
