"""``Application``: the Doover device-app API, a thin facade over doover_fsm's app runtime.

Subclass it, declare ``config_cls``/``tags_cls``/``ui_cls`` and (optionally) ``states``,
``transitions`` and ``initial`` in ``transitions``' dict format, write ``setup`` and
``main_loop`` (sync or async), and start it with :func:`doover_fsm.run_app` or
``doover-fsm run module:Class``. Apps written for pydoover 1.x or 0.4 run unchanged (see
docs/compat.md). The runtime state lives in :attr:`Application.dfsm`
(:class:`~doover_fsm.app.runtime.AppRuntime`); what happens in one scan is
:mod:`doover_fsm.app.scan`; starting and stopping is :mod:`doover_fsm.app.lifecycle`.

Thread-safety: an Application belongs to the asyncio loop that runs it; agent and I/O
threads reach it only through its event queue.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from doover_fsm._util.maybe_async import Completed, call_maybe_async
from doover_fsm.agent.base import Agent, ChannelEvent
from doover_fsm.agent.models import Aggregate, EventSubscription, File, Message
from doover_fsm.agent.rpc import RPCManager
from doover_fsm.app.notifications import (
    Notification,
    NotificationPolicy,
    NotificationSeverity,
    NotificationTopic,
    build_notification,
)
from doover_fsm.app.period import DEFAULT_PERIOD, check_period
from doover_fsm.app.runtime import AppRuntime
from doover_fsm.app.shutdown import REQUESTED_TAG
from doover_fsm.app.subscriptions import TagCallback
from doover_fsm.clock import Clock, MonotonicClock, VirtualClock
from doover_fsm.config.schema import Schema
from doover_fsm.errors import MachineError
from doover_fsm.machine import compile_machine
from doover_fsm.notifications import Notifications
from doover_fsm.tags.declare import KEY_RE, Tags
from doover_fsm.tags.manager import TagManager
from doover_fsm.ui.declarative import UI
from doover_fsm.ui.runtime import UIManager

if TYPE_CHECKING:
    from doover_fsm.machine import CompiledMachine
    from doover_fsm.scheduler import SchedulerStats

log = logging.getLogger("doover_fsm.app")

_DONE: Completed[None] = Completed(None)  # shared: returns at once, awaited or not
_MISSING = object()
_MERGED = frozenset({dict, type(None)})  # tag writes the tag manager must see (a dict merges, None deletes)
_PERIOD_ATTR = "loop_target_period"


def _default_app_key(cls: type) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]+", "_", re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower())


def _declared(cls: type, what: str) -> Any:
    """The most derived ``<what>_cls`` / ``<what>_class`` declaration (pydoover 1.0 used both names)."""
    for klass in cls.__mro__:
        for attr in (f"{what}_cls", f"{what}_class"):
            value = klass.__dict__.get(attr)
            if value is not None:
                return value
    raise AssertionError(f"Application declares no default {what}_cls")  # pragma: no cover


class _AgentOfApp:
    """The app's agent, looked up when used: the RPC manager exists before the agent is opened."""

    def __init__(self, rt: AppRuntime) -> None:
        self._rt = rt

    def __getattr__(self, name: str) -> Any:
        agent = self._rt.agent
        if agent is None:
            raise RuntimeError("the app is not started yet: its agent is created at start (run_app)")
        return getattr(agent, name)


class _LoopTargetPeriod:
    """``app.loop_target_period``: the scan period in seconds (deploy time > the app > 1 s).

    Setting it (class attribute, ``__init__`` before or after ``super().__init__()``, ``setup()``,
    any later change) is the app's choice and reaches the scheduler at once. Read on the class it
    gives the class's declared period (or 1 s), as the plain attribute it is in pydoover.
    """

    def __get__(self, obj: Any, owner: type | None = None) -> float:
        if obj is None:
            return float(getattr(owner, "_class_period", None) or DEFAULT_PERIOD)
        rt = getattr(obj, "dfsm", None)  # (getattr, not __dict__: keeps CPython's fast instance attributes)
        if rt is None:  # read before Application.__init__ ran
            return float(getattr(obj, "_early_period", None) or type(obj)._class_period or DEFAULT_PERIOD)
        period: float = rt.period.value
        return period

    def __set__(self, obj: Any, value: float) -> None:
        rt = getattr(obj, "dfsm", None)
        if rt is None:  # an app's __init__ that sets it before calling super().__init__()
            obj._early_period = check_period(value)
            return
        rt.period.set_app(value)


