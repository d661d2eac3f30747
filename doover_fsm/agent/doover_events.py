"""pydoover's channel event classes, as views of doover_fsm's one event type.

doover_fsm delivers every channel change as a :class:`~doover_fsm.agent.base.ChannelEvent`
(which already reads as a pydoover event: ``event.channel.name``, ``event.message.data``,
``event.aggregate.data``). These classes keep pydoover code working on top of that:

* ``isinstance(event, MessageCreateEvent)`` (and the others) is true for a ChannelEvent of the
  matching ``kind``; a one-shot is also a ``MessageCreateEvent``, as in pydoover;
* constructing one (``MessageCreateEvent(channel, message)``, as app tests do to drive their
  handlers) gives an object with pydoover's attributes, ``to_dict`` and ``from_dict``.

Thread-safety: plain value objects; not synchronised.
"""

from __future__ import annotations

from typing import Any

from doover_fsm.agent.base import ChannelEvent
from doover_fsm.agent.models import Aggregate, ChannelID, Message

__all__ = [
    "AggregateUpdateEvent",
    "ChannelSyncEvent",
    "MessageCreateEvent",
    "MessageUpdateEvent",
    "OneShotMessage",
]


class _KindView(type):
    """Metaclass: ``isinstance(channel_event, cls)`` holds when the event's kind is one of ``cls._kinds``."""

    _kinds: frozenset[str]

    def __instancecheck__(cls, instance: Any) -> bool:
        if isinstance(instance, ChannelEvent):
            return instance.kind in cls._kinds
        return type.__instancecheck__(cls, instance)


class MessageCreateEvent(metaclass=_KindView):
    """A message was created on a channel (pydoover's ``MessageCreateEvent``)."""

    _kinds = frozenset({"message_create", "oneshot"})

    def __init__(self, channel: ChannelID | str, message: Message) -> None:
        self.channel = channel if isinstance(channel, ChannelID) else ChannelID(None, channel)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel.to_dict(), "message": self.message.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MessageCreateEvent:
        message = Message.from_dict(data.get("message", data))
        return cls(message.channel, message)


class OneShotMessage(MessageCreateEvent):
    """A message delivered to listeners and never stored (pydoover's ``OneShotMessage``)."""

    _kinds = frozenset({"oneshot"})


class MessageUpdateEvent(metaclass=_KindView):
    """A stored message was changed (pydoover's ``MessageUpdateEvent``)."""

    _kinds = frozenset({"message_update"})

    def __init__(self, channel: ChannelID | str, author_id: Any, organisation_id: Any, message: Message,
                 request_data: dict[str, Any]) -> None:
        self.channel = channel if isinstance(channel, ChannelID) else ChannelID(None, channel)
        self.author_id = author_id
        self.organisation_id = organisation_id
        self.message = message
        self.request_data = request_data

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel.to_dict(), "author_id": self.author_id,
                "organisation_id": self.organisation_id, "message": self.message.to_dict(),
                "request_data": self.request_data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MessageUpdateEvent:
        return cls(ChannelID.from_dict(data["channel"]), data["author_id"], data.get("organisation_id"),
                   Message.from_dict(data["message"]), data.get("request_data", {}))


class AggregateUpdateEvent(metaclass=_KindView):
    """A channel's aggregate changed (pydoover's ``AggregateUpdateEvent``)."""

    _kinds = frozenset({"aggregate"})

    def __init__(self, author_id: Any, channel: ChannelID | str, aggregate: Aggregate, request_data: Aggregate,
                 organisation_id: Any) -> None:
        self.author_id = author_id
        self.channel = channel if isinstance(channel, ChannelID) else ChannelID(None, channel)
        self.aggregate = aggregate
        self.request_data = request_data
        self.organisation_id = organisation_id

    def to_dict(self) -> dict[str, Any]:
        return {"author_id": self.author_id, "channel": self.channel.to_dict(),
                "aggregate": self.aggregate.to_dict(), "request_data": self.request_data.to_dict(),
                "organisation_id": self.organisation_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AggregateUpdateEvent:
        return cls(data["author_id"], ChannelID.from_dict(data["channel"]), Aggregate.from_dict(data["aggregate"]),
                   Aggregate.from_dict(data["request_data"]), data["organisation_id"])


class ChannelSyncEvent(metaclass=_KindView):
    """A subscribed channel's current aggregate, delivered once on subscription (pydoover's ``ChannelSyncEvent``)."""

    _kinds = frozenset({"sync"})

    def __init__(self, aggregate: Aggregate) -> None:
        self.aggregate = aggregate
