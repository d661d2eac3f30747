"""``pydoover.notifications``, answered by doover_fsm (the names pydoover 1.18 exports)."""

from doover_fsm.app.notifications import NotificationTopic as NotificationTopic  # in pydoover's namespace too
from doover_fsm.notifications import (
    BoundNotification,
    Notification,
    NotificationPolicy,
    Notifications,
    NotificationSeverity,
)

__all__ = ("BoundNotification", "Notification", "NotificationPolicy", "NotificationSeverity", "Notifications")
