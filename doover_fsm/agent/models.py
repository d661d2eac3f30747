"""pydoover's channel data shapes: ``ChannelID``, ``Aggregate``, ``Message``, attachments, errors.

These are the objects pydoover's ``DeviceAgentInterface`` returns (``fetch_channel_aggregate`` →
``Aggregate``, ``update_message`` → ``Message``…), with pydoover's constructors, attributes and
``to_dict``/``from_dict`` forms, so app code and app tests written against pydoover keep working.
doover_fsm's own runtime records (:class:`doover_fsm.agent.base.Message`,
:class:`~doover_fsm.agent.base.ChannelEvent`) stay as they are; agents convert at the boundary.

One deliberate difference: message ids are doover_fsm's 26-character ULID strings (unique and
time-ordered, like Doover's integer snowflakes); ``Message`` keeps an id as given.

Thread-safety: plain value objects; not synchronised (share them read-only).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from doover_fsm.errors import AgentError

__all__ = [
    "Aggregate",
    "Attachment",
    "BadRequestError",
    "ChannelID",
    "ConnectionConfig",
    "ConnectionDetermination",
    "ConnectionDisplay",
    "ConnectionStatus",
    "ConnectionType",
    "DooverAPIError",
    "EventSubscription",
    "File",
    "ForbiddenError",
    "HTTPError",
    "Message",
    "NotFoundError",
    "TokenRefreshError",
    "UnauthorizedError",
    "WireFormat",
    "subscription_kinds",
    "ulid_time",
]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid_time(message_id: object) -> datetime | None:
    """The creation time encoded in a doover_fsm message id (None if it is not one)."""
    if not isinstance(message_id, str) or len(message_id) != 26:
        return None
    ms = 0
    for ch in message_id[:10]:
        digit = _CROCKFORD.find(ch.upper())
        if digit < 0:
            return None
        ms = ms * 32 + digit
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms_to_datetime(ms: float | None) -> datetime | None:
    return None if not ms else datetime.fromtimestamp(ms / 1000.0, tz=UTC)


class ChannelID(str):
    """A channel name that also answers pydoover's ``ChannelID`` attributes (``.name``, ``.agent_id``).

    It *is* the name (a ``str``, equal to and hashed like the plain name), so doover_fsm code
    compares it with strings while pydoover code reads ``event.channel.name``. pydoover's
    constructor order ``ChannelID(agent_id, name)``; ``agent_id`` is None for this device's own
    channels.
    """

    agent_id: int | None

    def __new__(cls, agent_id: int | None, name: str) -> ChannelID:
        if not isinstance(name, str):
            raise TypeError(f"ChannelID: name must be a str, got {type(name).__name__}")
        self = super().__new__(cls, name)
        self.agent_id = None if agent_id is None else int(agent_id)
        return self

    @property
    def name(self) -> str:
        """The channel name as a plain string (pydoover's ``ChannelID.name``)."""
        return str.__str__(self)

    def to_dict(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChannelID:
        return cls(data.get("agent_id"), data["name"])

    def __reduce__(self) -> tuple[Any, ...]:
        return (ChannelID, (self.agent_id, self.name))

    def __repr__(self) -> str:
        # An own channel reads as its plain name (log lines, ChannelEvent reprs).
        if self.agent_id is None:
            return repr(self.name)
        return f"ChannelID(agent_id={self.agent_id!r}, name={self.name!r})"


class Attachment:
    """A file attached to a message or aggregate, by URL (pydoover's ``Attachment``)."""

    def __init__(self, filename: str, content_type: str | None, size: int, url: str) -> None:
        self.filename = filename
        self.content_type = content_type
        self.size = int(size)
        self.url = url

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Attachment:
        return cls(payload["filename"], payload.get("content_type"), payload["size"], payload["url"])

    def to_dict(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size, "url": self.url}

    def __repr__(self) -> str:
        return f"Attachment(filename={self.filename!r}, size={self.size}, url={self.url!r})"


class File:
    """File bytes to attach to a message (pydoover's ``File``)."""

    def __init__(self, filename: str, content_type: str, size: int, data: bytes) -> None:
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.data = data

    def __repr__(self) -> str:
        return f"File(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size})"


class Aggregate:
    """A channel's aggregate: ``data``, ``attachments`` and ``last_updated`` (pydoover's ``Aggregate``)."""

    def __init__(self, data: Any, attachments: list[Attachment], last_updated: datetime | None) -> None:
        self.data: Any = data
        self.attachments = attachments
        self.last_updated = last_updated

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Aggregate:
        return cls(payload["data"], [Attachment.from_dict(a) for a in payload.get("attachments", [])],
                   _ms_to_datetime(payload.get("last_updated")))

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "attachments": [a.to_dict() for a in self.attachments],
            "last_updated": self.last_updated and self.last_updated.timestamp() * 1000,
        }

    def __repr__(self) -> str:
        return f"Aggregate(data={self.data!r}, last_updated={self.last_updated!r})"


class Message:
    """A channel message as pydoover shapes it: ``id``, ``author_id``, ``channel``, ``data``, ``attachments``.

    ``id`` is a doover_fsm message id (a ULID string) or whatever the caller passed; pydoover
    ints are accepted as well. ``timestamp`` comes from ``ts`` (unix seconds) when known, else
    from the id.
    """

    def __init__(self, id: Any, author_id: Any, channel: ChannelID | str, data: Any,
                 attachments: list[Attachment] | None = None, *, ts: float | None = None) -> None:
        self.id = id if isinstance(id, str) or id is None else int(id)
        self.author_id = author_id
        self.channel = channel if isinstance(channel, ChannelID) else ChannelID(None, channel)
        self.data = data
        self.attachments = list(attachments or [])
        self._ts = ts

    @property
    def author(self) -> Any:
        """doover_fsm's name for ``author_id``."""
        return self.author_id

    @property
    def ts(self) -> float | None:
        """Creation time in unix seconds (doover_fsm's name), if known."""
        when = self.timestamp
        return self._ts if self._ts else (None if when is None else when.timestamp())

    @property
    def timestamp(self) -> datetime | None:
        """When the message was created (UTC)."""
        if self._ts:
            return datetime.fromtimestamp(self._ts, tz=UTC)
        if isinstance(self.id, int):
            from doover_fsm.utils.snowflake import get_datetime_from_snowflake

            return get_datetime_from_snowflake(self.id)
        return ulid_time(self.id)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        channel = data["channel"]
        return cls(data["id"], data["author_id"],
                   ChannelID.from_dict(channel) if isinstance(channel, dict) else channel,
                   data["data"], [Attachment.from_dict(d) for d in data.get("attachments", [])])

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author_id": self.author_id,
            "channel": self.channel.to_dict(),
            "data": self.data,
            "attachments": [a.to_dict() for a in self.attachments],
        }

    def __repr__(self) -> str:
        return f"Message(id={self.id!r}, channel={self.channel.name!r}, data={self.data!r})"


