"""The shapes of Doover's well-known channels, checked where writes are accepted.

One accepted write must never break the apps that read a channel: ``channel patch tag_values 5``
used to replace every app's tags with ``5`` (and every app then failed to start). The store
therefore checks each write to a well-known channel against that channel's shape (DESIGN §6):

* ``tag_values`` aggregate: a JSON object ``{app_key: {tag: value}, global_tag: value}``; a key
  that holds an app's section (an object) may be merged into or deleted (``null``), never
  replaced by a non-object. Messages and one-shots (logged points, live values) are objects.
* ``deployment_config`` aggregate: an object; ``applications`` an object of app entries, each
  an object (the app's config).
* ``ui_state`` aggregate: an object; ``state`` an object. ``ui_cmds`` aggregate: an object;
  ``cmds`` an object. A ``ui_cmds`` message: an object; an ``rpc`` command (the default type)
  names a non-empty ``method`` string and, if it targets one app, an ``app_key`` string.
* Every well-known channel's aggregate is a JSON object.
* ``notifications`` message: an object with a non-empty ``message`` string; ``title`` and
  ``topic`` strings; ``severity`` one of Doover's severities (3..7, or its exact name, which is
  what the server matches).

A top-level ``null`` patch deletes an aggregate (merge-patch semantics) and is allowed. Every
error is a :class:`~doover_fsm.errors.ChannelMessageError` naming the channel, the app (when
the value is an app's) and the key, with the refused value. Other channels only need JSON.

The aggregate check looks at the keys the patch touches, so an app's per-scan tag commit costs
a few dict lookups. Thread-safety: pure functions, thread-safe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from doover_fsm.errors import ChannelMessageError

__all__ = [
    "SEVERITY_NAMES",
    "WELL_KNOWN",
    "check_aggregate_write",
    "check_message",
    "check_message_patch",
    "is_well_known",
]

TAG_VALUES = "tag_values"
DEPLOYMENT_CONFIG = "deployment_config"
UI_STATE = "ui_state"
UI_CMDS = "ui_cmds"
NOTIFICATIONS = "notifications"
WELL_KNOWN = frozenset({TAG_VALUES, DEPLOYMENT_CONFIG, UI_STATE, UI_CMDS, NOTIFICATIONS})
#: The severity names Doover's server matches (exactly) in a notification, by value.
SEVERITY_NAMES = {"Trace": 3, "Debug": 4, "Info": 5, "Warn": 6, "Critical": 7}

_SEVERITY_ALIASES = {"warning": "Warn", "error": "Critical", "err": "Critical", "fatal": "Critical"}
_MAX_SHOWN = 80


def is_well_known(channel: str) -> bool:
    """True for the channels whose writes are checked by shape."""
    return channel in WELL_KNOWN


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 3] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _refuse(channel: str, what: str, value: Any, *, app: str | None = None,
            key: str | None = None) -> ChannelMessageError:
    where = f"channel {channel!r}"
    if app is not None:
        where += f", app {app!r}"
    if key is not None:
        where += f", key {key!r}"
    shown = "null" if value is None else f"{_kind(value)} {_show(value)}"
    return ChannelMessageError(f"{where}: {what}, got {shown}; nothing was written")


# --- aggregates ---------------------------------------------------------------------------------
def check_aggregate_write(channel: str, current: Any, patch: Any, new: Any, *, replace: bool = False) -> None:
    """Refuse an aggregate write whose result ``new`` (``current`` merged with ``patch``) breaks
    ``channel``'s shape. Channels that are not well known pass (JSON is checked elsewhere)."""
    if new is None or channel not in WELL_KNOWN:
        return
    if type(new) is not dict:
        raise _refuse(channel, "the aggregate must be a JSON object", new)
    check = _AGGREGATE_CHECKS.get(channel)
    if check is not None:
        check(channel, current if type(current) is dict and not replace else {}, patch, new)


def _check_tag_values(channel: str, current: dict[str, Any], patch: Any, new: dict[str, Any]) -> None:
    if type(patch) is not dict:
        return  # a whole new object (replace): any top-level value may be a global tag
    for key, value in patch.items():
        if value is not None and type(value) is not dict and type(current.get(key)) is dict:
            raise _refuse(channel, "an app's tags are an object; set its tags inside it or delete it with "
                          "null", value, app=key)


