"""Declarative tags: ``class MyTags(Tags): ready = Boolean(default=False)``.

A declaration is shared by the class; a :class:`Tags` instance binds the declarations to
one app's :class:`~doover_fsm.tags.store.TagStore`, so ``self.tags.ready.set(True)`` writes
the C-backed store (visible to reads at once, committed once per scan) and
``self.tags.ready = True`` does the same (pydoover silently dropped that form).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from doover_fsm._util.maybe_async import Completed

if TYPE_CHECKING:
    from doover_fsm.tags.store import TagStore

KEY_RE = re.compile(r"^[a-zA-Z0-9_-]+$")


class _NotSetType:
    _instance: _NotSetType | None = None

    def __new__(cls) -> _NotSetType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NotSet"

    def __bool__(self) -> bool:
        return False


#: Sentinel for "no default declared".
NotSet: Any = _NotSetType()

_TYPE_ALIASES = {
    "bool": "boolean", "boolean": "boolean",
    "number": "number", "float": "number",
    "int": "integer", "integer": "integer",
    "str": "string", "string": "string", "text": "string",
    "object": "object", "dict": "object", "json": "any",
    "array": "array", "list": "array",
    "any": "any",
}


def coerce_value(tag_type: str, name: str, value: Any) -> Any:
    """Check ``value`` against a declared tag type; return it normalised or raise TypeError.

    JSON does not tell ints from floats, so an integer tag accepts ``3.0`` (stored as 3).
    ``None`` is always allowed (it clears the value for readers).
    """
    if value is None or tag_type == "any":
        return value
    if tag_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
    elif tag_type == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    elif tag_type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
    elif tag_type == "string":
        if isinstance(value, str):
            return value
    elif tag_type == "object":
        if isinstance(value, dict):
            return value
    elif tag_type == "array":
        if isinstance(value, (list, tuple)):
            return list(value)
    raise TypeError(f"tag {name!r} is declared {tag_type}; got {type(value).__name__} {value!r}")


class Tag:
    """Declaration of one tag: its type, default, and whether writes are logged by default.

    Use the typed subclasses (:class:`Boolean`, :class:`Number`, ...) or
    ``Tag("boolean", default=False)`` as in pydoover.
    """

    tag_type: str = "any"

    def __init__(
        self,
        tag_type: str | None = None,
        default: Any = NotSet,
        name: str | None = None,
        *,
        log: bool = False,
        description: str = "",
        global_tag: bool = False,
        app_key: str | None = None,
    ) -> None:
        if tag_type is not None:
            try:
                self.tag_type = _TYPE_ALIASES[tag_type.lower()]
            except KeyError:
                known = ", ".join(sorted(set(_TYPE_ALIASES.values())))
                raise ValueError(f"unknown tag type {tag_type!r} (known: {known})") from None
        self.name = name
        self.log = log
        self.description = description
        self.global_tag = global_tag
        self.app_key = app_key
        if default is not NotSet and default is not None:
            default = coerce_value(self.tag_type, name or "<unnamed>", default)
        self.default = default

    def __set_name__(self, owner: type, attr: str) -> None:
        if self.name is None:
            self.name = attr
        if not KEY_RE.match(self.name):
            raise ValueError(f"{owner.__name__}.{attr}: tag name {self.name!r} must match {KEY_RE.pattern}")

    # Descriptor protocol: class access gives the declaration, instance access the bound tag.
    def __get__(self, instance: Tags | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance._bound[self.name]  # type: ignore[index]

    def __set__(self, instance: Tags, value: Any) -> None:
        instance._bound[self.name].set(value)  # type: ignore[index]

    def to_schema(self) -> dict[str, Any]:
        """The declaration as a JSON-able dict (for docs and the UI schema)."""
        out: dict[str, Any] = {"type": self.tag_type}
        if self.default is not NotSet:
            out["default"] = self.default
        if self.description:
            out["description"] = self.description
        if self.global_tag:
            out["global"] = True
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, default={self.default!r})"


class Boolean(Tag):
    tag_type = "boolean"

    def __init__(self, default: Any = NotSet, name: str | None = None, **kw: Any) -> None:
        super().__init__(None, default, name, **kw)


class Number(Tag):
    tag_type = "number"

    def __init__(self, default: Any = NotSet, name: str | None = None, **kw: Any) -> None:
        super().__init__(None, default, name, **kw)


class Integer(Tag):
    tag_type = "integer"

    def __init__(self, default: Any = NotSet, name: str | None = None, **kw: Any) -> None:
        super().__init__(None, default, name, **kw)


class String(Tag):
    tag_type = "string"

    def __init__(self, default: Any = NotSet, name: str | None = None, **kw: Any) -> None:
        super().__init__(None, default, name, **kw)


class Object(Tag):
    tag_type = "object"

    def __init__(self, default: Any = NotSet, name: str | None = None, **kw: Any) -> None:
        super().__init__(None, default, name, **kw)


class Array(Tag):
    tag_type = "array"

    def __init__(self, default: Any = NotSet, name: str | None = None, **kw: Any) -> None:
        super().__init__(None, default, name, **kw)


class BoundTag:
    """One declared tag bound to an app's store. Not thread-safe (scan thread only)."""

    __slots__ = ("_app_key", "_decl", "_name", "_store", "_type")

    def __init__(self, decl: Tag, app_key: str | None, store: TagStore) -> None:
        self._decl = decl
        self._name = decl.name
        self._type = decl.tag_type
        self._app_key = None if decl.global_tag else (decl.app_key or app_key)
        self._store = store

    @property
    def name(self) -> str:
        return self._name  # type: ignore[return-value]

    @property
    def declaration(self) -> Tag:
        return self._decl

    @property
    def value(self) -> Any:
        """The current value (the declared default while nothing was written)."""
        return self.get()

    @value.setter
    def value(self, new: Any) -> None:
        self.set(new)

    def get(self, default: Any = NotSet) -> Any:
        fallback = self._decl.default if default is NotSet else default
        value = self._store.get(self._app_key, self._name, NotSet)  # type: ignore[arg-type]
        if value is NotSet:
            return None if fallback is NotSet else fallback
        return value

    def set(self, value: Any, log: bool | None = None, only_if_changed: bool = True) -> Completed[bool]:
        """Write the tag; returns whether it changed (awaitable or not)."""
        value = coerce_value(self._type, self._name, value)  # type: ignore[arg-type]
        changed = self._store.set(
            self._app_key, self._name, value,  # type: ignore[arg-type]
            only_if_changed=only_if_changed, log=self._decl.log if log is None else log,
        )
        return Completed(changed)

    def increment(self, amount: int | float = 1, log: bool | None = None) -> Completed[bool]:
        current = self.get()
        return self.set((current or 0) + amount, log=log)

    def decrement(self, amount: int | float = 1, log: bool | None = None) -> Completed[bool]:
        return self.increment(-amount, log=log)

    def clear(self, log: bool | None = None) -> Completed[bool]:
        return self.set(None, log=log)

    def is_set(self) -> bool:
        return self._store.get(self._app_key, self._name, NotSet) is not NotSet  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<tag {self._app_key or '<global>'}.{self._name}={self.get()!r}>"