class EventSubscription(enum.Flag):
    """Which channel events a callback wants (pydoover's flags; combine with ``|``)."""

    message_create = enum.auto()
    message_update = enum.auto()
    aggregate_update = enum.auto()
    oneshot_message = enum.auto()
    channel_sync = enum.auto()
    all = message_create | message_update | aggregate_update | oneshot_message | channel_sync


#: ChannelEvent.kind → the EventSubscription flag that selects it.
KIND_FLAGS: dict[str, EventSubscription] = {
    "message_create": EventSubscription.message_create,
    "message_update": EventSubscription.message_update,
    "aggregate": EventSubscription.aggregate_update,
    "oneshot": EventSubscription.oneshot_message,
    "sync": EventSubscription.channel_sync,
}


def subscription_kinds(events: EventSubscription) -> frozenset[str]:
    """The :class:`~doover_fsm.agent.base.ChannelEvent` kinds an ``EventSubscription`` selects."""
    if not isinstance(events, EventSubscription):
        raise TypeError(f"expected an EventSubscription (e.g. EventSubscription.message_create), got {events!r}")
    return frozenset(kind for kind, flag in KIND_FLAGS.items() if flag in events)


class WireFormat(enum.IntEnum):
    """pydoover's requested payload encoding; doover_fsm agents always deliver decoded JSON."""

    both = 0
    json_only = 1
    struct_only = 2


