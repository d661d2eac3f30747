"""pydoover's ``DeviceAgentInterface`` names on every doover_fsm agent (1.x and 0.4).

:class:`DooverAgentAPI` is a mixin of :class:`~doover_fsm.agent.base.Agent`: it implements
pydoover's methods (``update_channel_aggregate``, ``fetch_channel_aggregate``,
``add_event_callback``, ``wait_for_channels_sync``, ``get_is_dda_online``, 0.4's
``publish_to_channel``, ``add_subscription``, ``get_channel_aggregate``…) with pydoover's
signatures and return shapes (:mod:`doover_fsm.agent.models`) on top of the agent primitives
(``get_aggregate``, ``update_aggregate``, ``add_listener``…), so the local SQLite agent, the
MQTT agent and the in-memory test agent all speak it.

Three names belong to both APIs: ``create_message``, ``update_message`` and ``list_messages``;
:mod:`doover_fsm.agent.shared_names` widens each agent's own to accept both forms.

Callbacks registered here (``add_event_callback``, ``add_subscription``) run on the event loop
that registered them, in arrival order; an app runtime may route them through its scan instead
by setting :attr:`DooverAgentAPI.doover_callback_runner`.

Thread-safety: as the agent's async methods (the event loop that started the agent).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, Generator, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from doover_fsm._util.maybe_async import Completed, call_maybe_async
from doover_fsm.agent.merge import KEY_RE, copy_json, diff_patch
from doover_fsm.agent.models import (
    KIND_FLAGS,
    Aggregate,
    EventSubscription,
    File,
    Message,
    NotFoundError,
    WireFormat,
)
from doover_fsm.errors import AgentError, ChannelMessageError

if TYPE_CHECKING:
    from doover_fsm.agent.base import ChannelEvent

log = logging.getLogger(__name__)

__all__ = ["QOS_AT_MOST_ONCE", "QOS_DEFAULT", "DooverAgentAPI", "awaitable_value", "check_files", "check_routing",
           "check_timestamp", "record_message", "validate_payload"]

#: pydoover's write QoS values (doover_fsm agents store every write durably either way).
QOS_AT_MOST_ONCE = 0
QOS_DEFAULT = 1

ThunkRunner = Callable[[Callable[[], Any]], None]


def validate_payload(channel: str, data: Any, *, what: str = "payload") -> None:
    """pydoover's rule for channel data: a dict, string keys of ``[a-zA-Z0-9_-]``, JSON values.

    Raises :class:`~doover_fsm.errors.ChannelMessageError` (a ``ValueError``, as pydoover
    raises) naming the channel and the path of the first bad key or value.
    """
    if not isinstance(data, dict):
        raise ChannelMessageError(f"channel {channel!r}: {what} must be a dict, got {type(data).__name__}")
    _check_tree(channel, data, "")


def _check_tree(channel: str, value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            where = path or "root"
            if not isinstance(key, str):
                raise ChannelMessageError(f"channel {channel!r}: keys must be strings, got "
                                          f"{type(key).__name__} ({key!r}) at '{where}'")
            if not KEY_RE.fullmatch(key):
                raise ChannelMessageError(f"channel {channel!r}: key {key!r} at '{where}' contains invalid "
                                          "characters (only a-z, A-Z, 0-9, hyphens and underscores)")
            _check_tree(channel, item, f"{path}.{key}" if path else key)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_tree(channel, item, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ChannelMessageError(f"channel {channel!r}: value at '{path}' is {value!r}; JSON has no NaN/Infinity")
    elif not (value is None or isinstance(value, (bool, int, float, str))):
        raise ChannelMessageError(f"channel {channel!r}: unsupported type {type(value).__name__} at '{path}' "
                                  "(allowed: dict, list, str, int, float, bool, None)")


def check_routing(channel: str, agent_id: Any, qos: Any) -> None:
    if agent_id is not None:
        raise AgentError(f"channel {channel!r}: agent_id={agent_id!r} (another agent's channel) is not "
                         "supported; doover_fsm agents reach their own device's channels")
    if qos not in (QOS_AT_MOST_ONCE, QOS_DEFAULT) or isinstance(qos, bool):
        raise ValueError(f"channel {channel!r}: qos must be 0 (at most once) or 1 (default), got {qos!r}")


def check_files(channel: str, files: Any) -> None:
    if files:
        raise NotImplementedError(f"channel {channel!r}: file attachments are not supported by doover_fsm agents")


def check_timestamp(channel: str, timestamp: Any) -> None:
    if timestamp is not None and not isinstance(timestamp, datetime):
        raise TypeError(f"channel {channel!r}: timestamp must be a datetime or None, got {type(timestamp).__name__}")


def _aggregate(data: Any, last_updated: float | None = None) -> Aggregate:
    when = datetime.fromtimestamp(last_updated, tz=UTC) if last_updated else None
    return Aggregate({} if data is None else data, [], when)


def record_message(record: Any) -> Message:
    """pydoover's Message from an agent's stored message record."""
    return Message(record.id, record.author, record.channel, record.data, [], ts=record.ts)


def _replace_subtrees(old: Any, data: dict[str, Any], paths: Iterable[str], channel: str) -> dict[str, Any]:
    """A merge-patch that sets ``data`` and makes each dotted ``path`` in it replace, not merge."""
    patch = copy_json(data)
    for path in paths:
        if not isinstance(path, str) or not path:
            raise ValueError(f"channel {channel!r}: replace_keys entries must be dotted key paths, got {path!r}")
        keys = path.split(".")
        new_node: Any = data
        old_node: Any = old
        for key in keys:
            new_node = new_node.get(key) if isinstance(new_node, dict) else None
            old_node = old_node.get(key) if isinstance(old_node, dict) else None
        if new_node is None:
            continue  # nothing given there: the merge already does what it says
        target = patch
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = diff_patch(old_node, new_node) if isinstance(old_node, dict) else copy_json(new_node)
    return patch


class _AwaitableDict(dict):  # type: ignore[type-arg]
    """A dict that ``await`` also accepts (giving a plain copy): what pydoover 0.4's maybe-async getters return."""

    def __await__(self) -> Generator[Any, None, dict[str, Any]]:
        return dict(self)
        yield  # pragma: no cover - makes this a generator


