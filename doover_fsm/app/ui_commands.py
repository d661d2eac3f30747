"""UI commands on ``ui_cmds`` → ``app.ui_manager`` (handlers, interactions) and ``ui_<name>`` triggers.

A command is a message ``{"type": "rpc", "method": NAME, "request": PAYLOAD, "app_key": KEY}``
(DESIGN §6); :class:`~doover_fsm.ui.runtime.UIManager` runs it and writes pydoover's status and
response back into the message. Each command is also a scan event, so a state machine sees it as
the trigger ``ui_<name>`` (doover_fsm's addition). What pydoover ignores (another app's command, a
non-rpc message, a method nobody handles) is ignored here too. Loop-thread only.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from doover_fsm.agent.base import ChannelEvent
from doover_fsm.events import Event, trigger_name
from doover_fsm.ui.manager import ChannelRef, CommandMessage
from doover_fsm.ui.runtime import UIManager

if TYPE_CHECKING:
    from doover_fsm.app.runtime import AppHooks, AppRuntime

log = logging.getLogger("doover_fsm.ui")

CHANNEL = "ui_cmds"


class AgentChannels:
    """:class:`~doover_fsm.ui.manager.UIChannels` over a doover_fsm agent, writing as ``author``."""

    def __init__(self, agent: Any, author: str | None) -> None:
        self.agent = agent
        self.author = author

    async def update_aggregate(self, channel: str, patch: Any) -> None:
        await self.agent.update_aggregate(channel, patch, author=self.author)

    async def create_message(self, channel: str, data: Any) -> Any:
        return await self.agent.create_message(channel, data, author=self.author)

    async def update_message(self, channel: str, message_id: Any, patch: Any) -> None:
        await self.agent.update_message(channel, message_id, patch, author=self.author)


def ensure_ui_manager(app: AppHooks, agent: Any = None) -> UIManager:
    """The app's :class:`UIManager` (``app.ui_manager``), made here if the app has none yet;
    writes through ``agent`` once there is one."""
    manager = getattr(app, "ui_manager", None)
    if not isinstance(manager, UIManager):
        manager = UIManager(app.app_key)
        owner: Any = app  # (AppHooks may not declare ui_manager yet)
        owner.ui_manager = manager
    manager.app_key = app.app_key
    if manager.channels is None and agent is not None:
        manager.channels = AgentChannels(agent, app.app_key)
    return manager


async def start_ui(app: AppHooks, agent: Any = None) -> UIManager:
    """At app start, after ``app.ui.setup()`` and before ``app.setup()``: register the app's
    ``@ui.handler`` and ``@ui.callback`` methods and take its UI (pydoover's order)."""
    manager = ensure_ui_manager(app, agent)
    manager.register_handlers(app)
    manager.register_callbacks(app)
    manager.attach_ui(getattr(app, "ui", None))
    return manager


def malformed(data: Any, app_key: str | None) -> str | None:
    """What is wrong with a ``ui_cmds`` message meant as a command for this app (None: nothing).

    pydoover drops such messages silently; doover_fsm answers them so the sender learns why.
    Log messages (``type`` other than ``rpc``) and other apps' commands are not commands for us.
    """
    if not isinstance(data, dict):
        return f"ui_cmds message must be a JSON object, got {type(data).__name__}"
    if data.get("type") != "rpc" or ("app_key" in data and data["app_key"] != app_key):
        return None
    if not isinstance(data.get("method"), str) or not data["method"]:
        return "ui_cmds message has no 'method' string"
    if "request" not in data:
        return f"ui_cmds command {data['method']!r} has no 'request'"
    return None


class UICommands:
    """Turns ``ui_cmds`` messages into scan events that run them. Loop-thread only."""

    def __init__(self, rt: AppRuntime) -> None:
        self.rt = rt
        self.app = rt.hooks
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def manager(self) -> UIManager:
        manager = ensure_ui_manager(self.app, self.rt.agent)
        if manager.ui is None and getattr(self.app, "ui", None) is not None:
            manager.attach_ui(self.app.ui)
        if not manager._handlers and not manager._re_handlers:
            manager.register_handlers(self.app)
        return manager

    def handle(self, event: ChannelEvent) -> list[Event] | None:
        """One ``ui_cmds`` message: the event that runs it, or None when pydoover would ignore it."""
        app = self.app
        manager = self.manager
        problem = malformed(event.data, app.app_key)
        if problem is not None:
            log.warning("UI command on %s (message %s): %s", CHANNEL, event.message_id, problem)
            if event.kind != "oneshot":
                self._spawn(manager._update_message(CHANNEL, event.message_id, {
                    "status": {"code": "error", "message": {"code": "INVALID_REQUEST", "message": problem}},
                    "response": {}}))
            return None
        if not manager.accepts(event.data):
            return None
        data: dict[str, Any] = event.data
        method = data["method"]
        trig = trigger_name("ui", method)
        machine_knows = self.rt.machine is not None and self.rt.machine.compiled.has_trigger(trig)
        if not manager.handles(method) and not machine_knows:
            log.info("UI command %r for app %r has no handler; ignored (as pydoover does)", method, app.app_key)
            return None
        message = CommandMessage(event.message_id, ChannelRef(CHANNEL), data)
        can_respond = event.kind != "oneshot"

        async def run() -> None:
            if manager.handles(method):
                await manager.dispatch(message, can_respond=can_respond)
            elif can_respond:  # only the state machine takes it: the command succeeded
                await manager._update_message(CHANNEL, event.message_id,
                                              {"status": {"code": "success", "message": None}, "response": {}})

        return [Event(trig, "ui", data["request"], self.rt.clock.monotonic_ns(), run,
                      {"method": method, "request": data["request"], "message_id": event.message_id})]

    def handle_aggregate(self, event: ChannelEvent) -> list[Event] | None:
        """A ``ui_cmds`` aggregate change (not our own echo): interaction values, and 0.4 ``cmds``
        to element callbacks and ``@ui.callback`` methods."""
        manager = self.manager
        data = event.data

        async def run() -> None:
            await manager.on_commands_aggregate(data)

        return [Event("", "ui", data, self.rt.clock.monotonic_ns(), run, {"name": "ui_cmds_aggregate"})]

    def _spawn(self, coro: Any) -> None:
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
