"""Tag declarations, as pydoover 1.18 writes them: ``ready = Boolean(default=False)`` on a ``Tags`` class.

A :class:`Tag` is shared by the class (``MyTags.ready`` is the :class:`Tag`, so
``MyTags.ready.live`` reads its options): its type, default, name, ``log_on`` triggers and
``live`` flag. A declaration is not a value; :mod:`doover_fsm.tags.tagset` binds declarations
to a tag manager (``Tags`` instances, ``BoundTag``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NoReturn

from doover_fsm._util.maybe_async import Completed
from doover_fsm.tags.triggers import (
    NUMERIC_TRIGGERS,
    STATE_TRIGGERS,
    NotSet,
    _LogTrigger,
    evaluate_all,
    normalise_log_on,
    triggers_for,
)

if TYPE_CHECKING:
    from doover_fsm.tags.tagset import Tags, _DeclaredTag

__all__ = ["KEY_RE", "Array", "Boolean", "BoundTag", "Integer", "Number", "Object", "RemoteTag", "String", "Tag",
           "Tags", "coerce_read"]

KEY_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
_DONE: Completed[None] = Completed(None)
_NUMERIC = frozenset({"number", "integer", "float"})


def coerce_read(value: Any, tag_type: str) -> Any:
    """A stored value as its declared type reads it: JSON's ``3.0`` for an integer is 3, booleans are bool."""
    if value is None or value is NotSet:
        return value
    if tag_type == "integer" and type(value) is float and value.is_integer():
        return int(value)
    if tag_type == "boolean" and type(value) is not bool:
        return bool(value)
    return value


class Tag:
    """Declaration of one tag: its type, default, name, log triggers and live flag.

    ``Tag("number", default=0.0, live=True, log_on=Rise(80))``. ``tag_type`` is kept as given
    (``"number"``, ``"integer"``, ``"boolean"``, ``"string"``, ``"object"``, ``"array"``…);
    ``log_on=`` takes numeric triggers for number/integer/float tags and state triggers for
    boolean/string tags. A declaration is not a value: reading or writing it raises.
    """

    def __init__(
        self,
        tag_type: str,
        default: Any = NotSet,
        name: str | None = None,
        log_on: _LogTrigger | list[_LogTrigger] | None = None,
        live: bool = False,
    ):
        if not isinstance(tag_type, str):
            raise TypeError(f"Tag: tag_type must be a str such as 'number', got {tag_type!r}")
        if name is not None and (not isinstance(name, str) or not KEY_RE.match(name)):
            raise ValueError(f"Tag: name {name!r} must match {KEY_RE.pattern}")
        self.tag_type = tag_type
        self.name = name
        self.default = default
        #: Republish the value as a one-shot message each scan while a user watches it live.
        self.live = live
        self._declared_attr_name: str | None = None
        self.log_on: list[_LogTrigger] = (
            [] if log_on is None else normalise_log_on(log_on, triggers_for(tag_type), type(self).__name__)
        )

    @property
    def key(self) -> str | None:
        """The name the tag is stored under: ``name=`` if given, else its attribute name."""
        return self.name or self._declared_attr_name

    def to_dict(self) -> dict[str, Any]:
        """The declaration as pydoover's schema dict: type, default (if any), live (if set)."""
        out: dict[str, Any] = {"type": self.tag_type}
        if self.default is not NotSet:
            out["default"] = self.default
        if self.live:
            out["live"] = True
        return out

    def to_schema(self) -> dict[str, Any]:
        """Same as :meth:`to_dict`."""
        return self.to_dict()

    def __repr__(self) -> str:
        return f"Tag(name={self.name!r}, tag_type={self.tag_type!r}, default={self.default!r})"

    def _resolve_target(self, tags: Tags, declaration: _DeclaredTag) -> tuple[str | None, str]:
        """``(app_key, tag name)`` that reads and writes of this declaration go to."""
        return tags.app_key, declaration.name

    def _evaluate_log_trigger(self, prev: Any, new: Any, state: dict[str, Any]) -> bool:
        return evaluate_all(self.log_on, prev, new, state) if self.log_on else False

    # A declaration is not a runtime value (as in pydoover): say so instead of misbehaving.
    def _not_a_value(self) -> NoReturn:
        raise RuntimeError(
            "Declared Tag definitions are not runtime values. Access tags through a Tags instance."
        )

    @property
    def value(self) -> Any:
        self._not_a_value()

    def get(self) -> Any:
        self._not_a_value()

    def set(self, value: Any, log: bool = False) -> Any:
        self._not_a_value()

    def delete(self, log: bool = False) -> Any:
        self._not_a_value()

    def clear(self) -> Any:
        self._not_a_value()

    def is_set(self) -> bool:
        self._not_a_value()

    def increment(self, amount: int | float = 1, log: bool = False) -> Any:
        self._not_a_value()

    def decrement(self, amount: int | float = 1, log: bool = False) -> Any:
        self._not_a_value()

    def __str__(self) -> str:
        self._not_a_value()

    def __bool__(self) -> bool:
        self._not_a_value()

    def __int__(self) -> int:
        self._not_a_value()

    def __float__(self) -> float:
        self._not_a_value()

    def __lt__(self, other: Any) -> bool:
        self._not_a_value()

    def __le__(self, other: Any) -> bool:
        self._not_a_value()

    def __gt__(self, other: Any) -> bool:
        self._not_a_value()

    def __ge__(self, other: Any) -> bool:
        self._not_a_value()


