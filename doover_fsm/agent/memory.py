"""An in-memory agent: channels that live in one process and vanish with it (tests, test mode).

Same semantics as the local SQLite agent (deep merge-patches, ``None`` deletes, time-ordered
message ids, a ``sync`` event after subscribing, one-shots never stored) without a file, a
thread or the network. Listeners are called on the caller's thread as each write completes.
``set_online()`` simulates the agent going offline and back (connection callbacks fire).

Thread-safety: not thread-safe; use it from one event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from doover_fsm.agent._listeners import ListenerRegistry
from doover_fsm.agent.base import Agent, AgentStats, ChannelEvent, Listener, Message
from doover_fsm.agent.ids import new_message_id
from doover_fsm.agent.local import check_max_age
from doover_fsm.agent.merge import copy_json, merge_patch, validate_aggregate_patch, validate_channel, validate_json
from doover_fsm.clock import Clock, MonotonicClock
from doover_fsm.errors import AgentError, ChannelMessageError

__all__ = ["MemoryAgent"]


class MemoryAgent(Agent):
    """Channels in a dict (see module doc). ``aggregates``/``messages`` are readable for tests."""

    def __init__(self, *, agent_id: str | None = None, clock: Clock | None = None, started: bool = False) -> None:
        self.agent_id = agent_id or f"memory-{uuid.uuid4().hex[:12]}"
        self._clock: Clock = clock or MonotonicClock()
        self._listeners = ListenerRegistry()
        self.aggregates: dict[str, Any] = {}
        self.last_updated: dict[str, float] = {}
        self.messages: dict[str, dict[str, Message]] = {}
        self._online = True
        self._online_callbacks: list[Callable[[bool], None]] = []
        self._pending_sync: list[tuple[str, Listener]] = []
        self._started = started  # True: usable at once, no ``await start()`` (pydoover's mock is)
        self._closed = False
        self._aggregates_written = 0
        self._messages_written = 0

    async def start(self) -> None:
        if self._started:
            return
        if self._closed:
            raise AgentError(f"agent {self.agent_id!r}: cannot start after close()")
        self._started = True
        pending, self._pending_sync = self._pending_sync, []
        for channel, listener in pending:
            self._deliver_sync(channel, listener)

    async def close(self) -> None:
        self._closed = True

    @property
    def is_online(self) -> bool:
        return self._online

    def set_online(self, online: bool) -> None:
        """Simulate a connection change; ``on_connection_change`` callbacks fire if it changed."""
        online = bool(online)
        if online == self._online:
            return
        self._online = online
        for callback in list(self._online_callbacks):
            callback(online)

    def on_connection_change(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        self._online_callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._online_callbacks:
                self._online_callbacks.remove(callback)

        return unsubscribe

    # --- reads -----------------------------------------------------------------------------------
    def get_aggregate(self, channel: str) -> Any:
        return copy_json(self.aggregates.get(channel))

    async def get_message(self, channel: str, message_id: str) -> Message | None:
        validate_channel(channel)
        msg = self.messages.get(channel, {}).get(message_id)
        return None if msg is None else Message(channel, msg.id, copy_json(msg.data), msg.ts, msg.author)

    async def list_messages(self, channel: str, limit: int = 50) -> list[Message]:
        validate_channel(channel)
        stored = list(self.messages.get(channel, {}).values())
        chosen = stored[-limit:] if limit > 0 else []
        return [Message(channel, m.id, copy_json(m.data), m.ts, m.author) for m in chosen]

    # --- subscriptions ---------------------------------------------------------------------------
    def add_listener(self, channel: str, listener: Listener) -> Callable[[], None]:
        validate_channel(channel)
        unsubscribe = self._listeners.add(channel, listener)
        if not self._started:
            self._pending_sync.append((channel, listener))
        else:
            try:
                asyncio.get_running_loop().call_soon(self._deliver_sync, channel, listener)
            except RuntimeError:  # no loop (a sync test): deliver now
                self._deliver_sync(channel, listener)
        return unsubscribe

    def _deliver_sync(self, channel: str, listener: Listener) -> None:
        self._listeners.dispatch(ChannelEvent("sync", channel, self.get_aggregate(channel), ts=self._clock.time()),
                                 only=listener)

    # --- writes ----------------------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self._started or self._closed:
            state = "closed" if self._closed else "not started (await agent.start() first)"
            raise AgentError(f"agent {self.agent_id!r} is {state}")

    def write_aggregate(self, channel: str, patch: Any, *, replace: bool = False, author: str | None = None) -> Any:
        """Apply an aggregate update now, without ``await`` (test seeding); returns the new state."""
        validate_aggregate_patch(channel, patch)
        author = author or self.agent_id
        ts = self._clock.time()
        new = merge_patch(None if replace else self.aggregates.get(channel), patch)
        self.aggregates[channel] = new
        self.last_updated[channel] = ts
        self._aggregates_written += 1
        self._listeners.dispatch(ChannelEvent("aggregate", channel, copy_json(new), patch=copy_json(patch),
                                              author=author, ts=ts, extra={"replace": True} if replace else {}))
        return copy_json(new)

    async def update_aggregate(self, channel: str, patch: Any, *, replace: bool = False,
                               max_age_secs: float | None = None, author: str | None = None) -> Any:
        self._require_started()
        check_max_age(channel, max_age_secs)
        return self.write_aggregate(channel, patch, replace=replace, author=author)

    async def create_message(self, channel: str, data: Any, *, author: str | None = None) -> str:
        self._require_started()
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        author, ts, mid = author or self.agent_id, self._clock.time(), new_message_id()
        self.messages.setdefault(channel, {})[mid] = Message(channel, mid, copy_json(data), ts, author)
        self._messages_written += 1
        self._listeners.dispatch(ChannelEvent("message_create", channel, copy_json(data), message_id=mid,
                                              author=author, ts=ts))
        return mid

    async def update_message(self, channel: str, message_id: str, data: Any, *, replace: bool = False,
                             author: str | None = None) -> None:
        self._require_started()
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        stored = self.messages.get(channel, {}).get(message_id)
        if stored is None:
            raise ChannelMessageError(f"channel {channel!r}: no message with id {message_id!r} to update")
        author, ts = author or self.agent_id, self._clock.time()
        new = merge_patch(None if replace else stored.data, data)
        self.messages[channel][message_id] = Message(channel, message_id, new, stored.ts, stored.author)
        self._messages_written += 1
        self._listeners.dispatch(ChannelEvent("message_update", channel, copy_json(new), message_id=message_id,
                                              patch=copy_json(data), author=author, ts=ts,
                                              extra={"replace": True} if replace else {}))

    async def send_oneshot(self, channel: str, data: Any, *, author: str | None = None) -> None:
        self._require_started()
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        self._listeners.dispatch(ChannelEvent("oneshot", channel, copy_json(data), author=author or self.agent_id,
                                              ts=self._clock.time()))

    def statistics(self) -> AgentStats:
        return AgentStats(online=self._online, aggregates_written=self._aggregates_written,
                          messages_written=self._messages_written, events_delivered=self._listeners.delivered,
                          errors=self._listeners.errors)
