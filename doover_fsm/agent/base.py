"""The agent interface: where channels (aggregates + messages) live.

The local SQLite agent (``doover_fsm.agent.local``) and the MQTT agent
(``doover_fsm.agent.mqtt``) implement it; the Application only talks to this interface.
Channel names and keys follow DESIGN §6 (``^[a-zA-Z0-9_-]+$``).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from doover_fsm.agent.doover_api import DooverAgentAPI
from doover_fsm.agent.models import Aggregate, ChannelID
from doover_fsm.agent.models import Message as DooverMessage
from doover_fsm.agent.shared_names import adapt_primitives

ChannelEventKind = Literal["message_create", "message_update", "oneshot", "aggregate", "sync"]


@dataclass(frozen=True, slots=True)
class Message:
    """One message on a channel. ``id`` is unique across the fleet; ``ts`` is unix seconds."""

    channel: str
    id: str
    data: Any
    ts: float
    author: str | None = None


_MESSAGE_KINDS = ("message_create", "message_update", "oneshot")


@dataclass(frozen=True, slots=True)
class ChannelEvent:
    """Something changed on a channel the app listens to.

    ``data`` is the message data (message kinds) or the whole aggregate after the update
    (``aggregate``/``sync``); ``patch`` is the merge-patch that was applied (``aggregate``);
    ``author`` is the agent/app that wrote it, so an app can ignore its own echoes.

    It also reads as pydoover's event objects (``MessageCreateEvent``, ``OneShotMessage``,
    ``MessageUpdateEvent``, ``AggregateUpdateEvent``, ``ChannelSyncEvent``, which ``isinstance``
    recognises by ``kind``): ``event.channel.name``, ``event.message.data``/``.id``,
    ``event.aggregate.data``, ``event.request_data``, ``event.author_id``.
    """

    kind: ChannelEventKind
    channel: str
    data: Any
    message_id: str | None = None
    patch: Any = None
    author: str | None = None
    ts: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.channel, ChannelID):
            object.__setattr__(self, "channel", ChannelID(None, self.channel))

    # --- pydoover's event attributes -------------------------------------------------------------
    @property
    def channel_id(self) -> ChannelID:
        """The channel as pydoover's ``ChannelID`` (``event.channel`` is the same object)."""
        channel = self.channel
        return channel if isinstance(channel, ChannelID) else ChannelID(None, channel)

    @property
    def channel_name(self) -> str:
        """The channel's name as a plain string."""
        return str(self.channel)

    @property
    def author_id(self) -> str | None:
        """pydoover's name for ``author``."""
        return self.author

    @property
    def organisation_id(self) -> None:
        """pydoover carries the cloud organisation; a device-local event has none."""
        return None

    @property
    def message(self) -> DooverMessage:
        """The message (message kinds only), as pydoover's ``Message``."""
        if self.kind not in _MESSAGE_KINDS:
            raise AttributeError(f"a {self.kind!r} event on {self.channel_name!r} has no message")
        return DooverMessage(self.message_id, self.author, self.channel_id, self.data, [], ts=self.ts)

    @property
    def aggregate(self) -> Aggregate:
        """The whole aggregate after the change (``aggregate``/``sync`` only), as pydoover's ``Aggregate``."""
        if self.kind not in ("aggregate", "sync"):
            raise AttributeError(f"a {self.kind!r} event on {self.channel_name!r} has no aggregate")
        data = self.data if self.data is not None else {}
        return Aggregate(data, [], datetime.fromtimestamp(self.ts, tz=UTC) if self.ts else None)

    @property
    def request_data(self) -> Any:
        """What the writer sent: the merge-patch (an ``Aggregate`` for aggregate updates, as pydoover)."""
        if self.kind == "aggregate":
            return Aggregate(self.patch if self.patch is not None else {}, [], None)
        if self.kind == "message_update":
            return self.patch if self.patch is not None else {}
        raise AttributeError(f"a {self.kind!r} event on {self.channel_name!r} has no request_data")

    def to_dict(self) -> dict[str, Any]:
        """The pydoover event's dict form for this kind."""
        out: dict[str, Any] = {"channel": self.channel_id.to_dict()}
        if self.kind in _MESSAGE_KINDS:
            out["message"] = self.message.to_dict()
            if self.kind == "message_update":
                out.update(author_id=self.author, organisation_id=None, request_data=self.request_data)
        else:
            out["aggregate"] = self.aggregate.to_dict()
            if self.kind == "aggregate":
                out.update(author_id=self.author, organisation_id=None, request_data=self.request_data.to_dict())
        return out


