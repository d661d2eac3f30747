"""Declared tags bound to a tag manager: ``Tags(app_key, tag_manager, config)`` and its ``BoundTag``s.

``self.tags.ready`` is a :class:`BoundTag` whose ``get()``/``set()`` read and write the manager.
With doover_fsm's :class:`~doover_fsm.tags.manager.TagManager` a write lands in the C tag store
at once and ``set()`` works awaited or not; ``self.tags.ready = True`` writes too (pydoover
silently dropped that form). Any other object with pydoover's ``get_tag``/``set_tag`` works as
the manager as well (apps' tests pass fakes).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Iterator
from typing import TYPE_CHECKING, Any, overload

from doover_fsm._util.maybe_async import Completed
from doover_fsm.tags.declare import (
    _DONE,
    _NUMERIC,
    KEY_RE,
    RemoteTag,
    Tag,
    _UnresolvedRemoteTag,
    coerce_read,
)
from doover_fsm.tags.triggers import NotSet
from doover_fsm.tags.types import declared_types

if TYPE_CHECKING:
    from doover_fsm.tags.manager import TagManager


class _DeclaredTag:
    """A :class:`Tag` declared on a :class:`Tags` class under ``attr_name`` (the class attribute)."""

    __slots__ = ("attr_name", "template")

    def __init__(self, attr_name: str, template: Tag):
        self.attr_name = attr_name
        self.template = template

    @property
    def name(self) -> str:
        return self.template.name or self.attr_name

    @overload
    def __get__(self, instance: None, owner: type[Tags]) -> Tag: ...

    @overload
    def __get__(self, instance: Tags, owner: type[Tags]) -> BoundTag: ...

    def __get__(self, instance: Tags | None, owner: type[Tags] | None = None) -> Tag | BoundTag:
        # A Tags instance keeps its bound tags in its __dict__ (a plain lookup on the hot path);
        # this runs for class access and for a tag the instance removed.
        if instance is None:
            return self.template
        return BoundTag(instance, self)


class BoundTag:
    """One declared tag of a :class:`Tags` instance: ``get()``, ``set()``, ``value``. Scan thread only."""

    __slots__ = ("_coerce", "_declaration", "_fast_name", "_tags")

    def __init__(self, tags: Tags, declaration: _DeclaredTag):
        self._tags = tags
        self._declaration = declaration
        #: The stored name when reads/writes may go straight to doover_fsm's store (set by
        #: ``Tags._rebind`` for a plain local tag without triggers on our manager); else None.
        self._fast_name: str | None = None
        self._coerce = declaration.template.tag_type in ("integer", "boolean")

    @property
    def name(self) -> str:
        """The name the tag is stored under."""
        return self._declaration.name

    @property
    def tag_type(self) -> str:
        return self._declaration.template.tag_type

    @property
    def default(self) -> Any:
        return self._declaration.template.default

    @property
    def live(self) -> bool:
        return bool(self._declaration.template.live)

    @property
    def value(self) -> Any:
        """The current value (the declared default while the tag has none)."""
        return self.get()

    @value.setter
    def value(self, new: Any) -> None:
        self._tags._write_now(self._declaration.attr_name, new)

    def get(self) -> Any:
        """The current value, read from the manager (the default if the tag has none)."""
        name = self._fast_name
        if name is not None:
            tags = self._tags
            app_key = tags.app_key
            if app_key is not None:
                value = tags._fast._store.get(app_key, name, _ABSENT)  # type: ignore[union-attr]
                if value is _ABSENT:
                    return self._declaration.template.default
                return coerce_read(value, self._declaration.template.tag_type) if self._coerce else value
        return self._tags._get_tag_value(self._declaration.attr_name)

    def set(self, value: Any, log: bool = False) -> Any:
        """Write the tag; ``log=True`` also makes it a logged point at the next commit.

        Applied at once; the result may be awaited (pydoover's form) or ignored.
        """
        name = self._fast_name
        if name is not None:
            tags = self._tags
            tags._fast.write(tags.app_key, name, value, True, log)  # type: ignore[union-attr]
            return _DONE
        return self._tags._set_tag_value(self._declaration.attr_name, value, log=log)

    def delete(self, log: bool = False) -> Any:
        """Remove the tag from ``tag_values`` (written as ``None``)."""
        return self._tags._set_tag_value(self._declaration.attr_name, None, log=log)

    def clear(self) -> Any:
        """Write the declared default back (delete the tag if it has no default)."""
        default = self.default
        return self.set(None if default is NotSet else default)

    def is_set(self) -> bool:
        return self.get() is not NotSet

    def increment(self, amount: int | float = 1, log: bool = False) -> Any:
        """Add ``amount`` to a numeric tag; returns (or resolves to) the new value."""
        new = self._step("increment", amount)
        return _then(self.set(new, log=log), new)

    def decrement(self, amount: int | float = 1, log: bool = False) -> Any:
        """Subtract ``amount`` from a numeric tag; returns (or resolves to) the new value."""
        new = self._step("decrement", -amount)
        return _then(self.set(new, log=log), new)

    def _step(self, operation: str, amount: int | float) -> Any:
        if self.tag_type not in _NUMERIC:
            raise TypeError(f"Cannot {operation} non-numeric tag '{self.name}' of type '{self.tag_type}'.")
        current = self.get()
        if current is NotSet:
            raise ValueError(f"Cannot {operation} unset tag '{self.name}'.")
        return current + amount

    def __repr__(self) -> str:
        return f"BoundTag(name={self.name!r}, value={self.get()!r})"

    def __copy__(self) -> BoundTag:
        return self

    def __deepcopy__(self, memo: object) -> BoundTag:
        return self

    def __str__(self) -> str:
        return str(self.get())

    def __bool__(self) -> bool:
        return bool(self.get())

    def __int__(self) -> int:
        return int(self.get())

    def __float__(self) -> float:
        return float(self.get())

    def __eq__(self, other: object) -> bool:
        return bool(self.get() == other)

    __hash__ = None  # type: ignore[assignment]  # compares by value, so not hashable

    def __lt__(self, other: Any) -> bool:
        return bool(self.get() < other)

    def __le__(self, other: Any) -> bool:
        return bool(self.get() <= other)

    def __gt__(self, other: Any) -> bool:
        return bool(self.get() > other)

    def __ge__(self, other: Any) -> bool:
        return bool(self.get() >= other)


def _then(result: Any, value: Any) -> Any:
    """``value`` once ``result`` (a write) is done: at once, or when awaited."""
    if isinstance(result, Completed):
        return Completed(value)

    async def wait() -> Any:
        await result
        return value

    return wait()


class Tags:
    """Base class of an app's declared tags; an instance binds them to a tag manager.

    ``Tags(app_key, tag_manager, config)`` as in pydoover. ``tag_manager`` is doover_fsm's
    :class:`~doover_fsm.tags.manager.TagManager` (or a :class:`~doover_fsm.tags.store.TagStore`,
    wrapped in one), any object with pydoover's ``get_tag``/``set_tag``, or None (reads give
    defaults, writes raise). Declarations can change per instance (``add_tag``/``remove_tag``,
    typically in ``setup()``). Not thread-safe (scan thread only).
    """

    __tag_declarations__: dict[str, _DeclaredTag] = {}

    #: The app's platform interface, attached by the runtime before ``setup()`` (None in tests).
    platform_iface: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declarations: dict[str, _DeclaredTag] = {}
        for base in reversed(cls.__mro__[1:]):
            declarations.update(getattr(base, "__tag_declarations__", {}))
        for attr_name, value in list(cls.__dict__.items()):
            if not isinstance(value, Tag):
                continue
            if not KEY_RE.match(attr_name) and value.name is None:
                raise ValueError(f"{cls.__name__}.{attr_name}: tag name must match {KEY_RE.pattern}")
            value._declared_attr_name = attr_name
            declared = _DeclaredTag(attr_name, value)
            declarations[attr_name] = declared
            setattr(cls, attr_name, declared)
        cls.__tag_declarations__ = declarations

    def __init__(self, app_key: str, tag_manager: Any, config: Any):
        self.config = config
        self.app_key = app_key
        self._manager: Any = _as_manager(tag_manager, app_key)
        self._fast: TagManager | None = self._manager if _is_ours(self._manager) else None
        self._tag_declarations: dict[str, _DeclaredTag] = dict(type(self).__tag_declarations__)
        self._remote_tag_targets: dict[str, dict[str, Any]] = {}
        self._trigger_states: dict[str, dict[str, Any]] = {}
        self._bound: dict[str, BoundTag] = {}
        self._rebind()
        if self._fast is not None:
            # Values from outside (the stored aggregate, remote writes) are checked against these declarations.
            store = self._fast.store
            store.declare_types(declared_types(self))
            if isinstance(app_key, str) and KEY_RE.match(app_key) and not store.is_global(app_key):
                store.reserve_section(app_key)

    def _rebind(self) -> None:
        """(Re)make the bound tags after the declarations changed; they live in ``__dict__``."""
        for attr, old in self._bound.items():
            old._fast_name = None  # a removed (or replaced) tag goes the checked way from now on
            if self.__dict__.get(attr) is old:
                del self.__dict__[attr]
        self._bound = {attr: BoundTag(self, decl) for attr, decl in self._tag_declarations.items()}
        for attr, tag in self._bound.items():
            template = tag._declaration.template
            if self._fast is not None and not template.log_on \
                    and type(template)._resolve_target is Tag._resolve_target:
                tag._fast_name = tag._declaration.name
            on_class = _class_attribute(type(self), attr)
            if on_class is _ABSENT or isinstance(on_class, _DeclaredTag):  # never hide a method
                self.__dict__[attr] = tag

    @property
    def tag_manager(self) -> Any:
        """The manager reads and writes go to."""
        return self._manager

    @classmethod
    def declarations(cls) -> dict[str, Tag]:
        """The class's declared tags by stored name (for schema tools)."""
        return {d.name: d.template for d in cls.__tag_declarations__.values()}

    async def setup(self) -> None:
        """Override to change this instance's tags (e.g. from ``self.config``) before the app runs."""

    async def _resolve_remote_tags(self) -> None:
        """Bind each :class:`RemoteTag` to the config ``TagRef`` with its ``reference_name``."""
        refs = _tag_refs(self.config)
        self._remote_tag_targets = {}
        for declaration in self._tag_declarations.values():
            template = declaration.template
            if not isinstance(template, RemoteTag):
                continue
            ref = refs.get(template.reference_name)
            if ref is None:
                if template.optional:
                    continue
                raise ValueError(
                    f"RemoteTag {declaration.attr_name!r} references reference_name="
                    f"{template.reference_name!r}, but no TagRef with that reference_name was found "
                    f"in the config.")
            target = {"agent_id": _ref_value(ref, "agent_id") or None,
                      "app_key": _ref_value(ref, "app_name"), "tag_name": _ref_value(ref, "tag_name")}
            self._remote_tag_targets[declaration.attr_name] = target
            if template.republish_locally and self._manager is not None and not target["agent_id"]:
                await self._mirror(template, target)

    async def _mirror(self, template: RemoteTag, target: dict[str, Any]) -> None:
        manager = self._manager
        subscribe = getattr(manager, "subscribe_to_tag", None)
        if subscribe is None:
            return
        local, ref_name = self.app_key, template.reference_name

        async def mirror(_key: str, value: Any) -> None:
            await _awaited(manager.set_tag(ref_name, value, app_key=local))

        subscribe(target["tag_name"], mirror, app_key=target["app_key"])
        current = manager.get_tag(target["tag_name"], default=NotSet, app_key=target["app_key"])
        if current is not NotSet and current is not None:
            await _awaited(manager.set_tag(ref_name, current, app_key=local))

    @property
    def definitions(self) -> list[Tag]:
        """The declared :class:`Tag` objects of this instance."""
        return [d.template for d in self._tag_declarations.values()]

    def get_live_tag_keys(self) -> list[tuple[str | None, str]]:
        """``(app_key, tag name)`` of every ``live=True`` tag (unresolved optional remote tags skipped)."""
        keys: list[tuple[str | None, str]] = []
        for declaration in self._tag_declarations.values():
            if not declaration.template.live:
                continue
            try:
                keys.append(declaration.template._resolve_target(self, declaration))
            except _UnresolvedRemoteTag:
                continue
        return keys

    @property
    def values(self) -> dict[str, Any]:
        """Current values of the declared tags that have one (or a default)."""
        out: dict[str, Any] = {}
        for attr, declaration in self._tag_declarations.items():
            value = self._get_tag_value(attr)
            if value is not NotSet:
                out[declaration.name] = value
        return out

    def _get_declaration(self, name: str) -> _DeclaredTag | None:
        found = self._tag_declarations.get(name)
        if found is not None:
            return found
        for declaration in self._tag_declarations.values():
            if declaration.name == name:
                return declaration
        return None

    def add_tag(self, name: str, tag: Tag) -> Tag:
        """Declare one more tag on this instance only."""
        if not isinstance(tag, Tag):
            raise TypeError("add_tag expects a Tag instance.")
        declaration = _DeclaredTag(name, tag)
        if self._get_declaration(name) is not None:
            raise ValueError(f"Tag '{name}' already exists.")
        if self._get_declaration(declaration.name) is not None:
            raise ValueError(f"Tag '{declaration.name}' already exists.")
        if not KEY_RE.match(declaration.name):
            raise ValueError(f"add_tag: tag name {declaration.name!r} must match {KEY_RE.pattern}")
        self._tag_declarations[name] = declaration
        self._rebind()
        return tag

    def remove_tag(self, name: str) -> None:
        """Remove a declared tag from this instance."""
        declaration = self._get_declaration(name)
        if declaration is None:
            raise KeyError(name)
        del self._tag_declarations[declaration.attr_name]
        self._rebind()

    # ---- reads and writes ----------------------------------------------------------------------
    def _target(self, declaration: _DeclaredTag) -> tuple[str | None, str]:
        template = declaration.template
        if type(template)._resolve_target is Tag._resolve_target:
            return self.app_key, declaration.name
        return template._resolve_target(self, declaration)

    def _get_tag_value(self, name: str) -> Any:
        declaration = self._get_declaration(name)
        if declaration is None:
            raise AttributeError(f"Unknown tag '{name}'")
        template = declaration.template
        if self._manager is None:
            return template.default
        try:
            app_key, key = self._target(declaration)
        except _UnresolvedRemoteTag:
            return template.default
        fast = self._fast
        if fast is not None:
            value = fast._store.get(app_key, key, _ABSENT)
            if value is _ABSENT:
                value = template.default if app_key is not None else \
                    fast.get_tag(key, default=template.default, app_key=None)
        else:
            value = self._manager.get_tag(key, default=template.default, app_key=app_key)
        return coerce_read(value, template.tag_type)

    def _set_tag_value(self, name: str, value: Any, log: bool = False) -> Any:
        """Write a declared tag now; returns a completed awaitable (or the manager's awaitable)."""
        declaration = self._get_declaration(name)
        if declaration is None:
            raise AttributeError(f"Unknown tag '{name}'")
        if self._manager is None:
            raise RuntimeError("Tags manager has not been registered.")
        try:
            app_key, key = self._target(declaration)
        except _UnresolvedRemoteTag:
            return _DONE
        template = declaration.template
        if template.log_on:
            # Every trigger sees every write (their state must follow the value), even with log=True.
            state = self._trigger_states.setdefault(name, {})
            if template._evaluate_log_trigger(self._get_tag_value(name), value, state):
                log = True
        fast = self._fast
        if fast is not None:
            fast.write(app_key, key, value, True, log)
            return _DONE
        result = self._manager.set_tag(key, value, app_key=app_key, log=log)
        return result if inspect.isawaitable(result) else _DONE

    def _write_now(self, name: str, value: Any) -> None:
        """``tags.x = value``: the write must happen now (there is nothing to await)."""
        result = self._set_tag_value(name, value)
        if result is not _DONE:
            if inspect.iscoroutine(result):
                result.close()
            raise TypeError(
                f"tags.{name} = ...: this tag manager writes asynchronously; use `await tags.{name}.set(value)`")

    def _delete_tag_value(self, name: str, log: bool = False) -> Any:
        return self._set_tag_value(name, None, log=log)

    # ---- lookup ----------------------------------------------------------------------------------
    def get(self, name: str) -> BoundTag | None:
        """The bound tag called ``name`` (attribute or stored name), or None."""
        return self.find_tag(name)

    def find_tag(self, name: str) -> BoundTag | None:
        """The bound tag called ``name`` (attribute or stored name), or None."""
        declaration = self._get_declaration(name)
        if declaration is None:
            return None
        return self._bound.get(declaration.attr_name) or BoundTag(self, declaration)

    def get_tag(self, name: str) -> BoundTag:
        """The bound tag called ``name``; KeyError if there is none."""
        tag = self.find_tag(name)
        if tag is None:
            raise KeyError(name)
        return tag

    def get_definition(self, name: str) -> Tag | None:
        """The :class:`Tag` declared as ``name``, or None."""
        declaration = self._get_declaration(name)
        return None if declaration is None else declaration.template

    async def update(self, values: dict[str, Any]) -> None:
        """Write several declared tags (unknown names are skipped)."""
        for key, value in values.items():
            tag = self.find_tag(key)
            if tag is not None:
                await _awaited(tag.set(value))

    def to_dict(self) -> dict[str, Any]:
        """Same as :attr:`values`."""
        return self.values

    def to_schema(self) -> dict[str, Any]:
        """The declarations as pydoover's schema dicts, by stored name."""
        return {d.name: d.template.to_schema() for d in self._tag_declarations.values()}

    def __iter__(self) -> Iterator[BoundTag]:
        for attr in list(self._tag_declarations):
            tag = self.find_tag(attr)
            if tag is not None:
                yield tag

    def __len__(self) -> int:
        return len(self._tag_declarations)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._get_declaration(name) is not None

    def __getitem__(self, item: str) -> BoundTag:
        return self.get_tag(item)

    def __getattr__(self, name: str) -> BoundTag:
        if name.startswith("_"):
            raise AttributeError(name)
        tag = self.find_tag(name)
        if tag is None:
            raise AttributeError(name)
        return tag

    def __setattr__(self, name: str, value: Any) -> None:
        # ``tags.x = v`` writes the tag (pydoover silently dropped it).
        bound = self.__dict__.get("_bound")
        if bound is not None and name in bound:
            if not isinstance(value, BoundTag):  # ``tags.x += 1`` style rebinding of the proxy: nothing
                self._write_now(name, value)
            return
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._tag_declarations)})"


