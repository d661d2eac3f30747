"""Notification severities and the message written to the ``notifications`` channel (DESIGN §6)."""

from __future__ import annotations

import enum
from typing import Any


class NotificationSeverity(enum.IntEnum):
    """Doover's severities (the wire carries the integer)."""

    TRACE = 3
    DEBUG = 4
    INFO = 5
    WARN = 6
    CRITICAL = 7


def parse_severity(severity: NotificationSeverity | int | str) -> NotificationSeverity:
    """Accept the enum, its integer, or its name (``"warn"``, ``"Warning"``, ``"critical"``)."""
    if isinstance(severity, NotificationSeverity):
        return severity
    if isinstance(severity, bool):
        raise ValueError(f"notification severity must be 3..7 or a name, got {severity!r}")
    if isinstance(severity, int):
        try:
            return NotificationSeverity(severity)
        except ValueError:
            raise ValueError(f"notification severity must be 3..7 (Trace..Critical), got {severity}") from None
    if isinstance(severity, str):
        name = severity.strip().upper()
        name = {"WARNING": "WARN", "ERROR": "CRITICAL"}.get(name, name)
        try:
            return NotificationSeverity[name]
        except KeyError:
            known = ", ".join(s.name.title() for s in NotificationSeverity)
            raise ValueError(f"unknown notification severity {severity!r} (known: {known})") from None
    raise TypeError(f"notification severity must be an int or a name, got {type(severity).__name__}")


def notification_message(app_key: str | None, message: str, severity: NotificationSeverity, title: str | None,
                         data: dict[str, Any] | None, ts: float) -> dict[str, Any]:
    """The message body posted on ``notifications``."""
    if not isinstance(message, str) or not message:
        raise ValueError("send_notification: message must be a non-empty string")
    body: dict[str, Any] = {"message": message, "severity": int(severity), "app_key": app_key, "ts": ts}
    if title:
        body["title"] = title
    if data:
        body["data"] = data
    return body
