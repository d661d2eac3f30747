"""Start, run and stop one Application: the agent, board I/O, Modbus, scheduler and machine.

``Lifecycle.run()`` is the whole life of an app (what ``run_app`` awaits). In test mode it
starts everything and then waits; each ``await app.next()`` runs one scan through
:meth:`Lifecycle.run_one_scan`. Live, it loops on the scheduler's absolute deadlines until
``request_stop()`` (SIGTERM/SIGINT), then stops cleanly: ``teardown``, outputs to their safe
values, tags flushed, agent closed.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from doover_fsm._util.maybe_async import call_maybe_async
from doover_fsm.agent.base import Agent, ChannelEvent
from doover_fsm.agent.interface import resolve_device_agent
from doover_fsm.agent.local import LocalAgent
from doover_fsm.agent.rpc import DEFAULT_CHANNEL as RPC_CHANNEL
from doover_fsm.agent.store import default_data_dir
from doover_fsm.app.channels import internal_event
from doover_fsm.app.committer import TagCommitter
from doover_fsm.app.health import HealthServer
from doover_fsm.app.instance_lock import InstanceLock
from doover_fsm.app.scan import ScanCycle
from doover_fsm.app.shutdown import AT_TAG, REQUESTED_TAG, ShutdownTracker
from doover_fsm.app.ui_commands import UICommands, start_ui
from doover_fsm.config import config_extras, config_source, config_values, inject_config, load_config_file
from doover_fsm.errors import ConfigError
from doover_fsm.events import Event
from doover_fsm.io import BoardIO, select_board
from doover_fsm.io.modbus import modbus_for_app
from doover_fsm.machine import MachineRuntime
from doover_fsm.machine.timers import scan_timers
from doover_fsm.scheduler import RealtimeSettings, Scheduler, apply_realtime
from doover_fsm.tags.store import REMOTE as TAG_REMOTE
from doover_fsm.tags.store import SYNC as TAG_SYNC
from doover_fsm.ui.declarative import UI

if TYPE_CHECKING:
    from doover_fsm.app.runtime import AppRuntime

log = logging.getLogger("doover_fsm.app")

TAG_CHANNEL = "tag_values"
CONFIG_CHANNEL = "deployment_config"
UI_CMDS_CHANNEL = "ui_cmds"
UI_SUB_CHANNEL = "dv-ui-sub"


def make_agent(url: str | None, data_dir: Path, app_key: str) -> Agent:
    """The agent for ``url``: ``mqtt://``/``mqtts://`` → MQTT (with a local outbox), else local SQLite."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if url and url.startswith(("mqtt://", "mqtts://")):
        from doover_fsm.agent.mqtt import MqttAgent

        return MqttAgent.for_app(url, data_dir=data_dir, app_key=app_key)
    if url and not url.startswith(("sqlite://", "local")):
        raise ConfigError(f"unknown agent URL {url!r}: use mqtt://host:port[/prefix], mqtts://…, or local")
    path = data_dir / "agent.sqlite3"
    if url and url.startswith("sqlite://"):
        path = Path(url[len("sqlite://"):])
    return LocalAgent(path)