class _Typed(Tag):
    _TYPE = "any"
    _ALLOWED_TRIGGERS: tuple[type, ...] = ()

    def __init__(self, *, default: Any = NotSet, name: str | None = None,
                 log_on: _LogTrigger | list[_LogTrigger] | None = None, live: bool = False):
        super().__init__(self._TYPE, default=default, name=name, live=live)
        self.log_on = normalise_log_on(log_on, self._ALLOWED_TRIGGERS, type(self).__name__)


class Number(_Typed):
    """A numeric tag; ``log_on`` takes :class:`Cross`, :class:`Rise`, :class:`Fall`, :class:`Delta`."""

    _TYPE = "number"
    _ALLOWED_TRIGGERS = NUMERIC_TRIGGERS

    def __init__(self, *, default: Any = NotSet, name: str | None = None,
                 log_on: _LogTrigger | list[_LogTrigger] | None = None, live: bool = False):
        super().__init__(default=default, name=name, log_on=log_on, live=live)


class Boolean(_Typed):
    """A boolean tag; ``log_on`` takes :class:`AnyChange`, :class:`Enter`, :class:`Exit`."""

    _TYPE = "boolean"
    _ALLOWED_TRIGGERS = STATE_TRIGGERS

    def __init__(self, *, default: Any = NotSet, name: str | None = None,
                 log_on: _LogTrigger | list[_LogTrigger] | None = None, live: bool = False):
        super().__init__(default=default, name=name, log_on=log_on, live=live)


class String(_Typed):
    """A string tag; ``log_on`` takes :class:`AnyChange`, :class:`Enter`, :class:`Exit`."""

    _TYPE = "string"
    _ALLOWED_TRIGGERS = STATE_TRIGGERS

    def __init__(self, *, default: Any = NotSet, name: str | None = None,
                 log_on: _LogTrigger | list[_LogTrigger] | None = None, live: bool = False):
        super().__init__(default=default, name=name, log_on=log_on, live=live)


class Integer(_Typed):
    """An integer tag (doover_fsm's shorthand for ``Tag("integer")``); numeric triggers."""

    _TYPE = "integer"
    _ALLOWED_TRIGGERS = NUMERIC_TRIGGERS

    def __init__(self, *, default: Any = NotSet, name: str | None = None,
                 log_on: _LogTrigger | list[_LogTrigger] | None = None, live: bool = False):
        super().__init__(default=default, name=name, log_on=log_on, live=live)


class Object(Tag):
    """A JSON object tag (doover_fsm's shorthand for ``Tag("object")``); writes merge into it."""

    def __init__(self, *, default: Any = NotSet, name: str | None = None, live: bool = False):
        super().__init__("object", default=default, name=name, live=live)


class Array(Tag):
    """A JSON array tag (doover_fsm's shorthand for ``Tag("array")``)."""

    def __init__(self, *, default: Any = NotSet, name: str | None = None, live: bool = False):
        super().__init__("array", default=default, name=name, live=live)


class _UnresolvedRemoteTag(Exception):
    """An optional RemoteTag whose config TagRef was left blank (reads give the default)."""


class RemoteTag(Tag):
    """A tag published by another app, found through a config ``TagRef`` with the same ``reference_name``.

    Reads and writes go to the referenced app's tag once ``Tags._resolve_remote_tags()`` ran
    (the app runtime calls it after ``Tags.setup()``); with ``republish_locally`` the upstream
    value is mirrored into this app's tags under ``reference_name``.
    """

    def __init__(
        self,
        tag_type: str,
        *,
        reference_name: str,
        republish_locally: bool = True,
        default: Any = NotSet,
        name: str | None = None,
        optional: bool = False,
        live: bool = False,
    ):
        if optional and default is NotSet:
            default = None
        super().__init__(tag_type, default=default, name=name, live=live)
        self.reference_name = reference_name
        self.republish_locally = republish_locally
        self.optional = optional

    def __repr__(self) -> str:
        return (f"RemoteTag(name={self.name!r}, reference_name={self.reference_name!r}, "
                f"tag_type={self.tag_type!r}, republish_locally={self.republish_locally}, "
                f"optional={self.optional})")

    def _resolve_target(self, tags: Tags, declaration: _DeclaredTag) -> tuple[str | None, str]:
        target = tags._remote_tag_targets.get(declaration.attr_name)
        if target is None:
            if self.optional:
                raise _UnresolvedRemoteTag(declaration.attr_name)
            raise RuntimeError(
                f"RemoteTag '{declaration.attr_name}' has not been resolved against the config. "
                f"The application framework should call `await tags._resolve_remote_tags()` after "
                f"`Tags.setup()`."
            )
        if target["agent_id"]:
            raise NotImplementedError(
                f"Cross-agent RemoteTag (agent_id={target['agent_id']!r}) is not yet supported.")
        return target["app_key"], target["tag_name"]



# ``Tags``/``BoundTag`` lived here before tagset.py: keep ``from doover_fsm.tags.declare import Tags``
# working. Imported last (tagset imports this module); the package imports this module first.
from doover_fsm.tags.tagset import BoundTag as BoundTag  # noqa: E402
from doover_fsm.tags.tagset import Tags as Tags  # noqa: E402