# --- errors ------------------------------------------------------------------------------------
class DooverAPIError(AgentError):
    """pydoover's base error for agent/API failures (also a doover_fsm ``AgentError``)."""


class HTTPError(DooverAPIError):
    """An error with an HTTP-like status (pydoover's ``HTTPError``)."""

    def __init__(self, status: int, message: str, url: str = "") -> None:
        self.status = status
        self.url = url
        super().__init__(f"HTTP {status} on {url}: {message}")


class NotFoundError(HTTPError):
    """The channel or message does not exist (404)."""

    def __init__(self, message: str = "Not found", url: str = "") -> None:
        super().__init__(404, message, url)


class ForbiddenError(HTTPError):
    """Access denied (403)."""

    def __init__(self, message: str = "Forbidden", url: str = "") -> None:
        super().__init__(403, message, url)


class BadRequestError(HTTPError):
    """Bad request (400)."""

    def __init__(self, message: str = "Bad request", url: str = "") -> None:
        super().__init__(400, message, url)


class UnauthorizedError(HTTPError):
    """Authentication failed (401)."""

    def __init__(self, message: str = "Unauthorized", url: str = "") -> None:
        super().__init__(401, message, url)


class TokenRefreshError(DooverAPIError):
    """Failed to refresh an access token."""


# --- the doover_connection channel's config ------------------------------------------------------
class ConnectionDetermination(enum.Enum):
    online = "Online"
    offline = "Offline"


class ConnectionStatus(enum.Enum):
    continuous_online = "ContinuousOnline"
    continuous_online_no_ping = "ContinuousOnlineNoPing"
    continuous_offline = "ContinuousOffline"
    continuous_pending = "ContinuousPending"
    periodic_unknown = "PeriodicUnknown"
    unknown = "Unknown"


class ConnectionType(enum.Enum):
    """How the device connects (written to ``doover_connection``)."""

    continuous = "Continuous"
    periodic_continuous = "PeriodicContinuous"
    periodic = "Periodic"

    @classmethod
    def from_v1(cls, data: str) -> ConnectionType:
        """Doover 1.0's spelling (``constant``, ``periodic``, ``periodic_continuous``)."""
        mapping = {"constant": cls.continuous, "continuous": cls.continuous, "periodic": cls.periodic,
                   "periodic_continuous": cls.periodic_continuous}
        try:
            return mapping[data]
        except (KeyError, TypeError):
            raise ValueError(f"Unknown connection type: {data}") from None


class ConnectionDisplay(enum.Enum):
    always = "Always"
    online_only = "OnlineOnly"
    offline_only = "OfflineOnly"
    never = "Never"


class ConnectionConfig:
    """The device's connection expectations, as the ``doover_connection`` channel carries them."""

    def __init__(self, connection_type: ConnectionType | None, expected_interval: float | None = None,
                 offline_after: float | None = None, sleep_time: float | None = None,
                 next_wake_time: float | None = None, display: ConnectionDisplay | None = None) -> None:
        self.connection_type = connection_type
        self.expected_interval = expected_interval
        self.offline_after = offline_after
        self.sleep_time = sleep_time
        self.next_wake_time = next_wake_time
        self.display = display

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConnectionConfig:
        ctype, display = data.get("connection_type"), data.get("display")
        return cls(ctype and ConnectionType(ctype), data.get("expected_interval"), data.get("offline_after"),
                   data.get("sleep_time"), data.get("next_wake_time"), display and ConnectionDisplay(display))

    @classmethod
    def from_v1(cls, data: dict[str, Any]) -> ConnectionConfig:
        period = data.get("connectionPeriod")
        return cls(ConnectionType.from_v1(data["connectionType"]), period, data.get("offlineAfter"), period, None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "connection_type": self.connection_type and self.connection_type.value,
            "expected_interval": self.expected_interval,
            "offline_after": self.offline_after,
            "sleep_time": self.sleep_time,
            "next_wake_time": self.next_wake_time,
        }
        if self.display is not None:
            out["display"] = self.display.value
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectionConfig) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value
