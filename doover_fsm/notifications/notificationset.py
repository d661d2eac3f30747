"""``Notifications``: the set of notifications an app declares, and ``BoundNotification``, one that sends.

An app subclasses ``Notifications`` with ``Notification`` class attributes and names the class in
``Application.notifications_cls``; the app builds ``self.notifications = notifications_cls(app_key,
self)``. ``self.notifications.low_battery`` is then a :class:`BoundNotification` whose ``send()``
posts on the ``notifications`` channel through ``Application.send_notification``, on the
canonical topic ``dev/applications/<policy>/<app_key>/<event>``.

Declarations are checked at class creation (event names that cannot form a topic, two
declarations with one event name), so a mistake fails when the app is imported, not when a
device in the field first sends. Not thread-safe (the app's asyncio loop only).
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Iterator
from typing import Any, ClassVar, overload

from doover_fsm.app.notifications import NotificationSeverity, NotificationTopic, validate_topic_segment
from doover_fsm.notifications.declare import Notification, schema_entry


class DeclaredNotification:
    """A ``Notification`` as declared on a class: the class attribute that binds it on access."""

    def __init__(self, attr_name: str, template: Notification) -> None:
        self.attr_name = attr_name
        self.template = template

    @property
    def name(self) -> str:
        """The event name: the declaration's ``name=``, else the attribute name."""
        return self.template.name or self.attr_name

    @overload
    def __get__(self, instance: None, owner: type[Notifications]) -> Notification: ...

    @overload
    def __get__(self, instance: Notifications, owner: type[Notifications]) -> BoundNotification: ...

    def __get__(self, instance: Notifications | None, owner: type[Notifications]) -> Notification | BoundNotification:
        if instance is None:
            return self.template
        return BoundNotification(instance, self)


class BoundNotification:
    """A declared notification bound to a running app: ``await …send()`` posts it."""

    def __init__(self, owner: Notifications, declaration: DeclaredNotification) -> None:
        self._owner = owner
        self._declaration = declaration

    @property
    def template(self) -> Notification:
        """The declaration (its message, severity, title and policy are the send's defaults)."""
        return self._declaration.template

    @property
    def name(self) -> str:
        """The event name (last segment of the topic)."""
        return self._declaration.name

    @property
    def topic(self) -> NotificationTopic:
        """The canonical topic this notification is sent on."""
        return self._owner.topic_for(self.name)

    def __repr__(self) -> str:
        return f"BoundNotification(name={self.name!r})"

    async def send(self, message: str | None = None, *, title: str | None = None,
                   severity: NotificationSeverity | str | int | None = None, **kwargs: Any) -> Any:
        """Send it; every argument left out is the declaration's. Returns the message id.

        Other keywords go to ``Application.send_notification`` as they are.
        """
        template = self.template
        return await self._owner._send(
            message if message is not None else template.message,
            title=title if title is not None else template.title,
            severity=severity if severity is not None else template.severity,
            topic=self.topic,
            **kwargs,
        )


class Notifications:
    """Base class of an app's declared notifications (``Application.notifications_cls``).

    Subclasses declare ``Notification`` class attributes (inherited declarations included);
    an instance gives :class:`BoundNotification` proxies by attribute, ``[name]``, ``get()``
    and iteration, in declaration order.
    """

    __notification_declarations__: ClassVar[dict[str, DeclaredNotification]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declarations: dict[str, DeclaredNotification] = {}
        for base in reversed(cls.__mro__[1:]):
            declarations.update(getattr(base, "__notification_declarations__", {}))
        for attr_name, value in list(cls.__dict__.items()):
            if not isinstance(value, Notification):
                continue
            event = value.name or attr_name
            try:
                validate_topic_segment("name", event)
            except ValueError as exc:
                raise ValueError(f"{cls.__qualname__}.{attr_name}: {exc}") from None
            value._declared_attr_name = attr_name
            declaration = DeclaredNotification(attr_name, value)
            declarations[attr_name] = declaration
            setattr(cls, attr_name, declaration)

        seen: dict[str, str] = {}
        for attr_name, declaration in declarations.items():
            clash = seen.get(declaration.name)
            if clash is not None:
                raise ValueError(f"{cls.__qualname__}: Duplicate notification event name {declaration.name!r} "
                                 f"declared by both {clash!r} and {attr_name!r}.")
            seen[declaration.name] = attr_name
        cls.__notification_declarations__ = declarations

    def __init__(self, app_key: str | None = None, application: Any = None) -> None:
        """``application`` is what sends: any object with pydoover's ``send_notification``."""
        self.app_key = app_key
        self._application = application
        #: This instance's declarations by attribute name (a copy: ``setup()`` may change it).
        self._notification_declarations: dict[str, DeclaredNotification] = dict(
            type(self).__notification_declarations__)

    async def setup(self) -> None:
        """Override: change this notification set before it is used (run once, before the app's setup)."""

    def topic_for(self, name: str) -> NotificationTopic:
        """The canonical topic of the declared notification ``name`` (attribute or event name)."""
        declaration = self._find(name)
        if declaration is None:
            raise KeyError(f"No notification declared with name {name!r}")
        if not self.app_key:
            raise RuntimeError("Application key has not been set, so a notification topic cannot be built. "
                               "This is set from the APP_KEY environment variable by the device runtime, so "
                               "it is normally only missing in local development or tests.")
        return NotificationTopic.application(self.app_key, declaration.name, declaration.template.policy)

    async def _send(self, message: str, **kwargs: Any) -> Any:
        if self._application is None:
            raise RuntimeError("Notifications are not attached to an application, so nothing can be sent. "
                               "Access them as `self.notifications` from within your application.")
        return await self._application.send_notification(message, **kwargs)

    def _find(self, name: str) -> DeclaredNotification | None:
        declaration = self._notification_declarations.get(name)
        if declaration is not None:
            return declaration
        return next((d for d in self._notification_declarations.values() if d.name == name), None)

    def get(self, name: str) -> BoundNotification | None:
        """The bound notification ``name`` (attribute or event name), or ``None``."""
        declaration = self._find(name)
        return BoundNotification(self, declaration) if declaration else None

    def to_schema(self) -> dict[str, Any]:
        """The notification schema: each declaration's entry, keyed by event name."""
        return {d.name: schema_entry(d.template, d.name) for d in self._notification_declarations.values()}

    @classmethod
    def export(cls, fp: pathlib.Path | str | os.PathLike[str], app_name: str) -> None:
        """Write this schema as ``notification_schema`` of ``app_name`` in the ``doover_config.json`` at ``fp``.

        The file's other contents (``config_schema``, ``ui_schema``…) are kept.
        """
        path = pathlib.Path(fp)
        schema = cls().to_schema()
        data = json.loads(path.read_text()) if path.exists() else {}
        data.setdefault(app_name, {})["notification_schema"] = schema
        path.write_text(json.dumps(data, indent=4))

    def __iter__(self) -> Iterator[BoundNotification]:
        for declaration in self._notification_declarations.values():
            yield BoundNotification(self, declaration)

    def __len__(self) -> int:
        return len(self._notification_declarations)

    def __getitem__(self, item: str) -> BoundNotification:
        notification = self.get(item)
        if notification is None:
            raise KeyError(item)
        return notification

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._notification_declarations)})"