class Tags:
    """Base class for an app's declared tags; bound per app instance.

    ``Tags(app_key, store)`` binds every declared :class:`Tag` of the subclass (and its bases).
    """

    _declarations: ClassVar[dict[str, Tag]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        decls: dict[str, Tag] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, Tag):
                    decls[value.name] = value  # type: ignore[index]
        cls._declarations = decls

    def __init__(self, app_key: str | None, store: TagStore, config: Any = None) -> None:
        self.app_key = app_key
        self.config = config
        self._store = store
        self._bound: dict[str, BoundTag] = {
            name: BoundTag(decl, app_key, store) for name, decl in self._declarations.items()
        }

    @classmethod
    def declarations(cls) -> dict[str, Tag]:
        """Declared tags by name."""
        return dict(cls._declarations)

    def __iter__(self) -> Iterator[BoundTag]:
        return iter(self._bound.values())

    def __getitem__(self, name: str) -> BoundTag:
        return self._bound[name]

    def __contains__(self, name: object) -> bool:
        return name in self._bound

    def to_dict(self) -> dict[str, Any]:
        """Current values of all declared tags."""
        return {name: tag.get() for name, tag in self._bound.items()}

    def to_schema(self) -> dict[str, Any]:
        return {name: decl.to_schema() for name, decl in self._declarations.items()}