class _AwaitableList(list):  # type: ignore[type-arg]
    def __await__(self) -> Generator[Any, None, list[Any]]:
        return list(self)
        yield  # pragma: no cover


class _AwaitableStr(str):
    def __await__(self) -> Generator[Any, None, str]:
        return str(self)
        yield  # pragma: no cover


def awaitable_value(value: Any) -> Any:
    """``value`` usable both as it is and with ``await`` (sync and async callers of a 0.4 getter).

    Dicts, lists and strings come back as subclasses with ``__await__``; anything else as a
    :class:`~doover_fsm._util.maybe_async.Completed` (awaitable, truthy like the value).
    """
    if isinstance(value, dict):
        return _AwaitableDict(value)
    if isinstance(value, list):
        return _AwaitableList(value)
    if isinstance(value, str):
        return _AwaitableStr(value)
    return Completed(value)


class _Scheduled:
    """A write started from sync code: awaiting it waits for the result; it runs either way."""

    __slots__ = ("task",)

    def __init__(self, task: asyncio.Future[Any]) -> None:
        self.task = task

    def __await__(self) -> Generator[Any, None, Any]:
        return self.task.__await__()

    def __bool__(self) -> bool:
        return True


class DooverAgentAPI:
    """pydoover's ``DeviceAgentInterface`` methods over the :class:`Agent` primitives (see module doc)."""

    #: Where callbacks registered through pydoover's names run: ``runner(thunk)`` must call
    #: ``thunk()`` (and await what it returns) later on the app's loop. None: tasks on the loop.
    doover_callback_runner: ThunkRunner | None = None

    # Provided by Agent subclasses.
    if TYPE_CHECKING:
        agent_id: str

        @property
        def is_online(self) -> bool: ...
        def get_aggregate(self, channel: str) -> Any: ...
        def add_listener(self, channel: str, listener: Callable[[ChannelEvent], None]) -> Callable[[], None]: ...
        async def update_aggregate(self, channel: str, patch: Any, *, replace: bool = False,
                                   max_age_secs: float | None = None, author: str | None = None) -> Any: ...
        async def create_message(self, channel: str, data: Any, *, author: str | None = None) -> str: ...
        async def get_message(self, channel: str, message_id: str) -> Any: ...
        async def list_messages(self, channel: str, limit: int = 50) -> list[Any]: ...
        async def send_oneshot(self, channel: str, data: Any, *, author: str | None = None) -> None: ...

    # --- state -----------------------------------------------------------------------------------
    def doover_ready(self) -> bool:
        """Has the agent started (and not closed)? pydoover's "DDA available"."""
        return bool(getattr(self, "_started", True)) and not getattr(self, "_closed", False)

    def _doover_tasks(self) -> set[asyncio.Future[Any]]:
        tasks: set[asyncio.Future[Any]] | None = self.__dict__.get("_doover_tasks_set")
        if tasks is None:
            tasks = set()
            self.__dict__["_doover_tasks_set"] = tasks
        return tasks

    @staticmethod
    def has_persistent_connection() -> bool:
        """Always True for a device agent (pydoover's interop hook with the cloud API client)."""
        return True

    def get_is_dda_available(self) -> bool:
        """Is the agent up (started and not closed)?"""
        return self.is_dda_available

    def get_is_dda_online(self) -> bool:
        """Is the agent connected to the shared layer now (always, for the local agent)?"""
        return self.is_dda_online

    def get_has_dda_been_online(self) -> bool:
        """Has the agent been online at least once since it was created?"""
        return self.has_dda_been_online

    # pydoover's three status attributes. A test may assign them (pydoover's mock sets them in
    # its constructor); an assigned value wins until ``del agent.<name>``.
    def _override(self, name: str) -> bool | None:
        value: bool | None = self.__dict__.get("_doover_overrides", {}).get(name)
        return value

    def _set_override(self, name: str, value: Any) -> None:
        self.__dict__.setdefault("_doover_overrides", {})[name] = bool(value)

    def _del_override(self, name: str) -> None:
        self.__dict__.get("_doover_overrides", {}).pop(name, None)

    def _get_available(self) -> bool:
        forced = self._override("is_dda_available")
        return self.doover_ready() if forced is None else forced

    def _get_online(self) -> bool:
        forced = self._override("is_dda_online")
        online = bool(self.is_online) and self.doover_ready() if forced is None else forced
        if online:
            self.__dict__["_doover_been_online"] = True
        return online

    def _get_been_online(self) -> bool:
        forced = self._override("has_dda_been_online")
        if forced is not None:
            return forced
        return self._get_online() or bool(self.__dict__.get("_doover_been_online"))

    is_dda_available = property(_get_available, lambda self, v: self._set_override("is_dda_available", v),
                                lambda self: self._del_override("is_dda_available"),
                                "pydoover's attribute: the agent is up.")
    is_dda_online = property(_get_online, lambda self, v: self._set_override("is_dda_online", v),
                             lambda self: self._del_override("is_dda_online"),
                             "pydoover's attribute: the agent is online now.")
    has_dda_been_online = property(_get_been_online, lambda self, v: self._set_override("has_dda_been_online", v),
                                   lambda self: self._del_override("has_dda_been_online"),
                                   "pydoover's attribute: the agent has been online at least once.")

    async def wait_until_healthy(self, timeout: float = 10) -> bool:
        """Wait (up to ``timeout`` s) until the agent is up; True if it is."""
        return await self._wait_ready(timeout)

    async def _wait_ready(self, timeout: float, step: float = 0.05) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(timeout))
        while not self.doover_ready():
            if getattr(self, "_closed", False) or loop.time() >= deadline:
                return False
            await asyncio.sleep(step)
        return True

    def is_channel_synced(self, channel_name: str, agent_id: int | None = None) -> bool:
        """A doover_fsm agent serves every channel from its own up-to-date store once it is up."""
        check_routing(channel_name, agent_id, QOS_DEFAULT)
        return self.doover_ready()

    async def wait_for_channels_sync(self, channel_names: list[str], timeout: int = 5, inter_wait: float = 0.2,
                                     agent_id: int | None = None) -> bool:
        """Wait until every channel is in sync (i.e. the agent is up); False after ``timeout`` s."""
        for name in channel_names:
            check_routing(name, agent_id, QOS_DEFAULT)
        return await self._wait_ready(timeout, min(max(inter_wait, 0.001), 0.2))

    # --- callbacks -------------------------------------------------------------------------------
    def _run_soon(self, loop: asyncio.AbstractEventLoop | None, thunk: Callable[[], Any]) -> None:
        """Run ``thunk`` on the app's loop (or through ``doover_callback_runner``); called from any thread."""
        runner = self.doover_callback_runner
        if runner is not None:
            runner(thunk)
            return
        # Registered before a loop ran: the agent's own loop, else the loop of this (dispatching) thread.
        loop = loop or getattr(getattr(self, "_agent", self), "_loop", None) or self._loop_or_none()
        if loop is None or loop.is_closed():
            log.warning("agent %s: dropped a callback: no event loop to run it on", getattr(self, "agent_id", "?"))
            return
        loop.call_soon_threadsafe(self._start_thunk, thunk)

    def _start_thunk(self, thunk: Callable[[], Any]) -> None:
        try:
            result = thunk()
        except Exception:
            log.exception("agent %s: channel callback failed", getattr(self, "agent_id", "?"))
            return
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            task = asyncio.ensure_future(result)
            tasks = self._doover_tasks()
            tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        self._doover_tasks().discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("agent %s: channel callback failed", getattr(self, "agent_id", "?"),
                      exc_info=task.exception())

    @staticmethod
    def _loop_or_none() -> asyncio.AbstractEventLoop | None:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def add_event_callback(self, channel_name: str, callback: Callable[[Any], Awaitable[Any] | Any],
                           events: EventSubscription = EventSubscription.all,
                           wire_format: WireFormat = WireFormat.json_only, replay_missed_messages: bool = True,
                           agent_id: int | None = None) -> None:
        """Call ``callback(event)`` for each event of the ``events`` kinds on ``channel_name``.

        The event is a :class:`~doover_fsm.agent.base.ChannelEvent`, which reads as pydoover's
        ``MessageCreateEvent``/``AggregateUpdateEvent``/… (and passes their ``isinstance``). A
        ``ChannelSyncEvent`` with the current aggregate comes first. Several callbacks all fire.
        """
        if not callable(callback):
            raise TypeError(f"add_event_callback({channel_name!r}): callback is not callable")
        if not isinstance(events, EventSubscription):
            raise TypeError(f"add_event_callback({channel_name!r}): events must be an EventSubscription, "
                            f"got {events!r}")
        check_routing(channel_name, agent_id, QOS_DEFAULT)
        loop = self._loop_or_none()

        def listener(event: ChannelEvent) -> None:
            flag = KIND_FLAGS.get(event.kind)
            if flag is not None and flag in events:
                self._run_soon(loop, lambda: callback(event))

        self.add_listener(channel_name, listener)

    def add_subscription(self, channel_name: str, callback: Callable[[str, Any], Any]) -> None:
        """pydoover 0.4: call ``callback(channel_name, aggregate)`` now and after every aggregate change."""
        if not callable(callback):
            raise TypeError(f"add_subscription({channel_name!r}): callback is not callable")
        loop = self._loop_or_none()

        def listener(event: ChannelEvent) -> None:
            if event.kind in ("aggregate", "sync"):
                data = {} if event.data is None else copy_json(event.data)
                self._run_soon(loop, lambda: call_maybe_async(callback, str(event.channel), data))

        self.add_listener(channel_name, listener)

    # --- aggregates ------------------------------------------------------------------------------
    async def fetch_channel_aggregate(self, channel_name: str, agent_id: int | None = None) -> Aggregate:
        """The channel's aggregate (``data`` is ``{}`` for a channel nothing has written yet)."""
        check_routing(channel_name, agent_id, QOS_DEFAULT)
        return _aggregate(self.get_aggregate(channel_name))

    async def update_channel_aggregate(self, channel_name: str, data: dict[str, Any], files: list[File] | None = None,
                                       clear_attachments: bool = False, replace_data: bool = False,
                                       max_age_secs: float | None = None, return_aggregate: bool = True,
                                       replace_keys: list[str] | None = None, agent_id: int | None = None,
                                       qos: int = QOS_DEFAULT, *, author: str | None = None) -> Aggregate | None:
        """Deep merge-patch ``data`` into the aggregate (``None`` deletes a key), or replace it.

        ``replace_keys`` lists dotted paths whose subtree is replaced rather than merged, in the
        same write. Returns the new ``Aggregate`` (None with ``return_aggregate=False``).
        ``author`` (doover_fsm) names the writer in the change event (default: this agent).
        """
        validate_payload(channel_name, data)
        check_routing(channel_name, agent_id, qos)
        check_files(channel_name, files)
        patch: Any = data
        if replace_keys and not replace_data:
            patch = _replace_subtrees(self.get_aggregate(channel_name), data, replace_keys, channel_name)
        new = await self.update_aggregate(channel_name, patch, replace=replace_data, max_age_secs=max_age_secs,
                                          author=author)
        return _aggregate(new, datetime.now(tz=UTC).timestamp()) if return_aggregate else None

    def get_channel_aggregate(self, channel_name: str) -> Any:
        """pydoover 0.4: the aggregate's data (``{}`` if none), as a value that may also be awaited."""
        data = self.get_aggregate(channel_name)
        return awaitable_value({} if data is None else data)

    async def get_channel_aggregate_async(self, channel_name: str) -> Any:
        """pydoover 0.4: the aggregate's data (``{}`` if none)."""
        data = self.get_aggregate(channel_name)
        return {} if data is None else data

    # --- messages --------------------------------------------------------------------------------
    async def fetch_message(self, channel_name: str, message_id: Any, agent_id: int | None = None) -> Message:
        """One stored message; :class:`~doover_fsm.agent.models.NotFoundError` if there is none."""
        check_routing(channel_name, agent_id, QOS_DEFAULT)
        record = await self.get_message(channel_name, str(message_id))
        if record is None:
            raise NotFoundError(f"channel {channel_name!r} has no message {message_id!r}")
        return record_message(record)

    async def send_oneshot_message(self, channel_name: str, data: dict[str, Any], timestamp: datetime | None = None,
                                   agent_id: int | None = None, qos: int = QOS_DEFAULT, *,
                                   author: str | None = None) -> bool:
        """Deliver ``data`` to current listeners without storing it; True once delivered."""
        check_routing(channel_name, agent_id, qos)
        check_timestamp(channel_name, timestamp)
        await self.send_oneshot(channel_name, data, author=author)
        return True

    async def publish_to_channel_async(self, channel_name: str, message: dict[str, Any] | str,
                                       record_log: bool = True, max_age: int | None = None, *,
                                       author: str | None = None) -> bool:
        """pydoover 0.4: merge ``message`` into the channel's aggregate and (``record_log``) log it.

        A dict (or JSON text of one) is a merge-patch; any other string replaces the aggregate.
        ``max_age`` is the uplink batching hint (-1: now). Returns True once stored.
        """
        data: Any = message
        if isinstance(message, str):
            try:
                data = json.loads(message)
            except ValueError:
                data = message
            if not isinstance(data, dict):
                data = message  # JSON scalars stay the text the app sent
        elif not isinstance(message, dict):
            raise TypeError(f"publish_to_channel({channel_name!r}): message must be a dict or str, "
                            f"got {type(message).__name__}")
        max_age_secs = None if max_age is None else float(max_age)
        await self.update_aggregate(channel_name, data, replace=not isinstance(data, dict), max_age_secs=max_age_secs,
                                    author=author)
        if record_log:
            await self.create_message(channel_name, data, author=author)
        return True

    def publish_to_channel(self, channel_name: str, message: dict[str, Any] | str, record_log: bool = True,
                           max_age: int | None = None, *, author: str | None = None) -> Any:
        """pydoover 0.4 (sync or awaited): see :meth:`publish_to_channel_async`.

        Called without ``await`` from sync code on the app's loop, the write is started at once
        and runs to completion; awaiting the result waits for it (and returns True).
        """
        coro = self.publish_to_channel_async(channel_name, message, record_log, max_age, author=author)
        loop = self._loop_or_none()
        if loop is None:
            return asyncio.run(coro)
        task = asyncio.ensure_future(coro)
        tasks = self._doover_tasks()
        tasks.add(task)
        task.add_done_callback(self._task_done)
        return _Scheduled(task)

    # --- 0.4 availability ------------------------------------------------------------------------
    def await_dda_available(self, timeout: int = 10) -> Completed[bool]:
        """pydoover 0.4: is the agent up? (No waiting is needed: it is up once started.)"""
        return Completed(self.doover_ready())

    async def await_dda_available_async(self, timeout: int) -> bool:
        """pydoover 0.4: wait (up to ``timeout`` s) until the agent is up."""
        return await self._wait_ready(timeout)

    async def wait_for_channels_sync_async(self, channel_names: list[str], timeout: int = 5,
                                           inter_wait: float = 0.2) -> bool:
        """pydoover 0.4's name for :meth:`wait_for_channels_sync`."""
        return await self.wait_for_channels_sync(channel_names, timeout, inter_wait)