def _check_deployment_config(channel: str, current: dict[str, Any], patch: Any, new: dict[str, Any]) -> None:
    apps = new.get("applications")
    if apps is None:
        return
    if type(apps) is not dict:
        raise _refuse(channel, "'applications' must be an object of app entries", apps, key="applications")
    touched = patch.get("applications") if type(patch) is dict else None
    names = touched.keys() if type(touched) is dict and type(current.get("applications")) is dict else apps.keys()
    for app_key in names:
        entry = apps.get(app_key)
        if entry is not None and type(entry) is not dict:
            raise _refuse(channel, "an app's deployment config must be an object", entry, app=app_key,
                          key=f"applications.{app_key}")


def _object_member(member: str) -> Callable[[str, dict[str, Any], Any, dict[str, Any]], None]:
    def check(channel: str, current: dict[str, Any], patch: Any, new: dict[str, Any]) -> None:
        value = new.get(member)
        if value is not None and type(value) is not dict:
            raise _refuse(channel, f"{member!r} must be an object", value, key=member)
    return check


_AGGREGATE_CHECKS: dict[str, Callable[[str, dict[str, Any], Any, dict[str, Any]], None]] = {
    TAG_VALUES: _check_tag_values,
    DEPLOYMENT_CONFIG: _check_deployment_config,
    UI_STATE: _object_member("state"),
    UI_CMDS: _object_member("cmds"),
}


# --- messages -----------------------------------------------------------------------------------
def check_message(channel: str, data: Any) -> None:
    """Refuse a new message (or one-shot, or a message's replacement) that breaks ``channel``'s shape."""
    if channel not in WELL_KNOWN:
        return
    if type(data) is not dict:
        raise _refuse(channel, "a message must be a JSON object", data)
    check = _MESSAGE_CHECKS.get(channel)
    if check is not None:
        check(channel, data)


def check_message_patch(channel: str, patch: Any, *, replace: bool) -> None:
    """Refuse a message update that would leave a well-known channel's message not an object.

    A merge of an object keeps the message an object (its ``status``/``response`` reply, say),
    so only replacements are checked in full."""
    if channel not in WELL_KNOWN:
        return
    if replace or type(patch) is not dict:
        check_message(channel, patch)


def _check_ui_cmd(channel: str, data: dict[str, Any]) -> None:
    kind = data.get("type", "rpc")
    if not isinstance(kind, str):
        raise _refuse(channel, "'type' must be a string such as 'rpc'", kind, key="type")
    app_key = data.get("app_key")
    if app_key is not None and not isinstance(app_key, str):
        raise _refuse(channel, "'app_key' must be a string", app_key, key="app_key")
    if kind != "rpc":
        return
    method = data.get("method")
    if not isinstance(method, str) or not method:
        raise _refuse(channel, "an rpc command needs a non-empty 'method' string", method, app=app_key,
                      key="method")


def _check_notification(channel: str, data: dict[str, Any]) -> None:
    app = data.get("app_key") if isinstance(data.get("app_key"), str) else None
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise _refuse(channel, "a notification needs a non-empty 'message' string", message, app=app, key="message")
    for key in ("title", "topic"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise _refuse(channel, f"{key!r} must be a string", value, app=app, key=key)
    severity = data.get("severity")
    if severity is None or (severity in SEVERITY_NAMES.values() and type(severity) is int):
        return
    if isinstance(severity, str):
        if severity in SEVERITY_NAMES:
            return
        lowered = severity.strip().lower()
        close = next((name for name in SEVERITY_NAMES if name.lower() == lowered), _SEVERITY_ALIASES.get(lowered))
        hint = f" (did you mean {close!r}? the server matches names exactly)" if close else ""
        raise _refuse(channel, f"'severity' must be one of {', '.join(SEVERITY_NAMES)} or 3..7{hint}", severity,
                      app=app, key="severity")
    raise _refuse(channel, f"'severity' must be one of {', '.join(SEVERITY_NAMES)} or 3..7", severity,
                  app=app, key="severity")


_MESSAGE_CHECKS: dict[str, Callable[[str, dict[str, Any]], None]] = {
    UI_CMDS: _check_ui_cmd,
    NOTIFICATIONS: _check_notification,
}
