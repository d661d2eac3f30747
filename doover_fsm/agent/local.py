"""The local agent: channels (aggregates + messages) in one SQLite file on the device.

Everything an app writes survives a restart and a ``kill -9`` (see ``_sqlite`` for the
durability choice). Aggregates are read from an in-memory cache, so ``get_aggregate`` never
touches the disk and never blocks the scan. Writes go to one writer thread (group commit,
submission order kept); the awaited call returns once the write is committed.

Other processes (the ``doover-fsm`` CLI, another app) may write to the same file; a running
agent picks their changes up in :meth:`LocalAgent.poll`, which the app calls once per scan: one
``PRAGMA data_version`` (microseconds) and, only if something changed, one indexed read of the
change log. Aggregate merges always happen against the stored state inside a write
transaction, so two processes patching different keys never lose each other's keys.

``max_age_secs`` (as in pydoover's ``update_channel_aggregate``) is how long the agent may
hold an update before sending it to the shared layer (Doover's DDA batches cloud uplinks this
way). The local agent has no shared layer: the update is stored and delivered at once, and the
argument is only validated.

One-shot messages are never stored as messages: they go to this process's listeners at once
and, through the change log, to listeners in other processes sharing the file (a one-shot sent
while nobody listens is gone, as in Doover).
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from doover_fsm.agent import _sqlite as db
from doover_fsm.agent._listeners import ListenerRegistry
from doover_fsm.agent.base import Agent, AgentStats, ChannelEvent, Listener, Message
from doover_fsm.agent.ids import new_message_id
from doover_fsm.agent.merge import copy_json, loads, validate_aggregate_patch, validate_channel, validate_json
from doover_fsm.agent.wellknown import check_message, check_message_patch
from doover_fsm.clock import Clock, MonotonicClock
from doover_fsm.errors import AgentError, ChannelMessageError

log = logging.getLogger(__name__)

__all__ = ["LocalAgent", "check_max_age"]


def check_max_age(channel: str, max_age_secs: float | None) -> None:
    """Validate ``max_age_secs``: None or a finite number; 0 or less (pydoover passes -1) means now."""
    if max_age_secs is None:
        return
    if isinstance(max_age_secs, bool) or not isinstance(max_age_secs, (int, float)) \
            or not math.isfinite(max_age_secs):
        raise ChannelMessageError(
            f"channel {channel!r}: max_age_secs must be None or a finite number of seconds, got {max_age_secs!r}")


class LocalAgent(Agent):
    """Channels in a local SQLite file, shared with other processes on the same device.

    Thread-safety: ``get_aggregate``, ``add_listener``, ``is_online`` and ``statistics`` are
    thread-safe; the async methods belong to the event loop that called :meth:`start`;
    ``poll`` is meant for that loop's thread (it is serialised by a lock anyway). Listeners
    are called from the writer thread (this agent's own writes) or from the thread calling
    ``poll`` (other processes' writes) and must only post events.
    """

    def __init__(self, db_path: str | Path, *, agent_id: str | None = None, clock: Clock | None = None,
                 durability: db.Durability = "process") -> None:
        self.db_path = Path(db_path)
        self.agent_id = agent_id or f"local-{uuid.uuid4().hex[:12]}"
        self._clock: Clock = clock or MonotonicClock()
        self._durability: db.Durability = durability
        self._writer = db.SqliteWriter(self.db_path, durability, name=f"dfsm-store-{self.agent_id}")
        self._listeners = ListenerRegistry()
        self._cache_lock = threading.Lock()
        self._cache: dict[str, tuple[int, Any]] = {}  # channel -> (change seq, data)
        self._poll_lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None
        self._data_version = -1
        self._last_seq = 0
        self._pending_sync: list[tuple[str, Listener]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._closed = False
        self._aggregates_written = 0
        self._messages_written = 0
        self._errors = 0
        self._writes_since_prune = 0

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        if self._closed:
            raise AgentError(f"agent {self.agent_id!r}: cannot start after close()")
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._open)
        self._started = True
        # Deliver syncs requested before start (add_listener may be called first).
        with self._poll_lock:
            pending, self._pending_sync = self._pending_sync, []
        for channel, listener in pending:
            self._loop.call_soon(self._deliver_sync, channel, listener)

    def _open(self) -> None:
        self._writer.start()
        reader = db.connect(self.db_path, self._durability)
        with self._cache_lock:
            for channel, data, seq in reader.execute("SELECT channel, data, seq FROM aggregates"):
                self._cache[channel] = (int(seq), loads(data))
        self._last_seq = db.max_change_seq(reader)
        self._data_version = reader.execute("PRAGMA data_version").fetchone()[0]
        self._reader = reader

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._writer.close)
        with self._poll_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    @property
    def is_online(self) -> bool:
        return True

    # --- reads -----------------------------------------------------------------------------------
    def get_aggregate(self, channel: str) -> Any:
        with self._cache_lock:
            entry = self._cache.get(channel)
        return None if entry is None else copy_json(entry[1])

    async def get_message(self, channel: str, message_id: str) -> Message | None:
        validate_channel(channel)
        row = await self._read(lambda c: db.get_message(c, channel, message_id))
        return None if row is None else Message(channel, message_id, row[0], row[1], row[2])

    async def list_messages(self, channel: str, limit: int = 50) -> list[Message]:
        validate_channel(channel)
        rows = await self._read(lambda c: db.list_messages(c, channel, limit))
        return [Message(channel, mid, data, ts, author) for mid, data, ts, author in rows]

    async def _read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        # Reads run on the writer thread too: they then see every write accepted before them.
        self._require_started()
        return await asyncio.wrap_future(self._writer.submit(fn))

    # --- subscriptions ---------------------------------------------------------------------------
    def add_listener(self, channel: str, listener: Listener) -> Callable[[], None]:
        validate_channel(channel)
        unsubscribe = self._listeners.add(channel, listener)
        loop = self._loop
        if self._started and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._deliver_sync, channel, listener)
        else:
            with self._poll_lock:
                self._pending_sync.append((channel, listener))
        return unsubscribe

    def _deliver_sync(self, channel: str, listener: Listener) -> None:
        with self._cache_lock:
            entry = self._cache.get(channel)
        data = None if entry is None else copy_json(entry[1])
        self._listeners.dispatch(
            ChannelEvent("sync", channel, data, author=None, ts=self._clock.time()), only=listener)

    def poll(self) -> None:
        """Deliver changes committed by other processes since the last poll. Cheap when idle."""
        with self._poll_lock:
            reader = self._reader
            if reader is None:
                return
            try:
                version = reader.execute("PRAGMA data_version").fetchone()[0]
                if version == self._data_version:
                    return
                self._data_version = version
                changes = db.read_changes(reader, self._last_seq, limit=-1)  # -1: no limit
            except sqlite3.Error as exc:
                self._errors += 1
                log.error("agent %s: poll of %s failed: %s", self.agent_id, self.db_path, exc)
                return
            if changes:
                self._last_seq = changes[-1].seq
        for ch in changes:
            if ch.origin == self.agent_id:
                continue  # our own write: already delivered when it committed
            self._apply_foreign(ch)

    def _apply_foreign(self, ch: db.Change) -> None:
        if ch.kind == "aggregate":
            with self._cache_lock:
                cur = self._cache.get(ch.channel)
                if cur is None or cur[0] < ch.seq:
                    self._cache[ch.channel] = (ch.seq, ch.data)
            event = ChannelEvent("aggregate", ch.channel, copy_json(ch.data), patch=ch.patch,
                                 author=ch.author, ts=ch.ts, extra=dict(ch.extra))
        elif ch.kind in ("message_create", "message_update", "oneshot"):
            event = ChannelEvent(ch.kind, ch.channel, ch.data, message_id=ch.message_id,  # type: ignore[arg-type]
                                 patch=ch.patch, author=ch.author, ts=ch.ts, extra=dict(ch.extra))
        else:
            log.warning("agent %s: unknown change kind %r in %s", self.agent_id, ch.kind, self.db_path)
            return
        self._listeners.dispatch(event)

    # --- writes ----------------------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self._started or self._closed:
            state = "closed" if self._closed else "not started (await agent.start() first)"
            raise AgentError(f"agent {self.agent_id!r} on {str(self.db_path)!r} is {state}")

    async def _write(self, fn: Callable[[sqlite3.Connection], Any],
                     on_commit: Callable[[Any], None]) -> Any:
        self._require_started()
        self._writes_since_prune += 1
        if self._writes_since_prune >= 1000:
            self._writes_since_prune = 0
            now = self._clock.time()
            self._writer.submit(lambda c: db.prune_changes(c, now))
        try:
            return await asyncio.wrap_future(self._writer.submit(fn, on_commit))
        except ChannelMessageError:
            raise
        except AgentError:
            self._errors += 1
            raise

    async def update_aggregate(self, channel: str, patch: Any, *, replace: bool = False,
                               max_age_secs: float | None = None, author: str | None = None) -> Any:
        validate_aggregate_patch(channel, patch)
        check_max_age(channel, max_age_secs)
        author = author or self.agent_id
        ts = self._clock.time()
        patch = copy_json(patch)

        def job(conn: sqlite3.Connection) -> tuple[Any, int]:
            return db.op_update_aggregate(conn, channel, patch, replace=replace, author=author,
                                          origin=self.agent_id, ts=ts)

        def committed(result: tuple[Any, int]) -> None:
            new, seq = result
            with self._cache_lock:
                cur = self._cache.get(channel)
                if cur is None or cur[0] < seq:
                    self._cache[channel] = (seq, new)
            self._aggregates_written += 1
            self._listeners.dispatch(ChannelEvent(
                "aggregate", channel, copy_json(new), patch=copy_json(patch), author=author, ts=ts,
                extra={"replace": True} if replace else {}))

        new, _seq = await self._write(job, committed)
        return copy_json(new)

    async def create_message(self, channel: str, data: Any, *, author: str | None = None) -> str:
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        check_message(channel, data)
        author = author or self.agent_id
        ts = self._clock.time()
        data = copy_json(data)
        message_id = new_message_id()

        def job(conn: sqlite3.Connection) -> int:
            return db.op_create_message(conn, channel, message_id, data, author=author,
                                        origin=self.agent_id, ts=ts)

        def committed(_seq: int) -> None:
            self._messages_written += 1
            self._listeners.dispatch(ChannelEvent("message_create", channel, copy_json(data),
                                                  message_id=message_id, author=author, ts=ts))

        await self._write(job, committed)
        return message_id

    async def update_aggregate_and_log(self, channel: str, patch: Any, messages: list[Any], *,
                                       author: str | None = None) -> None:
        """One transaction: the aggregate patch and the messages commit together or not at all."""
        if patch:
            validate_aggregate_patch(channel, patch)
        for data in messages:
            validate_json(channel, data, check_keys=False)
        author = author or self.agent_id
        ts = self._clock.time()
        patch = copy_json(patch) if patch else None
        batch = [(new_message_id(), copy_json(data)) for data in messages]

        def job(conn: sqlite3.Connection) -> tuple[Any, int] | None:
            result = None
            if patch:
                result = db.op_update_aggregate(conn, channel, patch, replace=False, author=author,
                                                origin=self.agent_id, ts=ts)
            for message_id, data in batch:
                db.op_create_message(conn, channel, message_id, data, author=author, origin=self.agent_id, ts=ts)
            return result

        def committed(result: tuple[Any, int] | None) -> None:
            if result is not None:
                new, seq = result
                with self._cache_lock:
                    cur = self._cache.get(channel)
                    if cur is None or cur[0] < seq:
                        self._cache[channel] = (seq, new)
                self._aggregates_written += 1
                self._listeners.dispatch(ChannelEvent("aggregate", channel, copy_json(new), patch=copy_json(patch),
                                                      author=author, ts=ts))
            for message_id, data in batch:
                self._messages_written += 1
                self._listeners.dispatch(ChannelEvent("message_create", channel, copy_json(data),
                                                      message_id=message_id, author=author, ts=ts))

        await self._write(job, committed)

    async def update_message(self, channel: str, message_id: str, data: Any, *, replace: bool = False,
                             author: str | None = None) -> None:
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        check_message_patch(channel, data, replace=replace)
        author = author or self.agent_id
        ts = self._clock.time()
        patch = copy_json(data)

        def job(conn: sqlite3.Connection) -> tuple[Any, int]:
            return db.op_update_message(conn, channel, message_id, patch, replace=replace, author=author,
                                        origin=self.agent_id, ts=ts)

        def committed(result: tuple[Any, int]) -> None:
            self._messages_written += 1
            self._listeners.dispatch(ChannelEvent(
                "message_update", channel, copy_json(result[0]), message_id=message_id,
                patch=copy_json(patch), author=author, ts=ts, extra={"replace": True} if replace else {}))

        await self._write(job, committed)

    async def send_oneshot(self, channel: str, data: Any, *, author: str | None = None) -> None:
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        check_message(channel, data)
        author = author or self.agent_id
        ts = self._clock.time()
        data = copy_json(data)
        self._listeners.dispatch(ChannelEvent("oneshot", channel, copy_json(data), author=author, ts=ts))
        # Other processes sharing the file see it through the change log (never as a message).
        await self._write(lambda c: db.op_oneshot(c, channel, data, author=author, origin=self.agent_id,
                                                  ts=ts), lambda _r: None)

    def statistics(self) -> AgentStats:
        return AgentStats(
            online=True,
            aggregates_written=self._aggregates_written,
            messages_written=self._messages_written,
            events_delivered=self._listeners.delivered,
            outbox_depth=0,
            errors=self._errors + self._listeners.errors + self._writer.errors,
        )