class _RuntimeView:
    """A facade attribute showing the runtime's object until the app assigns its own.

    A non-data descriptor: ``self.board = …`` in an app stores the app's own value (which the
    app then sees) and never disturbs the runtime, which keeps using its own object.
    """

    def __init__(self, attr: str, doc: str) -> None:
        self.attr = attr
        self.__doc__ = doc

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj.dfsm, self.attr)


class Application:
    """Base class of a Doover device app (pydoover's ``Application``). See the module doc."""

    #: The app's config schema, tags and UI classes (pydoover 1.x names; ``*_class`` also work,
    #: whichever a subclass declares last in its MRO wins).
    config_cls: ClassVar[type[Schema]] = Schema
    tags_cls: ClassVar[type[Tags]] = Tags
    ui_cls: ClassVar[type[UI]] = UI
    #: pydoover's declarative notifications (``self.notifications.<name>.send()``).
    notifications_cls: ClassVar[type[Notifications]] = Notifications
    config_class: ClassVar[type[Schema] | None] = None
    tags_class: ClassVar[type[Tags] | None] = None
    ui_class: ClassVar[type[UI] | None] = None

    #: The state machine, in ``transitions``' dict format (optional).
    states: ClassVar[list[Any] | None] = None
    transitions: ClassVar[list[Any] | None] = None
    initial: ClassVar[str | None] = None
    _compiled_machine: ClassVar[CompiledMachine | None] = None
    #: A ``loop_target_period = …`` class attribute of a subclass (kept here, see __init_subclass__).
    _class_period: ClassVar[float | None] = None

    # The runtime's objects, seen through the facade (an app may reuse these names for its own).
    clock = _RuntimeView("clock", "The app's clock (virtual in test mode: ``app.clock.advance(s)``).")
    events = _RuntimeView("events", "The queue of events for the next scan.")
    machine = _RuntimeView("machine", "The running state machine (None without ``states``).")
    scheduler = _RuntimeView("scheduler", "The scan scheduler (None before start).")
    board = _RuntimeView("board", "The board config in use (None before start).")
    board_io = _RuntimeView("board_io", "The board's I/O (``board_io.virtual_world`` on ``virtual``).")
    device_agent = _RuntimeView("agent", "The agent: channels, aggregates, messages (opened at start).")
    platform_iface = _RuntimeView("platform_iface", "pydoover's PlatformInterface: DI/DO/AI/AO (at start).")
    modbus_iface = _RuntimeView("modbus_iface", "pydoover's ModbusInterface (opened at start).")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get(_PERIOD_ATTR)
        if declared is not None and not isinstance(declared, _LoopTargetPeriod):
            # ``loop_target_period = 0.5`` in the class body would hide the descriptor; keep the
            # value as the app's period and put the descriptor back in view.
            cls._class_period = check_period(declared, f"{cls.__name__}.{_PERIOD_ATTR}")
            delattr(cls, _PERIOD_ATTR)
        if "states" in cls.__dict__ or "transitions" in cls.__dict__ or "initial" in cls.__dict__:
            if cls.states:
                # Declaration errors surface here, at class creation, naming the state/transition.
                cls._compiled_machine = compile_machine(
                    cls.states, cls.transitions or [], cls.initial, model_class=cls, name=cls.__name__,
                )
            else:
                cls._compiled_machine = None

    def __init__(
        self,
        app_key: str | None = None,
        device_agent: Agent | str | None = None,
        platform_iface: Any = None,
        modbus_iface: Any = None,
        name: str | None = None,
        test_mode: bool = False,
        config_fp: str | Path | None = None,
        healthcheck_port: int | None = None,
        *,
        config: Schema | None = None,
        is_async: bool | None = None,
        board: str | None = None,
        clock: Clock | None = None,
        data_dir: str | Path | None = None,
        period: float | None = None,
    ) -> None:
        if isinstance(app_key, Schema):  # pydoover 0.4: Application(config, app_key=None, ...)
            config, app_key = app_key, None
        self.app_key: str = app_key or _default_app_key(type(self))
        if not KEY_RE.match(self.app_key):
            raise ValueError(f"app_key {self.app_key!r} must match {KEY_RE.pattern}")
        self.name = name or type(self).__name__
        self.test_mode = bool(test_mode)
        self.app_display_name = ""
        #: pydoover's start-up timeouts, kept for apps that set them (doover_fsm's agents start at once).
        self.dda_startup_timeout: int = 300
        self.config_sync_timeout: int = 120

        rt = AppRuntime(self, clock=clock or (VirtualClock() if self.test_mode else MonotonicClock()),
                        test_mode=self.test_mode, compiled_machine=type(self)._compiled_machine)
        self.dfsm = rt  # set first: the facade's views and the period read it
        self._store = rt.store  # the tag hot paths' one lookup
        rt.is_async = is_async
        opts = rt.options
        opts.board_name = board
        opts.data_dir = Path(data_dir) if data_dir is not None else None
        opts.healthcheck_port = healthcheck_port
        if config_fp is not None:
            opts.config_fp = Path(config_fp)
            if not opts.config_fp.is_file():
                raise FileNotFoundError(f"config file {str(opts.config_fp)!r} does not exist")
        if isinstance(device_agent, str):
            opts.agent_url = device_agent
        else:
            rt.agent_arg = rt.agent = device_agent
        rt.platform_arg = rt.platform_iface = platform_iface
        rt.modbus_arg = rt.modbus_iface = modbus_iface
        if type(self)._class_period is not None:
            rt.period.set_app(type(self)._class_period)
        early = getattr(self, "_early_period", None)  # set before super().__init__()
        if early is not None:
            del self._early_period
            rt.period.set_app(early)
        if period is not None:
            rt.period.set_app(period)

        pydoover_04 = config is not None  # only 0.4 apps hand their config instance in
        if config is None:
            config = _declared(type(self), "config")()
        self.config: Schema = config
        #: pydoover's tag manager (``get_tag``/``set_tag``/``commit_tags``/``_tag_values``…).
        self.tag_manager: TagManager = rt.tag_manager
        self.tag_manager.log_all_changes = pydoover_04  # 0.4 logged every tag change as a message
        self.tags: Tags = _declared(type(self), "tags")(self.app_key, self.tag_manager, self.config)
        self.ui: Any = _declared(type(self), "ui")(self.config, self.tags, self.app_key)
        #: pydoover's UI manager (both generations): handlers, 0.4's add_children/set_display_name…
        self.ui_manager = UIManager(self.app_key)
        self.notifications: Notifications | None = self.notifications_cls(self.app_key, self)
        #: pydoover's RPC manager: ``@rpc.handler`` methods are served from the start (over the app's agent).
        self.rpc = RPCManager(_AgentOfApp(rt), self.app_key)

    #: doover_fsm's runtime for this app: tag store, events, clock, period, I/O, machine, stats.
    dfsm: AppRuntime
    #: A period set before ``Application.__init__`` ran (an app's ``__init__`` setting it first).
    _early_period: float

    # ------------------------------------------------------------------------------------------
    # Lifecycle hooks for subclasses
    # ------------------------------------------------------------------------------------------
    def setup(self) -> Any:
        """Override: runs once before the first scan (sync or async)."""
        return None

    def main_loop(self) -> Any:
        """Override: runs once per scan, after events and timers (sync or async)."""
        return None

    def teardown(self) -> Any:
        """Override: runs once on a clean stop, before outputs go safe and tags are flushed."""
        return None

    async def check_can_shutdown(self) -> bool:
        """May the device shut down now? Default: every active state is marked ``shutdown_safe``."""
        machine = self.dfsm.machine
        return True if machine is None else bool(machine.shutdown_safe())

    async def on_shutdown_at(self, dt: datetime) -> None:
        """Override: a shutdown is scheduled at ``dt`` (never for a stale ``shutdown_at``)."""

    async def on_message_create(self, event: ChannelEvent) -> None:
        """Override: a message was created on a subscribed channel."""

    async def on_message_update(self, event: ChannelEvent) -> None:
        """Override: a message was updated on a subscribed channel."""

    async def on_oneshot_message(self, event: ChannelEvent) -> None:
        """Override: a one-shot message arrived on a subscribed channel."""

    async def on_aggregate_update(self, event: ChannelEvent) -> None:
        """Override: the aggregate of a subscribed channel changed."""

    async def on_channel_sync(self, event: ChannelEvent) -> None:
        """Override: a subscribed channel delivered its current state."""

    # ------------------------------------------------------------------------------------------
    # Readiness, test mode, timing
    # ------------------------------------------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        """True once ``setup`` has run and the first scan may start."""
        return self.dfsm.ready.is_set()

    async def wait_until_ready(self) -> None:
        """Wait until ready; raises the start-up error instead of hanging if start-up failed."""
        driver = self.dfsm.driver
        if driver is not None:
            await driver.wait_ready()
        else:
            await self.dfsm.ready.wait()

    async def next(self) -> None:
        """Test mode only: run exactly one scan now; raises what the scan raised."""
        if not self.test_mode:
            raise RuntimeError("app.next() is only available in test mode (Application(test_mode=True))")
        await self.wait_until_ready()
        driver = self.dfsm.driver
        assert driver is not None
        await driver.run_one_scan()

    async def _run(self) -> Any:
        """Run until stopped (what ``run_app(app, start=False)`` awaits; pydoover's test entry)."""
        from doover_fsm.app.run import run_lifecycle

        return await run_lifecycle(self)

    async def __aenter__(self) -> Application:
        return self

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the app (if running) and wait until it has released everything."""
        self.request_stop()
        driver = self.dfsm.driver
        wait_closed = getattr(driver, "wait_closed", None)
        if wait_closed is not None:
            await wait_closed()

    loop_target_period = _LoopTargetPeriod()

    async def wait_for_interval(self, target_time: float) -> None:
        """Sleep to the next multiple of ``target_time`` on the monotonic clock (absolute, no drift)."""
        if not target_time or target_time <= 0 or self.dfsm.clock.is_virtual:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        await asyncio.sleep((now // target_time + 1) * target_time - now)

    def statistics(self) -> SchedulerStats | None:
        """The scheduler's timing statistics (None before start; the final ones after stop)."""
        return self.dfsm.statistics()

    async def run_for(self, seconds: float, period: float | None = None) -> SchedulerStats:
        """Run live (not test mode) for ``seconds`` at ``period``; return the timing statistics."""
        from doover_fsm.app.run import run_lifecycle

        if period is not None:
            self.dfsm.period.set_deploy(period, "run_for")
        stats: SchedulerStats = await run_lifecycle(self, stop_after=seconds)
        return stats

    async def trigger(self, name: str, *args: Any, **kwargs: Any) -> bool:
        """Fire a state-machine trigger now, run to completion; returns whether it transitioned.

        Called from inside a machine callback, the trigger is queued and runs after the current
        one (``transitions``' ``queued=True``).
        """
        machine = self.dfsm.machine
        if machine is None:
            raise MachineError(f"{type(self).__name__} has no state machine: declare states/transitions/initial")
        return await machine.atrigger(name, *args, **kwargs)

    def request_stop(self) -> None:
        """Ask the running app to stop after the current scan (what SIGTERM does)."""
        if self.dfsm.driver is not None:
            self.dfsm.driver.request_stop()

    @property
    def timing_tag_interval(self) -> float:
        """Seconds between updates of the ``scan_timing`` tag (live mode)."""
        return self.dfsm.timing_tag_interval

    @timing_tag_interval.setter
    def timing_tag_interval(self, value: float) -> None:
        self.dfsm.timing_tag_interval = float(value)

    # ------------------------------------------------------------------------------------------
    # Tags
    # ------------------------------------------------------------------------------------------
    def get_tag(self, tag_key: str, app_key: str | None = None, default: Any = None) -> Any:
        """A tag of this app (or of ``app_key``)."""
        value = self._store.get(app_key or self.app_key, tag_key, _MISSING)  # the usual case: the store
        return value if value is not _MISSING else self.tag_manager.get_tag(tag_key, default, app_key or self.app_key)

    def get_global_tag(self, tag_key: str, default: Any = None) -> Any:
        """A global tag (shared by all apps of the device)."""
        return self.tag_manager.get_tag(tag_key, default)

    def set_tag(self, tag_key: str, value: Any, app_key: str | None = None, only_if_changed: bool = True,
                log: bool = False) -> Any:
        """Write a tag: visible to reads at once, committed at the end of the scan (awaitable or not).

        A dict is merged into the tag's current dict, as pydoover does.
        """
        if app_key is None:
            if log or type(value) in _MERGED or self.tag_manager.busy:
                self.tag_manager.write(self.app_key, tag_key, value, only_if_changed, log)
            else:
                # The hot path: a value that replaces, and nothing but the store needs to hear of the
                # write (see TagManager.busy).
                self._store.set(self.app_key, tag_key, value, only_if_changed=only_if_changed)
            return _DONE
        return self.tag_manager.set_tag(tag_key, value, app_key, only_if_changed, log=log)

    def set_tags(self, tags: dict[str, Any], app_key: str | None = None, only_if_changed: bool = True,
                 log: bool = False) -> Any:
        """Write several tags of this app (or of ``app_key``)."""
        if not isinstance(tags, dict):
            raise TypeError(f"set_tags takes a dict of tag → value, got {type(tags).__name__}")
        for key in tags:
            if not isinstance(key, str) or not KEY_RE.match(key):
                raise ValueError(f"set_tags: tag name {key!r} must match {KEY_RE.pattern}")
        return self.tag_manager.set_tags(tags, only_if_changed, app_key=app_key or self.app_key, log=log)

    def set_global_tag(self, tag_key: str, value: Any, only_if_changed: bool = True,
                       log: bool = False) -> Any:
        """Write a global tag."""
        return self.tag_manager.set_tag(tag_key, value, None, only_if_changed, log=log)

    @property
    def _tag_values(self) -> dict[str, Any]:
        """pydoover 0.4: the whole ``tag_values`` as this app sees it (a copy)."""
        return self.tag_manager._tag_values

    # pydoover 0.4 names: the same writes, awaited.
    async def set_tag_async(self, tag_key: str, value: Any, app_key: str | None = None,
                            only_if_changed: bool = True) -> None:
        self.set_tag(tag_key, value, app_key, only_if_changed)

    async def set_tags_async(self, tags: dict[str, Any], app_key: str | None = None,
                             only_if_changed: bool = True) -> None:
        self.set_tags(tags, app_key, only_if_changed)

    async def set_global_tag_async(self, tag_key: str, value: Any, only_if_changed: bool = True) -> None:
        self.set_global_tag(tag_key, value, only_if_changed)

    def subscribe_to_tag(self, tag_key: str, callback: TagCallback, app_key: str | None = None,
                         global_tag: bool = False) -> Callable[[], None]:
        """Call ``callback(tag_key, value)`` in the scan after each change; several may subscribe.

        Returns a function that removes this subscription.
        """
        return self.dfsm.tag_subs.add((None if global_tag else (app_key or self.app_key), tag_key), callback)

    # ------------------------------------------------------------------------------------------
    # Channels
    # ------------------------------------------------------------------------------------------
    def _agent(self) -> Agent:
        agent = self.dfsm.agent
        if agent is None:
            raise RuntimeError("the app is not started yet: its agent is created at start (run_app)")
        return agent

    def subscribe(self, channel_name: str, events: EventSubscription | Any = EventSubscription.all) -> Completed[None]:
        """Deliver changes on ``channel_name`` to the ``on_*`` hooks and as state-machine triggers.

        ``events`` limits the kinds (pydoover's ``EventSubscription`` flags, or ``"message_create"``,
        ``"message_update"``, ``"oneshot"``, ``"aggregate"``, ``"sync"`` or an iterable of them);
        default all.
        """
        self.dfsm.channel_subs.add(channel_name, events)
        if self.dfsm.driver is not None:
            self.dfsm.driver.listen(channel_name)
        return _DONE

    def subscribe_to_channel(self, channel_name: str, callback: Callable[[str, Any], Any]) -> Completed[None]:
        """pydoover 0.4 style: ``callback(channel_name, aggregate)`` after each aggregate update."""
        self.dfsm.channel_subs.add_aggregate_callback(channel_name, callback)
        if self.dfsm.driver is not None:
            self.dfsm.driver.listen(channel_name)
        return _DONE

    def get_channel_aggregate(self, channel_name: str) -> Any:
        """The current aggregate's data of a channel (from the agent's local cache)."""
        return self._agent().get_aggregate(channel_name)

    async def fetch_channel_aggregate(self, channel_name: str) -> Aggregate:
        """pydoover 1.x: the channel's ``Aggregate`` (``.data`` is ``{}`` for a channel never written)."""
        return await self._agent().fetch_channel_aggregate(channel_name)

    async def create_message(self, channel_name: str, data: dict[str, Any], files: list[File] | None = None,
                             timestamp: datetime | None = None) -> str:
        """Post a message; returns its id."""
        agent: Any = self._agent()  # every agent takes pydoover's form here (agent/shared_names.py)
        message_id: str = await agent.create_message(channel_name, data, files, timestamp, author=self.app_key)
        return message_id

    async def update_message(self, channel_name: str, message_id: Any, data: dict[str, Any],
                             files: list[File] | None = None, replace_data: bool = False,
                             clear_attachments: bool = False) -> Message:
        """Merge-patch (or replace) a message's data; returns the updated message."""
        agent: Any = self._agent()  # every agent takes pydoover's form here (agent/shared_names.py)
        message: Message = await agent.update_message(channel_name, message_id, data, files, replace_data,
                                                      clear_attachments, author=self.app_key)
        return message

    async def update_channel_aggregate(self, channel_name: str, data: dict[str, Any], files: list[File] | None = None,
                                       clear_attachments: bool = False, replace_data: bool = False,
                                       max_age_secs: float | None = None, replace_keys: list[str] | None = None,
                                       ) -> Aggregate | None:
        """Deep merge-patch (``None`` deletes) or replace a channel's aggregate; returns the new aggregate.

        ``replace_keys``: (dotted) keys whose value is replaced rather than merged, in the same write.
        """
        return await self._agent().update_channel_aggregate(
            channel_name, data, files, clear_attachments, replace_data, max_age_secs,
            replace_keys=replace_keys, author=self.app_key)

    def publish_to_channel(self, channel_name: str, data: dict[str, Any] | str) -> Any:
        """pydoover 0.4: merge ``data`` into the channel's aggregate and log it (awaited or not)."""
        return self._agent().publish_to_channel(channel_name, data, author=self.app_key)

    async def send_oneshot_message(self, channel_name: str, data: dict[str, Any]) -> bool:
        """Deliver ``data`` to current listeners without storing it."""
        return await self._agent().send_oneshot_message(channel_name, data, author=self.app_key)

    async def send_notification(self, message: str | Notification, *, title: str | None = None,
                                severity: NotificationSeverity | int | None = None,
                                topic: str | NotificationTopic | None = None, event: str | None = None,
                                notification_policy: NotificationPolicy | str = NotificationPolicy.default) -> str:
        """Post a notification on ``notifications``, the body pydoover writes (severities Trace … Critical)."""
        body = build_notification(self.app_key, message, title=title, severity=severity, topic=topic, event=event,
                                  notification_policy=notification_policy)
        return await self.create_message("notifications", body)

    def get_is_dda_available(self) -> bool:
        return self.dfsm.agent is not None

    def get_is_dda_online(self) -> bool:
        agent = self.dfsm.agent
        return agent is not None and agent.is_online

    def get_has_dda_been_online(self) -> bool:
        agent = self.dfsm.agent
        return agent is not None and agent.get_has_dda_been_online()

    # -- who is watching (``dv-ui-sub``, kept by the tag manager) ---------------------------------
    @property
    def is_being_observed(self) -> bool:
        """Someone has this device open in any way (page, group view, app, live tag)."""
        return self.tag_manager.is_being_observed

    @property
    def is_agent_open(self) -> bool:
        return self.tag_manager.is_agent_open

    @property
    def is_group_open(self) -> bool:
        return self.tag_manager.is_group_open

    @property
    def is_app_open(self) -> bool:
        return self.tag_manager.is_app_open

    def is_live_tag_open(self, tag_name: str, app_key: str | None = None) -> bool:
        return self.tag_manager.is_live_tag_open(tag_name, app_key or self.app_key)

    # ------------------------------------------------------------------------------------------
    # pydoover 0.4's UI shortcuts: they hand over to the UI manager, as 0.4 did
    # ------------------------------------------------------------------------------------------
    def set_ui(self, ui: Any) -> Any:
        return self.ui_manager.set_children(ui)

    def set_ui_elements(self, elements: Any) -> Any:
        return self.ui_manager.set_children(elements)

    def get_command(self, name: str) -> Any:
        return self.ui_manager.get_command(name)

    def coerce_command(self, name: str, value: Any) -> Any:
        return self.ui_manager.coerce_command(name, value)

    def record_critical_value(self, name: str, value: Any) -> Any:
        return self.ui_manager.record_critical_value(name, value)

    def set_ui_status_icon(self, icon: Any) -> Any:
        return self.ui_manager.set_status_icon(icon)

    def start_ui_comms(self) -> Any:
        return self.ui_manager.start_comms()

    async def await_ui_comms_sync(self, timeout: float = 10) -> Any:
        return await call_maybe_async(self.ui_manager.await_comms_sync, timeout=timeout)

    async def fulfill_tag_subscriptions(self, diff: Any) -> None:
        """pydoover 0.4: run this app's tag subscribers for ``diff`` ({tag: value}) now."""
        if not diff:
            return
        changes = [(self.app_key, k, None, v) for k, v in diff.items()]
        for event in self.dfsm.tag_subs.events_for(changes, self.app_key, self.dfsm.clock.monotonic_ns()):
            if event.callback is not None:
                await call_maybe_async(event.callback)

    # ------------------------------------------------------------------------------------------
    # Shutdown handshake
    # ------------------------------------------------------------------------------------------
    def request_shutdown(self) -> Any:
        """Ask the device to shut down (sets the global ``shutdown_requested`` tag)."""
        return self.set_global_tag(REQUESTED_TAG, True)

    async def request_shutdown_async(self) -> None:
        """pydoover 0.4 name for :meth:`request_shutdown`."""
        self.request_shutdown()

    # ------------------------------------------------------------------------------------------
    # Platform and Modbus shortcuts (Doover names)
    # ------------------------------------------------------------------------------------------
    def _platform(self) -> Any:
        iface = self.platform_iface
        if iface is None:
            raise RuntimeError("the app is not started yet: its board I/O opens at start (run_app)")
        return iface

    def _modbus(self) -> Any:
        iface = self.modbus_iface
        if iface is None:
            raise RuntimeError("the app is not started yet: Modbus buses open at start (run_app)")
        return iface

    def fetch_di(self, di: Any) -> Any:
        """A digital input (one pin → its value; a list of pins → a list), awaitable or not."""
        return self._platform().fetch_di(di)

    def fetch_ai(self, ai: Any) -> Any:
        """An analog input (one pin → its value; a list of pins → a list), awaitable or not."""
        return self._platform().fetch_ai(ai)

    def fetch_do(self, do: Any) -> Any:
        """A digital output's current value (one pin or a list), awaitable or not."""
        return self._platform().fetch_do(do)

    def fetch_ao(self, ao: Any) -> Any:
        """An analog output's current value (one pin or a list), awaitable or not."""
        return self._platform().fetch_ao(ao)

    # pydoover 0.4 names
    get_di = fetch_di
    get_ai = fetch_ai
    get_do = fetch_do
    get_ao = fetch_ao

    def set_do(self, do: Any, value: Any) -> Any:
        return self._platform().set_do(do, value)

    def schedule_do(self, do: Any, value: Any, delay_secs: float) -> Any:
        return self._platform().schedule_do(do, value, delay_secs)

    def set_ao(self, ao: Any, value: Any) -> Any:
        return self._platform().set_ao(ao, value)

    def schedule_ao(self, ao: Any, value: Any, delay_secs: float) -> Any:
        return self._platform().schedule_ao(ao, value, delay_secs)

    def read_modbus_registers(self, address: int, count: int, register_type: int, modbus_id: int | None = None,
                              bus_id: str | None = None) -> Any:
        return self._modbus().read_registers(
            bus_id=bus_id, modbus_id=modbus_id,  # None: the interface's defaults
            start_address=address, num_registers=count, register_type=register_type,
        )

    def write_modbus_registers(self, address: int, values: Any, register_type: int, modbus_id: int | None = None,
                               bus_id: str | None = None) -> Any:
        return self._modbus().write_registers(
            bus_id=bus_id, modbus_id=modbus_id,  # None: the interface's defaults
            start_address=address, values=values, register_type=register_type,
        )

    def write_modbus_register(self, address: int, value: int, register_type: int = 4,
                              modbus_id: int | None = None) -> Any:
        """pydoover: write one register (default: a holding register), function 6 (or 5 for a coil)."""
        return self._modbus().write_single_register(modbus_id=modbus_id, address=address, value=value,
                                                    register_type=register_type)

    def add_new_modbus_read_subscription(self, address: int, count: int, register_type: int,
                                         callback: Callable[..., Any], poll_secs: float | None = None,
                                         modbus_id: int | None = None, bus_id: str | None = None) -> Any:
        return self._modbus().add_read_register_subscription(
            bus_id=bus_id, modbus_id=modbus_id,  # None: the interface's defaults
            start_address=address, num_registers=count, register_type=register_type,
            poll_secs=poll_secs, callback=callback,
        )
