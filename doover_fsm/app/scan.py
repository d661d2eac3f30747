"""One scan, start to end (DESIGN §3). Read this file to know what happens every period.

1. inputs   – pick up other processes' channel changes; read the input image once
2. events   – drain the queue in arrival order: hooks, then state-machine triggers
3. timers   – fire state timeouts due at this scan's time
4. logic    – shutdown handshake answer, ``main_loop()``, the active states' ``on_scan``
5. outputs  – write changed outputs in one batch
6. commit   – one ``tag_values`` merge-patch (+ logged points) handed to the committer
7. timing   – done by the caller (the scheduler records lateness/duration/overrun)

A fault in one step is logged with its traceback, raised as an ``exception`` event and the
scan goes on; in test mode the first one is re-raised by ``app.next()``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol, cast

from doover_fsm._util.maybe_async import call_maybe_async
from doover_fsm.app.channels import INTERNAL
from doover_fsm.app.faultlog import FaultLog
from doover_fsm.app.shutdown import AT_TAG, CHECK_OK_TAG, REQUESTED_TAG
from doover_fsm.events import Event
from doover_fsm.machine.timers import CURRENT_SCAN_TIMERS

if TYPE_CHECKING:
    from doover_fsm.app.committer import TagCommitter
    from doover_fsm.app.runtime import AppRuntime
    from doover_fsm.tags.manager import TagCommit

log = logging.getLogger("doover_fsm.app")
transition_log = logging.getLogger("doover_fsm.transitions")

STATE_TAG = "fsm_state"
TIMING_TAG = "scan_timing"
MAX_EVENTS_PER_SCAN = 10_000
FAILING_AFTER = 3


class ScanHost(Protocol):
    """What the scan needs from whoever runs it (the lifecycle)."""

    committer: TagCommitter | None

    def shutdown_events(self, name: str, value: Any) -> list[Event]: ...


class ScanCycle:
    """Runs scans for one app. Loop-thread only."""

    def __init__(self, rt: AppRuntime, life: ScanHost) -> None:
        self.rt = rt
        self.app = rt.hooks
        self.life = life
        self.number = 0
        self.last_scan_wall = 0.0
        self.consecutive_failures = 0
        self.errors_total = 0
        self._last_timing_publish_ns = 0
        self._dropped_seen = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        #: Faults: the first of each kind logged in full, repeats folded into a periodic count.
        self.faults = FaultLog(log)
        #: What setup() raised (the app scans on, but is not healthy: its set-up is incomplete).
        self.setup_error: BaseException | None = None

    # ------------------------------------------------------------------------------------------
    async def run(self, slot: Any = None) -> BaseException | None:
        """Run one scan; return the first error raised in it (already logged), else None."""
        # pydoover StateMachines arm their timeouts on the scan's timers (and so on its clock),
        # also when the scan runs in a test's own task (app.next()).
        token = CURRENT_SCAN_TIMERS.set(self.rt.timers)
        try:
            return await self._scan()
        finally:
            CURRENT_SCAN_TIMERS.reset(token)

    async def _scan(self) -> BaseException | None:
        rt, app = self.rt, self.app
        self.number += 1
        errors: list[BaseException] = []

        # 1. inputs (tag values posted from other threads land first)
        self._guard(errors, "tag ring drain", rt.store.drain)
        agent = rt.agent
        if agent is not None:
            self._guard(errors, "agent poll", agent.poll)
        if rt.board_io is not None:
            self._guard(errors, "reading inputs", rt.board_io.read_inputs)

        # 2. events
        await self._dispatch_events(errors)

        # 3. timers
        machine = rt.machine
        if machine is not None:
            await self._guard_async(errors, "state timeouts", machine.poll_timeouts, rt.clock.monotonic_ns())
        if rt.timers.armed:
            await self._guard_async(errors, "pydoover state timeouts", rt.timers.fire_due, rt.clock.monotonic_ns())

        # 4. logic
        await self._guard_async(errors, "shutdown check", self._answer_shutdown_request)
        await self._guard_async(errors, "main_loop", app.main_loop)
        if machine is not None:
            await self._guard_async(errors, "on_scan handlers", machine.run_scan_handlers)

        # 5. outputs
        if rt.board_io is not None:
            self._guard(errors, "writing outputs", rt.board_io.write_outputs)

        # 6. commit (and the UI changes 0.4 apps make with update/hidden/coerce)
        self._guard(errors, "tag commit", self.commit_now)
        ui_manager = app.ui_manager
        if ui_manager.needs_publish:
            await self._guard_async(errors, "ui publish", ui_manager.publish)
        self._publish_timing()

        self.last_scan_wall = time.monotonic()
        if errors:
            self.errors_total += len(errors)
            self.consecutive_failures += 1
            now = rt.clock.monotonic_ns()
            for exc in errors:
                rt.post(Event("exception", "error", exc, now, extra={"scan": self.number}))
            return errors[0]
        self.consecutive_failures = 0
        return None

    async def _answer_shutdown_request(self) -> None:
        """While ``shutdown_requested`` is set, publish ``shutdown_check_ok`` every scan."""
        store = self.rt.store
        if not store.get(None, REQUESTED_TAG):
            return
        try:
            ok = bool(await call_maybe_async(self.app.check_can_shutdown))
        except Exception:
            log.exception("check_can_shutdown raised; answering False")
            ok = False
        store.set(self.app.app_key, CHECK_OK_TAG, ok)

    def note_setup_error(self, what: str, exc: BaseException) -> None:
        """``setup()`` (or entering the initial state) raised: logged, raised as an ``exception`` event,
        and health stays 503 (the app scans on with an incomplete set-up)."""
        self.faults.report(what, exc, self.number)
        self.errors_total += 1
        self.setup_error = self.setup_error or exc
        self.rt.post(Event("exception", "error", exc, self.rt.clock.monotonic_ns(), extra={"where": what}))

    # ------------------------------------------------------------------------------------------
    async def _dispatch_events(self, errors: list[BaseException]) -> None:
        rt = self.rt
        machine = rt.machine
        if rt.events.dropped != self._dropped_seen:
            lost, self._dropped_seen = rt.events.dropped - self._dropped_seen, rt.events.dropped
            log.warning("scan %d: the event queue was full; %d events were dropped (%d in total)",
                        self.number, lost, self._dropped_seen)
        pending: deque[Event] = deque(rt.events.drain())
        handled = 0
        while pending and handled < MAX_EVENTS_PER_SCAN:
            event = pending.popleft()
            handled += 1
            if event.source == INTERNAL:
                try:
                    # Internal events come from channels.internal_event: ``expand`` returns follow-ups.
                    follow = cast("list[Event] | None", event.callback() if event.callback is not None else None)
                except Exception as exc:
                    self._fail(errors, f"handling {event.extra.get('name', 'an internal event')}", exc)
                    continue
                if follow:
                    pending.extendleft(reversed(follow))
                continue
            if event.callback is not None:
                try:
                    await call_maybe_async(event.callback)
                except Exception as exc:
                    self._fail(errors, f"the callback of event {event.trigger!r}", exc)
            if machine is not None and event.trigger and machine.compiled.has_trigger(event.trigger):
                try:
                    result = machine.dispatch_event(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    self._fail(errors, f"state machine trigger {event.trigger!r}", exc)
        if pending:
            # Keep order: what did not fit in this scan goes first in the next one.
            log.warning("scan %d: more than %d events; %d deferred", self.number, MAX_EVENTS_PER_SCAN, len(pending))
            rest = list(pending) + rt.events.drain()
            for event in rest:
                rt.post(event)

    # ------------------------------------------------------------------------------------------
    def commit_now(self) -> None:
        """Step 6: the tag manager collects this scan's commit and hands it to :meth:`submit_commit`."""
        self.rt.tag_manager.commit_now()

    def submit_commit(self, commit: TagCommit) -> None:
        """The tag manager's sink: the patch and log messages to the committer, live tags as a one-shot."""
        committer = self.life.committer
        if committer is not None:
            committer.submit(commit.patch, [m.data for m in commit.messages])
        agent = self.rt.agent
        if commit.live and agent is not None:
            task = asyncio.get_running_loop().create_task(
                agent.send_oneshot("tag_values", commit.live, author=self.app.app_key))
            self._tasks.add(task)
            task.add_done_callback(self._task_done)
        if commit.patch:
            for event in self._own_change_events(commit.patch):
                self.rt.post(event)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("publishing live tags failed", exc_info=task.exception())

    def _own_change_events(self, patch: dict[str, Any]) -> list[Event]:
        """Our own writes reach tag subscribers and the shutdown handshake too (next scan)."""
        out = self.rt.tag_subs.own_write_events(patch, self.rt.clock.monotonic_ns())
        for name in (REQUESTED_TAG, AT_TAG):
            if name in patch:
                out.extend(self.life.shutdown_events(name, patch[name]))
        return out

    # ------------------------------------------------------------------------------------------
    def on_transition(self, source: str, trigger: str, dest: str, event: Any = None) -> None:
        """Called by the machine after each transition: log it and publish the state tag."""
        transition_log.info("%s: %s --%s--> %s (scan %d, t=%.6f)", self.app.app_key, source, trigger, dest,
                            self.number, self.rt.clock.time())
        self.publish_state()

    def publish_state(self) -> None:
        machine = self.rt.machine
        if machine is not None:
            self.rt.store.set(self.app.app_key, STATE_TAG, machine.state)

    def _publish_timing(self) -> None:
        rt = self.rt
        sched = rt.scheduler
        if sched is None or rt.clock.is_virtual:
            return
        now = rt.clock.monotonic_ns()
        if not self._last_timing_publish_ns:
            self._last_timing_publish_ns = now  # first figures after one interval of real scans
            return
        if now - self._last_timing_publish_ns < rt.timing_tag_interval * 1e9:
            return
        self._last_timing_publish_ns = now
        st = sched.statistics()
        rt.store.set(self.app.app_key, TIMING_TAG, {
            "period_s": st.period,
            "scans": st.scans,
            "overruns": st.overruns,
            "skipped": st.skipped,
            "lateness_us": {k: round(getattr(st, f"lateness_{k}_ns", 0) / 1000, 1) for k in ("p50", "p99", "max")},
            "duration_us": {k: round(getattr(st, f"duration_{k}_ns", 0) / 1000, 1) for k in ("p50", "p99", "max")},
        })

    def health(self) -> tuple[bool, dict[str, Any]]:
        """For the health endpoint: healthy while scans run and do not keep failing."""
        rt, app = self.rt, self.app
        period = rt.period.value
        age = time.monotonic() - self.last_scan_wall if self.last_scan_wall else None
        stuck = age is None or age > max(3 * period, 5.0)
        failing = self.consecutive_failures >= FAILING_AFTER or self.setup_error is not None
        body: dict[str, Any] = {
            "app_key": app.app_key, "scans": self.number, "last_scan_age_s": age, "period_s": period,
            "consecutive_failures": self.consecutive_failures, "errors_total": self.errors_total,
            "state": rt.machine.state if rt.machine is not None else None,
            "events_dropped": rt.events.dropped,
            "setup_error": None if self.setup_error is None else f"{type(self.setup_error).__name__}: "
                                                                   f"{self.setup_error}",
        }
        tags = rt.store.statistics()
        body.update(tag_ring_drops=tags.ring_drops, tag_log_drops=tags.log_drops)
        if rt.scheduler is not None:
            st = rt.scheduler.statistics()
            body.update(overruns=st.overruns, skipped=st.skipped, lateness_p99_us=st.lateness_p99_ns / 1000)
        return (rt.ready.is_set() and not stuck and not failing), body

    # ------------------------------------------------------------------------------------------
    def _fail(self, errors: list[BaseException], what: str, exc: BaseException) -> None:
        self.faults.report(what, exc, self.number)
        errors.append(exc)

    def _guard(self, errors: list[BaseException], what: str, func: Any, *args: Any) -> None:
        try:
            func(*args)
        except Exception as exc:
            self._fail(errors, what, exc)

    async def _guard_async(self, errors: list[BaseException], what: str, func: Any, *args: Any) -> None:
        try:
            await call_maybe_async(func, *args)
        except Exception as exc:
            self._fail(errors, what, exc)