Listener = Callable[[ChannelEvent], None]


@dataclass(frozen=True, slots=True)
class AgentStats:
    """Snapshot of an agent (see ``Agent.statistics()``)."""

    online: bool
    aggregates_written: int
    messages_written: int
    events_delivered: int
    outbox_depth: int = 0
    errors: int = 0


class Agent(DooverAgentAPI, abc.ABC):
    """Channels with aggregates and messages, and subscriptions to them.

    Reads of aggregates are answered from a local cache (sync, never block the scan); writes
    are async and durable once awaited. Listeners may be called from any thread and must only
    post events (the Application posts them to its EventQueue).

    Every agent also speaks pydoover's ``DeviceAgentInterface`` (see
    :mod:`doover_fsm.agent.doover_api`): ``update_channel_aggregate``, ``fetch_channel_aggregate``,
    ``add_event_callback``, 0.4's ``publish_to_channel``… ``create_message``, ``update_message``
    and ``list_messages`` are shared by both APIs: a subclass writes doover_fsm's form and
    :func:`~doover_fsm.agent.shared_names.adapt_primitives` widens it to accept pydoover's too.
    """

    #: A unique id for this agent instance (written as ``author``).
    agent_id: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        adapt_primitives(cls)

    @abc.abstractmethod
    async def start(self) -> None:
        """Open the store / connect. Idempotent."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Flush everything accepted so far, then release resources. Idempotent."""

    @property
    @abc.abstractmethod
    def is_online(self) -> bool:
        """True while connected to the shared layer (always True for the local agent)."""

    @abc.abstractmethod
    def add_listener(self, channel: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every change on ``channel``; returns an unsubscribe function.

        Several listeners per channel all fire. A ``sync`` event with the current aggregate is
        delivered soon after subscribing.
        """

    @abc.abstractmethod
    def get_aggregate(self, channel: str) -> Any:
        """The current aggregate of ``channel`` from the local cache (None if none)."""

    @abc.abstractmethod
    async def update_aggregate(
        self,
        channel: str,
        patch: Any,
        *,
        replace: bool = False,
        max_age_secs: float | None = None,
        author: str | None = None,
    ) -> Any:
        """Deep merge-patch (``None`` deletes) or replace the aggregate; return the new state."""

    @abc.abstractmethod
    async def create_message(self, channel: str, data: Any, *, author: str | None = None) -> str:
        """Append a message; return its id."""

    async def update_aggregate_and_log(self, channel: str, patch: Any, messages: list[Any], *,
                                       author: str | None = None) -> None:
        """Merge ``patch`` into the aggregate and append ``messages``, all or nothing where the
        store allows it (a tag commit and its logged points: a crash must not keep one without the
        other). This default writes them one after the other; the local store overrides it."""
        if patch:
            await self.update_aggregate(channel, patch, author=author)
        for data in messages:
            await self.create_message(channel, data, author=author)

    @abc.abstractmethod
    async def update_message(
        self, channel: str, message_id: str, data: Any, *, replace: bool = False,
        author: str | None = None,
    ) -> None:
        """Merge-patch (or replace) the data of an existing message."""

    @abc.abstractmethod
    async def get_message(self, channel: str, message_id: str) -> Message | None:
        """One message, or None."""

    @abc.abstractmethod
    async def list_messages(self, channel: str, limit: int = 50) -> list[Message]:
        """The newest ``limit`` messages, oldest first."""

    @abc.abstractmethod
    async def send_oneshot(self, channel: str, data: Any, *, author: str | None = None) -> None:
        """Deliver a message to current listeners without storing it."""

    def on_connection_change(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``callback(online)`` whenever ``is_online`` changes; returns an unsubscribe function.

        The app turns these into ``agent_online``/``agent_offline`` events. Called from an agent
        thread (post events only). Agents that are always online never call it (this default).
        """
        return lambda: None

    def poll(self) -> None:
        """Pick up changes made by other processes; called once per scan. Must be cheap."""

    @abc.abstractmethod
    def statistics(self) -> AgentStats:
        """Counters for diagnostics."""
