"""``Application``: the Doover device-app API, run as a state machine on a deterministic scan.

Subclass it, declare ``config_cls``/``tags_cls``/``ui_cls`` and (optionally) ``states``,
``transitions`` and ``initial`` in ``transitions``' dict format, write ``setup`` and
``main_loop`` (sync or async), and start it with :func:`doover_fsm.run_app` or
``doover-fsm run module:Class``. What happens in one scan lives in :mod:`doover_fsm.app.scan`;
starting and stopping in :mod:`doover_fsm.app.lifecycle`.

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
from doover_fsm.app.channels import ALL_KINDS, KIND_TRIGGERS, user_channel_event
from doover_fsm.app.notifications import NotificationSeverity, notification_message, parse_severity
from doover_fsm.app.shutdown import CHECK_OK_TAG, REQUESTED_TAG
from doover_fsm.clock import Clock, MonotonicClock, VirtualClock
from doover_fsm.config.schema import Schema
from doover_fsm.errors import MachineError
from doover_fsm.events import Event, EventQueue, trigger_name
from doover_fsm.machine import compile_machine
from doover_fsm.tags.declare import KEY_RE, Tags
from doover_fsm.tags.store import TagStore
from doover_fsm.ui.declarative import UI

if TYPE_CHECKING:
    from doover_fsm.app.lifecycle import Lifecycle
    from doover_fsm.machine import CompiledMachine, MachineRuntime
    from doover_fsm.scheduler import RealtimeSettings, SchedulerStats

log = logging.getLogger("doover_fsm.app")

TAG_CHANNEL = "tag_values"
UI_SUB_CHANNEL = "dv-ui-sub"
UI_SUB_FRESH_S = 120.0
DEFAULT_PERIOD = 1.0

TagCallback = Callable[[str, Any], Any]
_DONE: Completed[None] = Completed(None)  # shared: writes return at once, awaited or not


def _default_app_key(cls: type) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]+", "_", re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower())


class Application:
    """Base class of a doover_fsm app (the Doover ``Application`` API). See the module doc."""

    #: The app's config schema, tags and UI classes (pydoover 1.0 names; ``*_class`` also work).
    config_cls: ClassVar[type[Schema] | None] = None
    tags_cls: ClassVar[type[Tags] | None] = None
    ui_cls: ClassVar[type[UI] | None] = None
    config_class: ClassVar[type[Schema] | None] = None
    tags_class: ClassVar[type[Tags] | None] = None
    ui_class: ClassVar[type[UI] | None] = None

    #: The state machine, in ``transitions``' dict format (optional).
    states: ClassVar[list[Any] | None] = None
    transitions: ClassVar[list[Any] | None] = None
    initial: ClassVar[str | None] = None
    _compiled_machine: ClassVar[CompiledMachine | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
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
        board: str | None = None,
        clock: Clock | None = None,
        data_dir: str | Path | None = None,
        period: float | None = None,
    ) -> None:
        self.app_key: str = app_key or _default_app_key(type(self))
        if not KEY_RE.match(self.app_key):
            raise ValueError(f"app_key {self.app_key!r} must match {KEY_RE.pattern}")
        self.name = name or type(self).__name__
        self.test_mode = bool(test_mode)
        self.clock: Clock = clock or (VirtualClock() if self.test_mode else MonotonicClock())
        self.app_display_name = ""
        self.board_name = board
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._config_fp = Path(config_fp) if config_fp is not None else None
        if self._config_fp is not None and not self._config_fp.is_file():
            raise FileNotFoundError(f"config file {str(self._config_fp)!r} does not exist")
        self._healthcheck_port = healthcheck_port
        self._agent_arg = device_agent
        self.device_agent: Agent | None = device_agent if isinstance(device_agent, Agent) else None
        self._platform_iface_arg = platform_iface
        self._modbus_iface_arg = modbus_iface
        self.platform_iface: Any = platform_iface
        self.modbus_iface: Any = modbus_iface
        self.board: Any = None
        self.board_io: Any = None

        config_cls = type(self).config_cls or type(self).config_class or Schema
        tags_cls = type(self).tags_cls or type(self).tags_class or Tags
        ui_cls = type(self).ui_cls or type(self).ui_class
        self.config: Schema = config_cls()
        self._store = TagStore(clock=self.clock)
        self.tags: Tags = tags_cls(self.app_key, self._store, self.config)
        self.ui: UI | None = ui_cls(self.config, self.tags) if ui_cls is not None else None
        self.ui_manager = self.ui  # pydoover name for the UI owner

        self.events = EventQueue()
        self.machine: MachineRuntime | None = None
        self.scheduler: Any = None
        self._final_stats: SchedulerStats | None = None
        self._period = DEFAULT_PERIOD if period is None else self._check_period(period)
        self._period_explicit = period is not None
        #: Seconds between updates of the ``scan_timing`` tag (live mode; lateness/duration/overruns).
        self.timing_tag_interval = 10.0
        #: A deploy-time period (``--period``, ``tune``) that wins over what ``setup()`` sets.
        self.period_override: float | None = None
        #: Real-time knobs for the scan thread (CLI flags); the board's [scheduler] hints fill the gaps.
        self.realtime: RealtimeSettings | None = None
        self._tag_subscriptions: dict[tuple[str | None, str], list[TagCallback]] = {}
        self._channel_subscriptions: dict[str, frozenset[str]] = {}
        self._extra_hooks: dict[str, list[Callable[[ChannelEvent], Any]]] = {}
        self._ready = asyncio.Event()
        self._lifecycle: Lifecycle | None = None

    def _rebind_app_key(self, app_key: str) -> None:
        """Change the app key before start (deploy-time ``--app-key``/``APP_KEY``)."""
        if self._lifecycle is not None:
            raise RuntimeError("the app key cannot change once the app has started")
        if not KEY_RE.match(app_key):
            raise ValueError(f"app_key {app_key!r} must match {KEY_RE.pattern}")
        self.app_key = app_key
        self.tags = type(self.tags)(app_key, self._store, self.config)
        if self.ui is not None:
            self.ui.tags = self.tags

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
        if self.machine is None:
            return True
        return bool(self.machine.shutdown_safe())

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
        return self._ready.is_set()

    async def wait_until_ready(self) -> None:
        """Wait until ready; raises the start-up error instead of hanging if start-up failed."""
        if self._lifecycle is not None:
            await self._lifecycle.wait_ready()
        else:
            await self._ready.wait()

    async def next(self) -> None:
        """Test mode only: run exactly one scan now; raises what the scan raised."""
        if not self.test_mode:
            raise RuntimeError("app.next() is only available in test mode (Application(test_mode=True))")
        await self.wait_until_ready()
        assert self._lifecycle is not None
        await self._lifecycle.run_one_scan()

    @property
    def loop_target_period(self) -> float:
        """Scan period in seconds (default 1 s); may be changed at run time."""
        return self._period

    @loop_target_period.setter
    def loop_target_period(self, value: float) -> None:
        self._period = self._check_period(value)
        self._period_explicit = True
        if self.scheduler is not None:
            self.scheduler.period = self._period

    @staticmethod
    def _check_period(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"loop_target_period must be a number of seconds > 0, got {value!r}")
        return float(value)

    async def wait_for_interval(self, target_time: float) -> None:
        """Sleep to the next multiple of ``target_time`` on the monotonic clock (absolute, no drift)."""
        if not target_time or target_time <= 0 or self.clock.is_virtual:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        await asyncio.sleep((now // target_time + 1) * target_time - now)

    def statistics(self) -> SchedulerStats | None:
        """The scheduler's timing statistics (None before start; the final ones after stop)."""
        return self._final_stats if self.scheduler is None else self.scheduler.statistics()

    async def run_for(self, seconds: float, period: float | None = None) -> SchedulerStats:
        """Run live (not test mode) for ``seconds`` at ``period``; return the timing statistics."""
        from doover_fsm.app.lifecycle import Lifecycle

        if period is not None:
            self.loop_target_period = period
            self.period_override = self.loop_target_period
        life = Lifecycle(self)
        return await life.run(stop_after=seconds)

    async def trigger(self, name: str, *args: Any, **kwargs: Any) -> bool:
        """Fire a state-machine trigger now, run to completion; returns whether it transitioned.

        Called from inside a machine callback, the trigger is queued and runs after the current
        one (``transitions``' ``queued=True``).
        """
        if self.machine is None:
            raise MachineError(f"{type(self).__name__} has no state machine: declare states/transitions/initial")
        return await self.machine.atrigger(name, *args, **kwargs)

    def request_stop(self) -> None:
        """Ask the running app to stop after the current scan (what SIGTERM does)."""
        if self._lifecycle is not None:
            self._lifecycle.request_stop()

    # ------------------------------------------------------------------------------------------
    # Tags
    # ------------------------------------------------------------------------------------------
    def get_tag(self, tag_key: str, app_key: str | None = None, default: Any = None) -> Any:
        """A tag of this app (or of ``app_key``)."""
        return self._store.get(app_key or self.app_key, tag_key, default)

    def get_global_tag(self, tag_key: str, default: Any = None) -> Any:
        """A global tag (shared by all apps of the device)."""
        return self._store.get(None, tag_key, default)

    def set_tag(self, tag_key: str, value: Any, app_key: str | None = None, only_if_changed: bool = True,
                log: bool = False) -> Completed[None]:
        """Write a tag: visible to reads at once, committed at the end of the scan (awaitable or not)."""
        self._store.set(app_key or self.app_key, tag_key, value, only_if_changed=only_if_changed, log=log)
        return _DONE

    def set_tags(self, tags: dict[str, Any], app_key: str | None = None, only_if_changed: bool = True,
                 log: bool = False) -> Completed[None]:
        """Write several tags of this app (or of ``app_key``)."""
        if not isinstance(tags, dict):
            raise TypeError(f"set_tags takes a dict of tag → value, got {type(tags).__name__}")
        owner = app_key or self.app_key
        for key in tags:
            if not isinstance(key, str) or not KEY_RE.match(key):
                raise ValueError(f"set_tags: tag name {key!r} must match {KEY_RE.pattern}")
        for key, value in tags.items():
            self._store.set(owner, key, value, only_if_changed=only_if_changed, log=log)
        return _DONE

    def set_global_tag(self, tag_key: str, value: Any, only_if_changed: bool = True,
                       log: bool = False) -> Completed[None]:
        """Write a global tag."""
        self._store.set(None, tag_key, value, only_if_changed=only_if_changed, log=log)
        return _DONE

    def subscribe_to_tag(self, tag_key: str, callback: TagCallback, app_key: str | None = None,
                         global_tag: bool = False) -> Callable[[], None]:
        """Call ``callback(tag_key, value)`` in the scan after each change; several may subscribe.

        Returns a function that removes this subscription.
        """
        if not callable(callback):
            raise TypeError(f"subscribe_to_tag({tag_key!r}): callback is not callable")
        key = (None if global_tag else (app_key or self.app_key), tag_key)
        self._tag_subscriptions.setdefault(key, []).append(callback)

        def unsubscribe() -> None:
            subs = self._tag_subscriptions.get(key, [])
            if callback in subs:
                subs.remove(callback)

        return unsubscribe

    def tag_events(self, changes: list[tuple[str | None, str, Any, Any]]) -> list[Event]:
        """Events for tag changes: subscriber callbacks, triggers, shutdown handshake."""
        out: list[Event] = []
        now = self.clock.monotonic_ns()
        for owner, name, old, new in changes:
            if owner is None:
                trig = trigger_name("global", name)
            elif owner == self.app_key:
                trig = trigger_name("tag", name)
            else:
                trig = trigger_name("tag", owner, name)
            data = {"app_key": owner, "tag": name, "old": old, "value": new}
            subs = tuple(self._tag_subscriptions.get((owner, name), ()))
            callback = None
            if subs:
                def callback(subs: tuple[TagCallback, ...] = subs, name: str = name, new: Any = new) -> Any:
                    return self._run_tag_callbacks(subs, name, new)
            out.append(Event(trig, "tag", data, now, callback, {"app_key": owner, "tag": name}))
            if owner is None and self._lifecycle is not None:
                out.extend(self._lifecycle.shutdown_events(name, new))
        return out

    async def _run_tag_callbacks(self, subs: tuple[TagCallback, ...], name: str, value: Any) -> None:
        errors = []
        for cb in subs:
            try:
                await call_maybe_async(cb, name, value)
            except Exception as exc:  # one failing subscriber must not starve the others
                errors.append(exc)
        if errors:
            raise errors[0]

    # ------------------------------------------------------------------------------------------
    # Channels
    # ------------------------------------------------------------------------------------------
    def _agent(self) -> Agent:
        if self.device_agent is None:
            raise RuntimeError("the app is not started yet: its agent is created at start (run_app)")
        return self.device_agent

    def subscribe(self, channel_name: str, events: Any = None) -> Completed[None]:
        """Deliver changes on ``channel_name`` to the ``on_*`` hooks and as state-machine triggers.

        ``events`` limits the kinds (``"message_create"``, ``"message_update"``, ``"oneshot"``,
        ``"aggregate"``, ``"sync"``, or an iterable of them); default all.
        """
        kinds = _parse_kinds(events)
        self._channel_subscriptions[channel_name] = kinds
        if self._lifecycle is not None and self.device_agent is not None:
            self._lifecycle.listen(channel_name)
        return Completed(None)

    def subscribe_to_channel(self, channel_name: str, callback: Callable[[str, Any], Any]) -> Completed[None]:
        """pydoover 0.x style: ``callback(channel_name, aggregate)`` after each aggregate update."""
        def hook(event: ChannelEvent) -> Any:
            return callback(event.channel, event.data)

        self._extra_hooks.setdefault(channel_name, []).append(hook)
        return self.subscribe(channel_name, ("aggregate", "sync"))

    def channel_event(self, event: ChannelEvent) -> Event | None:
        """Translate a subscribed channel's change into a scan event (called from any thread)."""
        kinds = self._channel_subscriptions.get(event.channel)
        if kinds is None or event.kind not in kinds:
            return None
        hook_name = KIND_TRIGGERS[event.kind][1]
        hook = getattr(self, hook_name)
        extra = self._extra_hooks.get(event.channel, ()) if event.kind in ("aggregate", "sync") else ()

        async def run_hooks(event: ChannelEvent) -> None:
            await call_maybe_async(hook, event)
            for h in extra:
                await call_maybe_async(h, event)

        return user_channel_event(event, run_hooks, self.clock.monotonic_ns())

    def get_channel_aggregate(self, channel_name: str) -> Any:
        """The current aggregate of a channel (from the agent's local cache)."""
        return self._agent().get_aggregate(channel_name)

    async def fetch_channel_aggregate(self, channel_name: str) -> Any:
        return self.get_channel_aggregate(channel_name)

    async def create_message(self, channel_name: str, data: Any, files: Any = None,
                             timestamp: datetime | None = None) -> str:
        """Post a message; returns its id."""
        if files:
            raise NotImplementedError("file attachments are not supported by doover_fsm agents")
        return await self._agent().create_message(channel_name, data, author=self.app_key)

    async def update_message(self, channel_name: str, message_id: str, data: Any, files: Any = None,
                             replace_data: bool = False, clear_attachments: bool = False) -> None:
        """Merge-patch (or replace) a message's data."""
        await self._agent().update_message(channel_name, message_id, data, replace=replace_data,
                                           author=self.app_key)

    async def update_channel_aggregate(self, channel_name: str, data: Any, files: Any = None,
                                       clear_attachments: bool = False, replace_data: bool = False,
                                       max_age_secs: float | None = None) -> Any:
        """Deep merge-patch (``None`` deletes) or replace a channel's aggregate; returns the new state."""
        return await self._agent().update_aggregate(channel_name, data, replace=replace_data,
                                                    max_age_secs=max_age_secs, author=self.app_key)

    async def publish_to_channel(self, channel_name: str, data: Any) -> str:
        """pydoover 0.x name for :meth:`create_message`."""
        return await self.create_message(channel_name, data)

    async def send_oneshot_message(self, channel_name: str, data: Any) -> None:
        await self._agent().send_oneshot(channel_name, data, author=self.app_key)

    async def send_notification(self, message: str, severity: NotificationSeverity | int | str = 5,
                                title: str | None = None, data: dict[str, Any] | None = None) -> str:
        """Post a notification (severities Trace=3 … Critical=7) on the ``notifications`` channel."""
        body = notification_message(self.app_key, message, parse_severity(severity), title, data, self.clock.time())
        return await self.create_message("notifications", body)

    def get_is_dda_available(self) -> bool:
        return self.device_agent is not None

    def get_is_dda_online(self) -> bool:
        return self.device_agent is not None and self.device_agent.is_online

    # -- who is watching (``dv-ui-sub``) --------------------------------------------------------
    def _fresh_ui_sub_entries(self, bucket: str) -> list[Any]:
        agg = self.device_agent.get_aggregate(UI_SUB_CHANNEL) if self.device_agent is not None else None
        entries = (agg or {}).get(bucket) or {}
        now_ms = self.clock.time() * 1000
        fresh = []
        for entry in entries.values() if isinstance(entries, dict) else ():
            ts = entry.get("ts") if isinstance(entry, dict) else entry
            if isinstance(ts, (int, float)) and not isinstance(ts, bool) and now_ms - ts < UI_SUB_FRESH_S * 1000:
                fresh.append(entry)
        return fresh

    @property
    def is_being_observed(self) -> bool:
        """Someone has this device open in any way (page, group view, app, live tag)."""
        return any(self._fresh_ui_sub_entries(b) for b in ("agent_open", "group_open", "app_open", "live_tag_open"))

    @property
    def is_agent_open(self) -> bool:
        return bool(self._fresh_ui_sub_entries("agent_open"))

    @property
    def is_group_open(self) -> bool:
        return bool(self._fresh_ui_sub_entries("group_open"))

    @property
    def is_app_open(self) -> bool:
        return any(isinstance(e, dict) and self.app_key in (e.get("apps") or [])
                   for e in self._fresh_ui_sub_entries("app_open"))

    def is_live_tag_open(self, tag_name: str, app_key: str | None = None) -> bool:
        qualified = f"{app_key or self.app_key}.{tag_name}"
        return any(isinstance(e, dict) and qualified in (e.get("tags") or [])
                   for e in self._fresh_ui_sub_entries("live_tag_open"))

    # ------------------------------------------------------------------------------------------
    # Shutdown handshake
    # ------------------------------------------------------------------------------------------
    def request_shutdown(self) -> Completed[None]:
        """Ask the device to shut down (sets the global ``shutdown_requested`` tag)."""
        return self.set_global_tag(REQUESTED_TAG, True)

    async def _answer_shutdown_request(self) -> None:
        """While ``shutdown_requested`` is set, publish ``shutdown_check_ok`` every scan."""
        if not self.get_global_tag(REQUESTED_TAG):
            return
        try:
            ok = bool(await call_maybe_async(self.check_can_shutdown))
        except Exception:
            log.exception("check_can_shutdown raised; answering False")
            ok = False
        self.set_tag(CHECK_OK_TAG, ok)

    # ------------------------------------------------------------------------------------------
    # Platform and Modbus shortcuts (Doover names)
    # ------------------------------------------------------------------------------------------
    def _platform(self) -> Any:
        if self.platform_iface is None:
            raise RuntimeError("the app is not started yet: its board I/O opens at start (run_app)")
        return self.platform_iface

    def _modbus(self) -> Any:
        if self.modbus_iface is None:
            raise RuntimeError("the app is not started yet: Modbus buses open at start (run_app)")
        return self.modbus_iface

    def fetch_di(self, *pins: Any) -> Any:
        return self._platform().fetch_di(*pins)

    def fetch_ai(self, *pins: Any) -> Any:
        return self._platform().fetch_ai(*pins)

    def fetch_do(self, *pins: Any) -> Any:
        return self._platform().fetch_do(*pins)

    def fetch_ao(self, *pins: Any) -> Any:
        return self._platform().fetch_ao(*pins)

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

    def add_new_modbus_read_subscription(self, address: int, count: int, register_type: int,
                                         callback: Callable[..., Any], poll_secs: float | None = None,
                                         modbus_id: int | None = None, bus_id: str | None = None) -> Any:
        return self._modbus().add_read_register_subscription(
            bus_id=bus_id, modbus_id=modbus_id,  # None: the interface's defaults
            start_address=address, num_registers=count, register_type=register_type,
            poll_secs=poll_secs, callback=callback,
        )


def _parse_kinds(events: Any) -> frozenset[str]:
    if events is None or events == "all":
        return ALL_KINDS
    items = [events] if isinstance(events, str) else list(events)
    bad = [e for e in items if e not in ALL_KINDS]
    if bad:
        raise ValueError(f"subscribe: unknown event kinds {bad!r} (known: {sorted(ALL_KINDS)})")
    return frozenset(items)
