"""``AppRuntime``: what doover_fsm keeps for one app, apart from the app object the user wrote.

The user's :class:`~doover_fsm.Application` subclass is a thin Doover facade; the lifecycle and
the scan work on this runtime (tag store, event queue, clock, period, I/O, agent, machine,
scheduler, subscriptions, deploy options). Keeping it apart means an app is free to use any
attribute name of its own (``self.state``, ``self.events``, ``self.board``…) without breaking
the runtime, and the runtime's modules never reach into the facade's private attributes.

They reach the app only through the Doover surface in :class:`AppHooks` (``setup``,
``main_loop``, ``config``, ``tags``, ``ui``…). Thread-safety: loop-thread only, except
``events.post`` (any thread).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from doover_fsm.app.period import ScanPeriod
from doover_fsm.app.subscriptions import ChannelSubscriptions, TagSubscriptions
from doover_fsm.clock import Clock
from doover_fsm.events import Event, EventQueue
from doover_fsm.machine.timers import ScanTimers
from doover_fsm.tags.declare import KEY_RE
from doover_fsm.tags.manager import TagManager
from doover_fsm.tags.store import TagStore

if TYPE_CHECKING:
    from doover_fsm.agent.base import Agent, ChannelEvent
    from doover_fsm.machine import CompiledMachine, MachineRuntime
    from doover_fsm.scheduler import RealtimeSettings, Scheduler, SchedulerStats


class AppHooks(Protocol):
    """The part of a Doover app the runtime calls: its identity, declarations and hooks."""

    app_key: str
    name: str
    app_display_name: str
    config: Any
    tags: Any
    ui: Any
    ui_manager: Any

    def setup(self) -> Any: ...
    def main_loop(self) -> Any: ...
    def teardown(self) -> Any: ...
    async def check_can_shutdown(self) -> bool: ...
    async def on_shutdown_at(self, dt: datetime) -> None: ...
    async def on_message_create(self, event: ChannelEvent) -> None: ...
    async def on_message_update(self, event: ChannelEvent) -> None: ...
    async def on_oneshot_message(self, event: ChannelEvent) -> None: ...
    async def on_aggregate_update(self, event: ChannelEvent) -> None: ...
    async def on_channel_sync(self, event: ChannelEvent) -> None: ...


class RunnableApp(AppHooks, Protocol):
    """An app with a runtime: what ``run_app`` and the CLI start (any :class:`Application`)."""

    dfsm: AppRuntime


class Driver(Protocol):
    """What runs the app (the :class:`~doover_fsm.app.lifecycle.Lifecycle`), as the facade sees it."""

    async def wait_ready(self) -> None: ...
    async def run_one_scan(self) -> None: ...
    def request_stop(self, reason: str = "requested") -> None: ...
    def listen(self, channel: str) -> None: ...


@dataclass
class DeployOptions:
    """Deploy-time choices (CLI flags, environment, constructor arguments) for one app."""

    config_fp: Path | None = None
    healthcheck_port: int | None = None
    board_name: str | None = None
    data_dir: Path | None = None
    agent_url: str | None = None
    realtime: RealtimeSettings | None = None


class AppRuntime:
    """The runtime state of one app; owned by its lifecycle and scan (see the module doc)."""

    def __init__(self, hooks: AppHooks, *, clock: Clock, test_mode: bool,
                 compiled_machine: CompiledMachine | None) -> None:
        self.hooks = hooks
        self.clock = clock
        self.test_mode = test_mode
        self.compiled_machine = compiled_machine
        #: pydoover's app mode (``Application(is_async=…)``); None: judged from ``main_loop``.
        self.is_async: bool | None = None
        self.store = TagStore(clock=clock)
        self.events = EventQueue()
        self.period = ScanPeriod()
        self.options = DeployOptions()
        self.tag_subs = TagSubscriptions()
        #: Where pydoover StateMachines of this app arm their timeouts (fired by the scan, on ``clock``).
        self.timers = ScanTimers(clock)
        #: pydoover's ``tag_manager`` over the store: tag semantics, commits, logs, live tags.
        self.tag_manager = TagManager.over_store(self.store, app_key=hooks.app_key, clock=clock,
                                                 subscribe=self.tag_subs.add)
        self.channel_subs = ChannelSubscriptions()
        self.ready = asyncio.Event()
        #: What the constructor was given (used instead of what doover_fsm would open).
        self.agent_arg: Any = None
        self.platform_arg: Any = None
        self.modbus_arg: Any = None
        #: Opened at start by the lifecycle.
        self.agent: Agent | None = None
        self.platform_iface: Any = None
        self.modbus_iface: Any = None
        self.board: Any = None
        self.board_io: Any = None
        self.machine: MachineRuntime | None = None
        self.scheduler: Scheduler | None = None
        self.final_stats: SchedulerStats | None = None
        self.driver: Driver | None = None
        #: Seconds between updates of the ``scan_timing`` tag (live mode).
        self.timing_tag_interval = 10.0
        self.period.on_change = self._period_changed

    def rebind_app_key(self, app_key: str) -> None:
        """Change the app key before start (deploy-time ``--app-key``/``APP_KEY``); rebinds the tags."""
        if self.driver is not None:
            raise RuntimeError("the app key cannot change once the app has started")
        if not KEY_RE.match(app_key):
            raise ValueError(f"app_key {app_key!r} must match {KEY_RE.pattern}")
        app = self.hooks
        app.app_key = app_key
        self.tag_manager.app_key = app_key
        app.tags = type(app.tags)(app_key, self.tag_manager, app.config)
        if app.ui is not None and hasattr(app.ui, "tags"):
            app.ui.tags = app.tags
            app.ui.app_key = app_key
        if getattr(app, "ui_manager", None) is not None:
            app.ui_manager.app_key = app_key

    def _period_changed(self, value: float) -> None:
        if self.scheduler is not None:
            self.scheduler.period = value

    def statistics(self) -> SchedulerStats | None:
        """The scheduler's timing statistics (None before start; the final ones after stop)."""
        return self.final_stats if self.scheduler is None else self.scheduler.statistics()

    def post(self, event: Event) -> bool:
        """Queue an event for the next scan (any thread); False if the queue was full (counted)."""
        return self.events.post(event)
