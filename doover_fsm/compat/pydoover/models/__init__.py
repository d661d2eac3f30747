"""``pydoover.models``, answered by doover_fsm (channel data shapes, events, notifications, errors)."""

from doover_fsm.agent.doover_events import (
    AggregateUpdateEvent,
    ChannelSyncEvent,
    MessageCreateEvent,
    MessageUpdateEvent,
    OneShotMessage,
)
from doover_fsm.agent.models import (
    Aggregate,
    Attachment,
    BadRequestError,
    ChannelID,
    ConnectionConfig,
    ConnectionDetermination,
    ConnectionStatus,
    ConnectionType,
    DooverAPIError,
    EventSubscription,
    File,
    ForbiddenError,
    HTTPError,
    Message,
    NotFoundError,
    TokenRefreshError,
    UnauthorizedError,
    WireFormat,
)
from doover_fsm.app.notifications import Notification, NotificationPolicy, NotificationSeverity, NotificationTopic

__all__ = [
    "Aggregate", "AggregateUpdateEvent", "Attachment", "BadRequestError", "ChannelID", "ChannelSyncEvent",
    "ConnectionConfig", "ConnectionDetermination", "ConnectionStatus", "ConnectionType", "DooverAPIError",
    "EventSubscription", "File", "ForbiddenError", "HTTPError", "Message", "MessageCreateEvent",
    "MessageUpdateEvent", "NotFoundError", "Notification", "NotificationPolicy", "NotificationSeverity",
    "NotificationTopic", "OneShotMessage", "TokenRefreshError", "UnauthorizedError", "WireFormat",
]