_ABSENT: Any = object()


def _class_attribute(cls: type, name: str) -> Any:
    """``name`` as defined on ``cls`` or a base (descriptors not invoked), or _ABSENT."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return _ABSENT


def _is_ours(manager: Any) -> bool:
    from doover_fsm.tags.manager import TagManager

    return isinstance(manager, TagManager)


def _as_manager(manager: Any, app_key: str | None) -> Any:
    from doover_fsm.tags.manager import TagManager
    from doover_fsm.tags.store import TagStore

    if isinstance(manager, TagStore):
        return TagManager.over_store(manager, app_key=app_key)
    return manager


async def _awaited(result: Any) -> Any:
    return (await result) if isinstance(result, Awaitable) else result


def _tag_refs(config: Any) -> dict[str, Any]:
    """The config's ``TagRef`` elements with a ``reference_name``, by that name."""
    refs: dict[str, Any] = {}
    if config is None:
        return refs
    elements = getattr(config, "_element_map", None)
    values = elements.values() if isinstance(elements, dict) else vars(config).values()
    for element in values:
        if type(element).__name__ != "TagRef":
            continue
        name = _ref_value(element, "reference_name")
        if name is None or name is NotSet or _is_unset(name):
            continue
        if name in refs:
            raise ValueError(f"Duplicate TagRef reference_name {name!r} in config.")
        refs[name] = element
    return refs


def _ref_value(ref: Any, field: str) -> Any:
    element = getattr(ref, field, None)
    if element is None:
        return None
    raw = getattr(element, "_value", _ABSENT)
    if raw is not _ABSENT and _is_unset(raw):
        return None  # a blank field (reading ``.value`` would raise for a required one)
    return getattr(element, "value", element)


def _is_unset(value: Any) -> bool:
    """A config "no value" sentinel (the config module's ``NotSet``, a class or an instance)."""
    return repr(value) == "NotSet" or (isinstance(value, type) and value.__name__ == "NotSet")
