"""Notification severities and the message written to the ``notifications`` channel (DESIGN §6)."""

from __future__ import annotations

import enum
import re
from typing import Any, cast


class NotificationSeverity(enum.IntEnum):
    """Doover's severities, with pydoover's member names (``Info``, ``Warn``…; the server matches names exactly).

    The upper-case spellings (``INFO``) are aliases of the same members. Looking a severity up
    by a string accepts any case and the usual near-misses (``"warning"``, ``"error"``).
    """

    Trace = 3
    Debug = 4
    Info = 5
    Warn = 6
    Critical = 7
    TRACE = 3
    DEBUG = 4
    INFO = 5
    WARN = 6
    CRITICAL = 7

    @property
    def wire(self) -> str:
        """The member name, which every server version accepts."""
        return self.name

    @classmethod
    def _missing_(cls, value: object) -> NotificationSeverity | None:
        if isinstance(value, str):
            key = value.strip().lower()
            for member in cls:
                if member.name.lower() == key:
                    return member
            alias = _SEVERITY_ALIASES.get(key)
            if alias is not None:
                return cls[alias]
            raise ValueError(f"{value!r} is not a valid {cls.__qualname__} — expected one of "
                             f"{', '.join(m.name for m in cls)}")
        return None


_SEVERITY_ALIASES = {"warning": "Warn", "error": "Critical", "err": "Critical", "fatal": "Critical",
                     "crit": "Critical"}


def parse_severity(severity: NotificationSeverity | int | str) -> NotificationSeverity:
    """Accept the enum, its integer, or its name (``"warn"``, ``"Warning"``, ``"critical"``)."""
    if isinstance(severity, NotificationSeverity):
        return severity
    if isinstance(severity, bool):
        raise ValueError(f"notification severity must be 3..7 or a name, got {severity!r}")
    if isinstance(severity, int):
        try:
            return NotificationSeverity(cast(Any, severity))
        except ValueError:
            raise ValueError(f"notification severity must be 3..7 (Trace..Critical), got {severity}") from None
    if isinstance(severity, str):
        try:
            return NotificationSeverity(cast(Any, severity))
        except ValueError:
            known = ", ".join(s.name for s in NotificationSeverity)
            raise ValueError(f"unknown notification severity {severity!r} (known: {known})") from None
    raise TypeError(f"notification severity must be an int or a name, got {type(severity).__name__}")


class NotificationPolicy(str, enum.Enum):  # noqa: UP042 - pydoover's base classes
    """Whether broad default notification subscriptions include an event."""

    default = "default"
    opt_in = "opt-in"


_TOPIC_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def validate_topic_segment(what: str, value: object) -> str:
    """``value`` if it can be one segment of a canonical topic (an app key or event name), else an error.

    Lower-case letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit: what the
    server and the Doover site anchor on.
    """
    if not isinstance(value, str):
        raise TypeError(f"notification topic {what} must be a str, got {type(value).__name__}: {value!r}")
    if not _TOPIC_SEGMENT.fullmatch(value):
        raise ValueError(f"notification topic {what} must match {_TOPIC_SEGMENT.pattern!r}, got {value!r}")
    return value


class NotificationTopic(str):
    """A canonical notification topic (a ``str``); ``application()`` builds ``dev/applications/…``."""

    @classmethod
    def application(cls, app_key: str, event: str,
                    policy: NotificationPolicy | str = NotificationPolicy.default) -> NotificationTopic:
        validate_topic_segment("app_key", app_key)
        validate_topic_segment("event", event)
        return cls(f"dev/applications/{NotificationPolicy(policy).value}/{app_key}/{event}")


class Notification:
    """The payload of a message on the ``notifications`` channel (pydoover's ``Notification``).

    Validated eagerly: the server turns a payload it cannot parse into an unreadable
    notification instead of rejecting it, so mistakes must fail in the app.
    """

    NOTIFICATIONS_CHANNEL: str = "notifications"

    def __init__(self, message: str, title: str | None = None,
                 severity: NotificationSeverity | str | int | None = None, topic: str | None = None) -> None:
        if not isinstance(message, str):
            raise TypeError(f"notification message must be a str, got {type(message).__name__}: {message!r}")
        if not message.strip():
            raise ValueError("notification message must not be empty")
        for what, value in (("title", title), ("topic", topic)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"notification {what} must be a str or None, got {type(value).__name__}: {value!r}")
        self.message = message
        self.title = title
        self.severity = None if severity is None else NotificationSeverity(cast(Any, severity))
        self.topic = topic

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notification:
        return cls(data["message"], data.get("title"), data.get("severity"), data.get("topic"))

    def to_dict(self) -> dict[str, Any]:
        """pydoover's body: ``message``, then ``title``/``severity`` (its integer)/``topic`` when set."""
        body: dict[str, Any] = {"message": self.message}
        if self.title is not None:
            body["title"] = self.title
        if self.severity is not None:
            body["severity"] = int(self.severity)
        if self.topic is not None:
            body["topic"] = str(self.topic)
        return body

    def __repr__(self) -> str:
        return (f"Notification(message={self.message!r}, title={self.title!r}, severity={self.severity!r}, "
                f"topic={self.topic!r})")


def build_notification(app_key: str | None, message: str | Notification, *, title: str | None = None,
                       severity: NotificationSeverity | int | str | None = None, topic: str | None = None,
                       event: str | None = None,
                       notification_policy: NotificationPolicy | str = NotificationPolicy.default) -> dict[str, Any]:
    """The ``notifications`` message body pydoover 1.18's ``Application.send_notification`` writes.

    ``event`` builds the canonical topic ``dev/applications/<policy>/<app_key>/<event>`` (it and
    ``topic`` exclude each other); a ready ``Notification`` is sent as it is.
    """
    if topic is not None and event is not None:
        raise ValueError("topic and event are mutually exclusive -- event builds the canonical topic for you.")
    if isinstance(message, Notification):
        return message.to_dict()
    if event is not None:
        if not app_key:
            raise RuntimeError("the app key is not set, so a notification event topic cannot be built")
        topic = NotificationTopic.application(app_key, event, notification_policy)
    return Notification(message=message, title=title, severity=severity, topic=topic).to_dict()
