"""``Notification``: one notification an app declares it can send (pydoover 1.18's declaration).

A declaration is a template: its message, severity, title and policy are what a send uses when
not given its own, and it describes itself in the app's notification schema. It cannot send by
itself; the app's ``Notifications`` instance binds it (see :mod:`.notificationset`).

Not thread-safe; declarations are made once, at class creation.
"""

from __future__ import annotations

from typing import Any, NoReturn, cast

from doover_fsm.app.notifications import NotificationPolicy, NotificationSeverity, validate_topic_segment


def humanise(name: str) -> str:
    """The display name an undeclared one defaults to: ``low_battery`` -> ``Low battery``."""
    return name.replace("_", " ").replace("-", " ").strip().capitalize()


def _optional_str(what: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"notification {what} must be a str or None, got {type(value).__name__}: {value!r}")
    return value


class Notification:
    """One declared notification: a class attribute of a ``Notifications`` subclass.

    ``message`` is the default body; ``display_name`` (default: the humanised event name) and
    ``description`` label it in the Doover site's picker; ``severity`` (default ``Info``) and
    ``title`` are what a send uses unless given its own; ``policy`` (``default`` or ``opt_in``)
    is part of the topic; ``name`` is the event name (default: the attribute name).
    """

    def __init__(
        self,
        message: str,
        *,
        display_name: str | None = None,
        description: str | None = None,
        severity: NotificationSeverity | str | int = NotificationSeverity.Info,
        title: str | None = None,
        policy: NotificationPolicy | str = NotificationPolicy.default,
        name: str | None = None,
    ) -> None:
        if not isinstance(message, str) or not message.strip():
            raise ValueError(f"notification message must be a non-empty str, got {message!r}")
        self.message = message
        self.severity = NotificationSeverity(cast(Any, severity))  # by member, int or name (any case)
        self.policy = NotificationPolicy(policy)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"notification topic name must be a str, got {type(name).__name__}: {name!r}")
        # An empty name means "the attribute name", as in pydoover.
        self.name: str | None = validate_topic_segment("name", name) if name else None
        # Checked now (pydoover takes anything): a wrong title would otherwise only fail at the
        # first send, on a device in the field, and a wrong label would reach the schema.
        self.display_name = _optional_str("display_name", display_name)
        self.description = _optional_str("description", description)
        self.title = _optional_str("title", title)
        #: The attribute it was last declared under (set by ``Notifications`` at class creation).
        self._declared_attr_name: str | None = None

    def __repr__(self) -> str:
        return f"Notification(name={self.name!r}, severity={self.severity!r}, policy={self.policy!r})"

    def to_schema(self) -> dict[str, Any]:
        """This notification's entry in the app's notification schema (no topic: it needs the install key)."""
        return schema_entry(self, self.name or self._declared_attr_name or "")

    async def send(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Always an error: a declaration is sent through the app (``self.notifications.<name>.send()``)."""
        del args, kwargs
        raise RuntimeError("Declared Notification definitions are not sendable. "
                           "Send notifications through a Notifications instance.")


def schema_entry(template: Notification, event: str) -> dict[str, Any]:
    """The schema entry of ``template`` declared under the event name ``event``.

    Not read from the template: one template may be declared under two names.
    """
    entry: dict[str, Any] = {
        "event": event,
        "display_name": template.display_name or humanise(event),
        "message": template.message,
        "severity": template.severity.wire,
        "policy": template.policy.value,
    }
    if template.description is not None:
        entry["description"] = template.description
    if template.title is not None:
        entry["title"] = template.title
    return entry
