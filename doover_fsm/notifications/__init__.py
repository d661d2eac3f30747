"""Declared notifications (pydoover 1.18's ``pydoover.notifications``).

An app declares the notifications it can send, as it declares tags, config and UI::

    class MyNotifications(notifications.Notifications):
        low_battery = notifications.Notification("The battery is low", severity="warn")

    class MyApp(Application):
        notifications_cls = MyNotifications

    # in the app:  await self.notifications.low_battery.send()   (or .send("Battery at 10.2 V"))

Each one is sent on its canonical topic ``dev/applications/<policy>/<app_key>/<event>``, and the
set exports a ``notification_schema`` the Doover site offers per-notification opt-outs from.
"""

from doover_fsm.app.notifications import NotificationPolicy, NotificationSeverity, NotificationTopic
from doover_fsm.notifications.declare import Notification
from doover_fsm.notifications.notificationset import BoundNotification, Notifications

__all__ = [
    "BoundNotification", "Notification", "NotificationPolicy", "NotificationSeverity", "NotificationTopic",
    "Notifications",
]