class Lifecycle:
    """Owns everything an app opens while it runs. Loop-thread only."""

    def __init__(self, rt: AppRuntime, *, agent_url: str | None = None, install_signals: bool = False) -> None:
        self.rt = rt
        self.app = rt.hooks
        self.agent_url = agent_url
        self.install_signals = install_signals
        self.scan = ScanCycle(rt, self)
        self.committer: TagCommitter | None = None
        self.tracker = ShutdownTracker(rt.clock.time())
        self.ui_commands = UICommands(rt)
        self._closed = asyncio.Event()
        self._lock: InstanceLock | None = None
        self._health: HealthServer | None = None
        self._stop = asyncio.Event()
        self._started = asyncio.Event()
        self._start_error: BaseException | None = None
        self._pending_error: BaseException | None = None
        self._temp_dir: str | None = None
        self._listening: set[str] = set()
        self._unlisten: list[Any] = []
        self._scan_lock = asyncio.Lock()
        self._main_task: asyncio.Task[Any] | None = None
        self._waiting = False
        self.stop_reason = ""

    # ------------------------------------------------------------------------------------------
    async def run(self, stop_after: float | None = None) -> Any:
        """Start, scan until stopped (or for ``stop_after`` seconds), stop. Returns scheduler stats."""
        rt = self.rt
        rt.driver = self
        self._main_task = asyncio.current_task()
        # setup() and the tasks an app starts arm pydoover StateMachine timeouts on the scan's timers.
        with scan_timers(rt.timers):
            return await self._run(stop_after)

    async def _run(self, stop_after: float | None) -> Any:
        rt = self.rt
        try:
            try:
                await self._start()
            except BaseException as exc:
                self._start_error = exc
                self._started.set()
                raise
            self._started.set()
            if stop_after is not None:
                asyncio.get_running_loop().call_later(stop_after, self.request_stop)
            if rt.test_mode:
                await self._stop.wait()
            else:
                await self._loop()
        finally:
            try:
                await self._close()
            finally:
                self._closed.set()
        return rt.statistics()

    async def wait_ready(self) -> None:
        await self._started.wait()
        if self._start_error is not None:
            raise self._start_error
        await self.rt.ready.wait()

    async def wait_closed(self) -> None:
        """Until everything the app opened is released (after a stop)."""
        if self._main_task is not None:
            await self._closed.wait()

    def request_stop(self, reason: str = "requested") -> None:
        if not self._stop.is_set():
            self.stop_reason = reason
            log.info("stopping %s (%s)", self.app.app_key, reason)
        self._stop.set()
        if self._waiting and self._main_task is not None:
            self._main_task.cancel()

    # ------------------------------------------------------------------------------------------
    async def _start(self) -> None:
        rt, app = self.rt, self.app
        loop = asyncio.get_running_loop()
        if self.install_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop, signal.Signals(sig).name)
        if rt.options.healthcheck_port is not None:
            self._health = HealthServer(rt.options.healthcheck_port, self.scan.health)
            await self._health.start()

        # Agent: channels, aggregates, messages (the one the app was given, else one for the URL).
        rt.agent = resolve_device_agent(rt.agent, self._make_agent)
        agent = rt.agent
        # Callbacks registered with pydoover's names (add_event_callback, the RPC manager) run in the scan.
        def run_in_scan(thunk: Callable[[], Any]) -> None:
            rt.post(Event("", "agent", None, rt.clock.monotonic_ns(), thunk))

        agent.doover_callback_runner = run_in_scan
        await agent.start()
        # Connection changes become agent_online/agent_offline events (from an agent thread: post only).
        def on_connection_change(online: bool) -> None:
            rt.post(Event("agent_online" if online else "agent_offline", "agent", online, rt.clock.monotonic_ns()))

        self._unlisten.append(agent.on_connection_change(on_connection_change))

        # Config: file, else the deployment_config channel.
        if rt.options.config_fp is not None:
            data = load_config_file(app.config, rt.options.config_fp)
            self._deploy_period(data, str(rt.options.config_fp))
        else:
            self._load_deployment_config(agent.get_aggregate(CONFIG_CHANNEL), initial=True)

        # Tags: start from what the agent remembers (survives restarts and kill -9).
        rt.store.load(agent.get_aggregate(TAG_CHANNEL) or {})
        self.committer = TagCommitter(agent, app.app_key)
        self.committer.start()
        rt.tag_manager.bind_sink(self.scan.submit_commit)
        await rt.tag_manager.on_ui_sub_update(agent.get_aggregate(UI_SUB_CHANNEL) or {})
        for channel in (TAG_CHANNEL, CONFIG_CHANNEL, UI_CMDS_CHANNEL, UI_SUB_CHANNEL, *rt.channel_subs.channels):
            self.listen(channel)

        # Board I/O and Modbus.
        self._open_io()
        await self._open_modbus()

        # Scheduler and state machine. The period: deploy time > the app > 1 s; a board only suggests.
        rt.scheduler = Scheduler(rt.period.value, clock=rt.clock)
        compiled = rt.compiled_machine
        if compiled is not None:
            rt.machine = MachineRuntime(compiled, app, clock=rt.clock, on_transition=self.scan.on_transition)

        # pydoover's own set-up of the declared tags and UI, then the user's setup, then the
        # machine's initial state, then the UI is published. Errors are logged; the app scans on.
        try:
            notifications = getattr(app, "notifications", None)
            if notifications is not None:
                await call_maybe_async(notifications.setup)
            await self._setup_tags()
            if isinstance(app.ui, UI):
                await call_maybe_async(app.ui.setup)
            await start_ui(app, agent)
            self._serve_rpc()
            await call_maybe_async(app.setup)
        except Exception as exc:
            self._pending_error = exc
            self.scan.note_setup_error(f"{type(app).__name__}.setup() (the app keeps scanning)", exc)
        if rt.machine is not None:
            try:
                await call_maybe_async(rt.machine.start)
            except Exception as exc:
                self._pending_error = self._pending_error or exc
                self.scan.note_setup_error(f"entering the initial state of {type(app).__name__}", exc)
            self.scan.publish_state()

        try:
            await app.ui_manager.publish()
        except Exception as exc:
            self.scan.note_setup_error("publishing the UI", exc)

        # A shutdown_at from before start-up is stale and must not fire (pydoover's defect).
        for event in self.shutdown_events(AT_TAG, rt.store.get(None, AT_TAG)):
            rt.post(event)

        if not rt.test_mode:
            self._apply_realtime()
        if os.environ.get("DOOVER_FSM_GC_FREEZE", "1") != "0" and not rt.test_mode:
            gc.collect()
            gc.freeze()  # a full collection of setup's objects would pause a scan for tens of ms
        rt.period.suggest(getattr(getattr(rt.board, "scheduler", None), "period", None),
                          f"board {getattr(rt.board, 'name', '?')!r}")
        rt.ready.set()
        log.info("%s ready (app_key=%s, board=%s, period=%.6gs from %s)", app.name, app.app_key,
                 getattr(rt.board, "name", None), rt.period.value, rt.period.source)

    def _make_agent(self) -> Agent:
        rt = self.rt
        data_dir = rt.options.data_dir
        if data_dir is None:
            if rt.test_mode:
                self._temp_dir = tempfile.mkdtemp(prefix="doover_fsm-test-")
                data_dir = Path(self._temp_dir)
            else:
                data_dir = default_data_dir()
        if self._temp_dir is None:  # one running copy per app and store (refused clearly, never stuck)
            self._lock = InstanceLock(data_dir, self.app.app_key)
            self._lock.acquire()
        url = self.agent_url or rt.options.agent_url or os.environ.get("DOOVER_AGENT_URL")
        return make_agent(url, data_dir, self.app.app_key)

    async def _setup_tags(self) -> None:
        """As pydoover's ``_setup``: the declared tags sync, remote tags resolve, live tags register."""
        tags = self.app.tags
        for step in ("setup", "_resolve_remote_tags"):
            func = getattr(tags, step, None)
            if func is not None:
                await call_maybe_async(func)
        live = getattr(tags, "get_live_tag_keys", None)
        if live is not None:
            self.rt.tag_manager.set_live_tags(live())

    def _serve_rpc(self) -> None:
        """As pydoover's ``_setup``: the app's ``@rpc.handler`` methods answer on the default RPC channel."""
        rpc = getattr(self.app, "rpc", None)
        if rpc is None:
            return
        rpc.register_handlers(self.app)
        rpc.subscribe(RPC_CHANNEL)

    def _deploy_period(self, app_config: Any, source: str) -> None:
        """A ``loop_target_period`` key in the app's deployment config is a deploy-time period."""
        value = app_config.get("loop_target_period") if isinstance(app_config, dict) else None
        self.rt.period.set_config(value, f"{source}: loop_target_period")

    def _apply_realtime(self) -> None:
        """RT knobs for the scan thread: CLI flags first, then the board's [scheduler] hints.

        Each knob reports on its own; a refusal (not root, no RT budget) is a warning, not a crash.
        """
        rt = self.rt
        hints = getattr(rt.board, "scheduler", None)
        want = rt.options.realtime

        def pick(flag: Any, hint_name: str) -> Any:
            return flag if flag is not None else getattr(hints, hint_name, None)

        settings = RealtimeSettings(
            priority=pick(want.priority if want else None, "rt_priority"),
            cpu=pick(want.cpu if want else None, "cpu"),
            mlock=bool(pick((want.mlock or None) if want else None, "mlock")),
            timer_slack_ns=pick(want.timer_slack_ns if want else None, "timer_slack_ns"),
        )
        if settings == RealtimeSettings():
            return
        for report in apply_realtime(settings):
            if report.applied:
                log.info("real-time: %s", report.detail)
            else:
                log.warning("real-time knob refused: %s", report.detail)

    def _open_io(self) -> None:
        rt, config = self.rt, self.app.config
        if rt.platform_arg is not None:
            rt.platform_iface = rt.platform_arg
            return
        board_pref = config_extras(config).get("board")
        board_pref = board_pref if isinstance(board_pref, str) else None
        # Test mode runs on the virtual board unless a board was chosen explicitly.
        chosen = rt.options.board_name or ("virtual" if rt.test_mode and not os.environ.get("DOOVER_BOARD") else None)
        rt.board = select_board(chosen, os.environ, board_pref)
        rt.board_io = BoardIO(rt.board, clock=rt.clock, post_event=rt.post)
        rt.board_io.open()
        rt.board_io.attach(asyncio.get_running_loop())
        rt.platform_iface = rt.board_io.platform_iface
        rt.platform_iface.is_async = self._app_is_async()

    async def _open_modbus(self) -> None:
        rt, config = self.rt, self.app.config
        if rt.modbus_arg is not None:
            rt.modbus_iface = rt.modbus_arg
            return
        rt.modbus_iface = modbus_for_app(
            board_buses=getattr(rt.board, "modbus", None) or None,
            board_source=getattr(rt.board, "source", None) or "board",
            app_buses=config_extras(config).get("modbus"),
            app_source=config_source(config) or "config",
            app_config=config, post_event=rt.post, clock=rt.clock, is_async=self._app_is_async(),
        )
        await rt.modbus_iface.start()

    def _app_is_async(self) -> bool:
        """pydoover's app mode: the constructor's ``is_async``, else whether ``main_loop`` is a coroutine."""
        given = self.rt.is_async
        return given if given is not None else inspect.iscoroutinefunction(self.app.main_loop)

    # ------------------------------------------------------------------------------------------
    def listen(self, channel: str) -> None:
        """Start delivering ``channel``'s changes into the event queue (once per channel)."""
        agent = self.rt.agent
        if channel in self._listening or agent is None:
            return
        self._listening.add(channel)
        self._unlisten.append(agent.add_listener(channel, self._on_channel_event))

    def _on_channel_event(self, event: ChannelEvent) -> None:
        # Any thread: build events and post them; the scan does the rest.
        rt, app = self.rt, self.app
        now = rt.clock.monotonic_ns()
        own = event.author is not None and event.author in (app.app_key, getattr(rt.agent, "agent_id", None))
        if event.channel == TAG_CHANNEL and event.kind in ("aggregate", "sync") and not own:
            patch = event.patch if event.kind == "aggregate" and event.patch is not None else event.data
            source = TAG_SYNC if event.kind == "sync" else TAG_REMOTE
            rt.post(internal_event(
                "tag_values", lambda: self.tag_events(rt.store.apply_remote(patch or {}, source=source)), now, patch))
        elif event.channel == CONFIG_CHANNEL and event.kind in ("aggregate", "sync"):
            rt.post(internal_event("deployment_config",
                                   lambda: self._load_deployment_config(event.data, initial=False), now))
        elif event.channel == UI_SUB_CHANNEL and event.kind in ("aggregate", "sync"):
            data = event.data
            rt.post(Event("", "agent", data, now, lambda: rt.tag_manager.on_ui_sub_update(data or {})))
        elif event.channel == UI_CMDS_CHANNEL and event.kind in ("message_create", "oneshot"):
            rt.post(internal_event("ui_cmd", lambda: self.ui_commands.handle(event), now, event))
        elif event.channel == UI_CMDS_CHANNEL and event.kind in ("aggregate", "sync") and not own:
            rt.post(internal_event("ui_cmds_aggregate", lambda: self.ui_commands.handle_aggregate(event), now, event))
        user = rt.channel_subs.event_for(event, app, now)
        if user is not None:
            rt.post(user)

    def tag_events(self, changes: list[tuple[str | None, str, Any, Any]]) -> list[Event]:
        """Events for tag changes from outside: subscribers, triggers, and the shutdown handshake."""
        rt = self.rt
        out = rt.tag_subs.events_for(changes, self.app.app_key, rt.clock.monotonic_ns())
        for owner, name, _old, new in changes:
            if owner is None:
                out.extend(self.shutdown_events(name, new))
        return out

    def _load_deployment_config(self, aggregate: Any, *, initial: bool) -> list[Event] | None:
        rt, app = self.rt, self.app
        if rt.options.config_fp is not None or not (initial or isinstance(aggregate, dict)):
            return None
        aggregate = aggregate if isinstance(aggregate, dict) else {}
        apps = aggregate.get("applications")
        app_config = apps.get(app.app_key) if isinstance(apps, dict) else None
        if not isinstance(app_config, dict):
            if not initial:
                return None
            if aggregate:
                log.warning("deployment_config has no entry for app %r; using defaults", app.app_key)
            app_config = {}  # as pydoover: no entry loads the defaults (and a missing required key is an error)
        source = f"deployment_config.applications.{app.app_key}"
        try:
            inject_config(app.config, app_config, source=source)
        except ConfigError:
            if initial:
                raise
            log.exception("rejected a deployment_config update; keeping the previous config")
            return None
        self._deploy_period(app_config, source)
        app.app_display_name = app_config.get("APP_DISPLAY_NAME", app.app_display_name)
        if initial:
            return None
        return [Event("config_updated", "config", config_values(app.config), rt.clock.monotonic_ns())]

    def shutdown_events(self, name: str, value: Any) -> list[Event]:
        """Events for a change of a shutdown global tag (handshake, DESIGN §6)."""
        now = self.rt.clock.monotonic_ns()
        if name == REQUESTED_TAG and value:
            return [Event("shutdown_requested", "shutdown", value, now)]
        if name == AT_TAG:
            dt = self.tracker.accept_shutdown_at(value)
            if dt is not None:
                log.info("shutdown scheduled at %s", dt.isoformat())
                app = self.app
                return [Event("shutdown_at", "shutdown", dt, now, lambda: app.on_shutdown_at(dt))]
        return []

    # ------------------------------------------------------------------------------------------
    async def run_one_scan(self) -> None:
        """Test mode: one scan now; raises the first error it (or setup before it) raised."""
        async with self._scan_lock:
            pending, self._pending_error = self._pending_error, None
            error = await self.scan.run()
            assert self.committer is not None
            await self.committer.flush()
            await self.ui_commands.flush()
            if pending is not None:
                raise pending
            if error is not None:
                raise error

    async def _loop(self) -> None:
        rt = self.rt
        sched = rt.scheduler
        assert sched is not None
        sched.start()
        while not self._stop.is_set():
            self._waiting = True
            try:
                slot = await sched.wait_for_next_scan()
            except asyncio.CancelledError:
                if self._stop.is_set():
                    asyncio.current_task().uncancel()  # type: ignore[union-attr]
                    break
                raise
            finally:
                self._waiting = False
            await self.scan.run(slot)
            result = sched.end_scan()
            if result.overrun:
                rt.post(Event("overrun", "scheduler",
                              {"skipped": result.skipped, "duration_ns": result.duration_ns,
                               "scan": self.scan.number}, rt.clock.monotonic_ns()))

    async def _close(self) -> None:
        rt, app = self.rt, self.app
        rt.ready.clear()
        if self._started.is_set() and self._start_error is None:
            try:
                await call_maybe_async(app.teardown)
            except Exception:
                log.exception("error in %s.teardown()", type(app).__name__)
            try:
                self.scan.commit_now()
            except Exception:
                log.exception("final tag commit failed")
        for unlisten in self._unlisten:
            try:
                unlisten()
            except Exception:
                log.exception("removing a channel listener failed")
        self._unlisten.clear()
        self._listening.clear()
        if rt.board_io is not None:
            try:
                rt.board_io.close()  # outputs to their safe values, then release the lines
            except Exception:
                log.exception("closing board I/O failed")
        if rt.modbus_iface is not None and rt.modbus_arg is None:
            try:
                await rt.modbus_iface.close()
            except Exception:
                log.exception("closing Modbus failed")
        if self.committer is not None:
            try:
                await self.committer.close()
            except Exception:
                log.exception("flushing tags failed")
        if rt.agent is not None:
            try:
                await rt.agent.close()
            except Exception:
                log.exception("closing the agent failed")
        if rt.scheduler is not None:
            rt.final_stats = rt.scheduler.statistics()
            rt.scheduler.close()
            rt.scheduler = None
        if self._health is not None:
            await self._health.close()
        if self.install_signals and threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        self.scan.faults.flush()
        if self._lock is not None:
            self._lock.release()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
        if gc.get_freeze_count():
            gc.unfreeze()
