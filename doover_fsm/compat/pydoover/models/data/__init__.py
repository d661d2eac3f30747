"""``pydoover.models.data`` (where pydoover defines its model classes), answered by doover_fsm."""

from doover_fsm.agent.models import ConnectionDisplay
from doover_fsm.compat.pydoover.models import (
    Aggregate,
    AggregateUpdateEvent,
    Attachment,
    BadRequestError,
    ChannelID,
    ChannelSyncEvent,
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
    MessageCreateEvent,
    MessageUpdateEvent,
    NotFoundError,
    Notification,
    NotificationPolicy,
    NotificationSeverity,
    NotificationTopic,
    OneShotMessage,
    TokenRefreshError,
    UnauthorizedError,
    WireFormat,
)

__all__ = [
    "Aggregate", "AggregateUpdateEvent", "Attachment", "BadRequestError", "ChannelID", "ChannelSyncEvent",
    "ConnectionConfig", "ConnectionDetermination", "ConnectionDisplay", "ConnectionStatus", "ConnectionType",
    "DooverAPIError", "EventSubscription", "File", "ForbiddenError", "HTTPError", "Message", "MessageCreateEvent",
    "MessageUpdateEvent", "NotFoundError", "Notification", "NotificationPolicy", "NotificationSeverity",
    "NotificationTopic", "OneShotMessage", "TokenRefreshError", "UnauthorizedError", "WireFormat",
]
