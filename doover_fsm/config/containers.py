"""Container config elements: Array (a list of one element type) and Object (named children).

An ``Object`` subclass declares children as class attributes (pydoover 1.x) or assigns them in
``__init__`` (pydoover 0.4); either way every instance owns copies of them, and attribute access
(``cfg.notifications.on_start``) reads that instance's child, so injected values are what it sees.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from doover_fsm.config.conditions import (
    AllOf,
    Condition,
    condition_holds,
    condition_schema,
    conditions_of,
    controller_key,
    show_if_holds,
)
from doover_fsm.config.element import ConfigDeclarationError, ConfigElement
from doover_fsm.config.keys import GEN_04, GEN_1, RESERVED_NAMES, NotSet
from doover_fsm.config.unknown import (
    ENV_VAR,
    is_platform_key,
    misspells_declared,
    suggest,
    unknown_keys_are_errors,
)
from doover_fsm.errors import ConfigError

log = logging.getLogger(__name__)


class Array(ConfigElement):
    """A JSON array of ``element`` items; ``.elements`` (and 1.x ``.value``) are the loaded item elements."""

    _type = "array"

    def __init__(
        self,
        display_name: str,
        *,
        element: ConfigElement | None = None,
        min_items: int | None = None,
        max_items: int | None = None,
        unique_items: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if element and not isinstance(element, ConfigElement):
            raise ValueError("Many element must be a ConfigElement instance")
        super().__init__(display_name, **kwargs)
        self.element = element or ConfigElement("unknown")
        self.min_items = min_items
        self.max_items = max_items
        self.unique_items = unique_items
        self._elements: list[ConfigElement] = []

    def _children(self) -> Iterator[ConfigElement]:
        yield self.element
        yield from self._elements

    @property
    def elements(self) -> list[ConfigElement]:
        """The loaded items, one element (a copy of ``element``) each."""
        return self._elements

    @property  # type: ignore[misc]  # read-only, as in pydoover 1.x
    def value(self) -> list[ConfigElement]:
        """The loaded items (as in pydoover 1.x: elements, read each one's ``.value``)."""
        return self._elements

    def _check(self, data: Any, path: str) -> Any:
        if data is None:
            return []
        if not isinstance(data, (list, tuple)):
            raise self._fail(path, "a list", data)
        if self.min_items is not None and len(data) < self.min_items:
            raise ConfigError(f"config key {path!r}: needs at least {self.min_items} items, got {len(data)}")
        if self.max_items is not None and len(data) > self.max_items:
            raise ConfigError(f"config key {path!r}: allows at most {self.max_items} items, got {len(data)}")
        if self.unique_items:
            seen = [json.dumps(item, sort_keys=True, default=repr) for item in data]
            if len(set(seen)) != len(seen):
                raise ConfigError(f"config key {path!r}: items must be unique")
        return [self.element._check(self._item_or_default(item, f"{path}[{i}]"), f"{path}[{i}]")
                for i, item in enumerate(data)]

    def _item_or_default(self, item: Any, path: str) -> Any:
        """A null item of a typed array is the item's default, or an error if it has none."""
        element = self.element
        if item is not None or type(element) is ConfigElement or isinstance(element, Object):
            return item
        if element.default is NotSet:
            raise ConfigError(f"config key {path!r}: null given and the items have no default to fall back to; "
                              "give it a value")
        return element.default

    def _load(self, data: Any) -> None:
        self._elements.clear()
        for row in data or ():
            item = copy.deepcopy(self.element)
            item._load(row)
            self._elements.append(item)

    def _unset(self) -> None:
        self._elements.clear()

    def _add_keywords(self, payload: dict[str, Any]) -> None:
        payload["items"] = self.element.to_dict()
        if self.min_items is not None:
            payload["minItems"] = self.min_items
        if self.max_items is not None:
            payload["maxItems"] = self.max_items
        if self.unique_items is not None:
            payload["uniqueItems"] = self.unique_items


def _declared_elements(cls: type, base: type, table: str) -> tuple[dict[str, ConfigElement], dict[str, str]]:
    """Inherited then own class-attribute elements of ``cls``, by key, and attribute → key."""
    elements: dict[str, ConfigElement] = {}
    attrs: dict[str, str] = {}
    for parent in cls.__mro__[1:]:
        if parent is base or not issubclass(parent, base):
            continue
        for key, element in getattr(parent, table, {}).items():
            elements.setdefault(key, element)
        for attr, key in getattr(parent, "_attr_to_name", {}).items():
            attrs.setdefault(attr, key)
    return elements, attrs


def own_class_elements(cls: type) -> Iterator[tuple[str, ConfigElement]]:
    """``cls``'s own class-attribute elements in declaration order; reserved names are refused."""
    for attr, value in list(vars(cls).items()):
        if isinstance(value, ConfigElement):
            if attr in RESERVED_NAMES:
                raise ConfigDeclarationError(
                    f"Config element name '{attr}' is reserved. Choose a different attribute name.")
            yield attr, value


class Object(ConfigElement):
    """A JSON object of named child elements (class attributes, ``__init__`` assignments, ``add_elements``).

    ``additional_elements=True`` keeps unknown keys of the deployment data as extra children.
    Keyword ``child__attr=value`` sets ``attr`` on child ``child`` (nested: ``a__b__attr``).
    """

    _type = "object"
    _cls_elements: ClassVar[dict[str, ConfigElement]] = {}
    _attr_to_name: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        display_name: str,
        *,
        additional_elements: bool | dict[str, Any] = True,
        collapsible: bool = True,
        default_collapsed: bool = False,
        **kwargs: Any,
    ) -> None:
        if default_collapsed and not collapsible:
            raise ValueError("default_collapsed is not allowed if collapsible is False")
        child_overrides = {k: kwargs.pop(k) for k in list(kwargs) if "__" in k}
        cls = type(self)
        # One deepcopy for the whole table, so conditions between siblings point at the copies.
        elements, attrs = copy.deepcopy((cls._cls_elements, {a: cls._cls_elements[k] for a, k in
                                                             cls._attr_to_name.items() if k in cls._cls_elements}))
        object.__setattr__(self, "_elements", elements)
        object.__setattr__(self, "_attr_elements", attrs)
        super().__init__(display_name, **kwargs)
        self.additional_elements = additional_elements
        self.collapsible = collapsible
        self.default_collapsed = default_collapsed
        for path, value in child_overrides.items():
            self._apply_child_override(path, value)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._cls_elements = {}
        cls._attr_to_name = {}
        cls.load_elements()

    @classmethod
    def load_elements(cls) -> None:
        """Collect inherited and own class-attribute children (pydoover 1.x declarations)."""
        cls._cls_elements, cls._attr_to_name = _declared_elements(cls, Object, "_cls_elements")
        for attr, element in own_class_elements(cls):
            cls._attr_to_name[attr] = element._name
            cls._add_cls_element(element)

    @classmethod
    def _add_cls_element(cls, element: ConfigElement) -> None:
        if element._name in cls._cls_elements:
            raise ConfigDeclarationError(f"Duplicate element name {element._name} not allowed.")
        cls._cls_elements[element._name] = element
        if element._position is None:
            element._position = len(cls._cls_elements)

    # -- children --------------------------------------------------------------------------------
    def __getattribute__(self, key: str) -> Any:
        # As Schema: "_"-named element attributes read this instance's child too.
        if not key.startswith("_") or key in type(self)._attr_to_name:
            attrs = object.__getattribute__(self, "__dict__").get("_attr_elements")
            if attrs is not None and key in attrs:
                return attrs[key]
        return object.__getattribute__(self, key)

    def __getattr__(self, key: str) -> Any:
        elements = self.__dict__.get("_elements")
        if elements is not None and key in elements:
            return elements[key]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __setattr__(self, key: str, value: Any) -> None:
        # pydoover 0.4 declares children by assigning them in __init__.
        if isinstance(value, ConfigElement) and "_elements" in self.__dict__:
            self.add_elements(value)
            self.__dict__["_attr_elements"].pop(key, None)
        object.__setattr__(self, key, value)

    def add_elements(self, *element: ConfigElement) -> None:
        """Add children at run time (keyed by their ``name``/display name)."""
        for child in element:
            child._adopt(self._generation)  # this object's key rule, before the duplicate check
            if child._name in self._elements:
                raise ConfigDeclarationError(f"Duplicate element name {child._name} not allowed.")
            self._elements[child._name] = child
            if child._position is None:
                child._position = len(self._elements)

    def _children(self) -> Iterator[ConfigElement]:
        return iter(list(self._elements.values()))

    def _adopt(self, generation: str) -> None:
        super()._adopt(generation)
        # Keys may have changed: re-key the table, keeping its order.
        self.__dict__["_elements"] = {child._name: child for child in self._elements.values()}

    def _apply_child_override(self, path_str: str, value: Any) -> None:
        *child_path, attr = path_str.split("__")
        if not child_path or not attr or any(not seg for seg in child_path):
            raise TypeError(
                f"Invalid override key {path_str!r}: expected '<child>__<attr>' (at least one element "
                f"segment plus an attribute name, separated by '__'; no empty segments)."
            )
        target: ConfigElement = self
        walked: list[str] = []
        for seg in child_path:
            elements = getattr(target, "_elements", None)
            if not isinstance(elements, dict) or seg not in elements:
                raise TypeError(
                    f"Cannot apply override {path_str!r}: no child element named {seg!r} on "
                    f"{'.'.join(walked) or '<self>'} ({type(target).__name__})."
                )
            target = elements[seg]
            walked.append(seg)
        if not hasattr(target, attr):
            raise TypeError(f"Cannot apply override {path_str!r}: {type(target).__name__} has no attribute {attr!r}.")
        setattr(target, attr, value)

    # -- values ----------------------------------------------------------------------------------
    def _check(self, data: Any, path: str) -> Any:
        if not data and not self.required:
            return data  # an optional object left blank: its children stay unset
        data = data or {}
        if not isinstance(data, Mapping):
            raise self._fail(path, "an object", data)
        return check_children(self._elements, data, path, additional=self.additional_elements is True,
                              missing="config", raise_missing=self._generation == GEN_1)

    def _load(self, data: Any) -> None:
        if not data and not self.required:
            for child in self._elements.values():
                child._unset()
            return
        load_children(self._elements, data or {}, self._synthesize)

    def _synthesize(self, key: str, value: Any) -> None:
        # An unknown key kept as a loaded child (pydoover 0.4 left it unloaded: reading it raised).
        child = ConfigElement(key, default=value)
        child._load(value)
        self._elements[key] = child

    def _unset(self) -> None:
        for child in self._elements.values():
            child._unset()

    def _add_keywords(self, payload: dict[str, Any]) -> None:
        if self._generation == GEN_04:
            payload["properties"] = {key: child.to_dict() for key, child in self._elements.items()}
            payload["additionalElements"] = self.additional_elements
            payload["required"] = [key for key, child in self._elements.items() if child.required is True]
            return
        schema = build_object_schema(self._elements)
        payload["properties"] = schema["properties"]
        payload["additionalElements"] = self.additional_elements
        payload["required"] = schema["required"]
        if schema["allOf"]:
            payload["allOf"] = schema["allOf"]
        payload["x-collapsible"] = self.collapsible
        payload["x-defaultCollapsed"] = self.default_collapsed


def check_children(elements: Mapping[str, ConfigElement], data: Mapping[str, Any], path: str, *,
                   additional: bool, missing: str, raise_missing: bool, top_level: bool = False) -> dict[str, Any]:
    """Check ``data`` against ``elements``; the checked values by key, or ConfigError. Changes nothing.

    ``null`` for a key with a default means that default (the key is taken as absent); for a key
    without one it is an error. A required child absent from ``data`` (and active under its
    ``show_if``) is an error when ``raise_missing`` — ``missing`` says where, as pydoover does.
    Unknown keys: at the ``top_level`` of a deployment entry an error naming the key it most
    likely misspells (platform keys pass, see :mod:`doover_fsm.config.unknown`); inside an object
    that allows ``additional`` keys, kept unless they misspell a declared key; otherwise an error.
    """
    data = _nulls_as_defaults(elements, data, path)
    checked: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in data.items():
        sub = f"{path}.{key}" if path else key
        child = elements.get(key)
        if child is not None:
            checked[key] = child._check(value, sub)
            continue
        if top_level:
            if not is_platform_key(key) or misspells_declared(key, [k for k in elements if k not in data]):
                unknown.append(key)
            checked[key] = value
        elif additional:
            near = suggest(key, [k for k in elements if k not in data], cutoff=0.8)
            if near is not None:
                raise ConfigError(f"unknown config key {sub!r}: did you mean {_at(path, near)!r}?")
            checked[key] = value
        else:
            raise ConfigError(f"Unknown element {key} in config (at {sub!r}).{_hint(key, elements, path)}")
    if unknown:
        _refuse_unknown(unknown, elements, data)
    if raise_missing:
        for key, child in elements.items():
            if key in data or not child.required:
                continue
            if child.show_if is not None and not show_if_holds(child.show_if, elements, data):
                continue
            where = f" (at {path}.{key})" if path else ""
            raise ConfigError(f"Required config element {key} not found in {missing}.{where}")
    return checked


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _hint(key: str, elements: Mapping[str, ConfigElement], path: str) -> str:
    near = suggest(key, elements)
    if near is not None:
        return f" Did you mean {_at(path, near)!r}?"
    return f" Declared keys: {', '.join(sorted(elements)) or 'none'}."


def _nulls_as_defaults(elements: Mapping[str, ConfigElement], data: Mapping[str, Any],
                       path: str) -> Mapping[str, Any]:
    """``data`` without the nulls that mean "use the default"; a null with no default is an error.

    An object's null keeps its meaning (its children take their defaults), so it is left alone."""
    nulls = [key for key, value in data.items() if value is None and key in elements
             and not isinstance(elements[key], Object)]
    if not nulls:
        return data
    for key in nulls:
        if elements[key].default is NotSet:
            raise ConfigError(f"config key {_at(path, key)!r}: null given and the key has no default to fall "
                              f"back to; give it a value")
    return {key: value for key, value in data.items() if key not in nulls}


def _refuse_unknown(unknown: list[str], elements: Mapping[str, ConfigElement], data: Mapping[str, Any]) -> None:
    parts = []
    for key in unknown:
        near = suggest(key, [k for k in elements if k not in data]) or suggest(key, elements)
        parts.append(f"{key!r} (did you mean {near!r}?)" if near else repr(key))
    noun = "key" if len(unknown) == 1 else "keys"
    message = (f"unknown config {noun} {', '.join(parts)}; the app declares "
               f"{', '.join(sorted(elements)) or 'no keys'}")
    if unknown_keys_are_errors():
        raise ConfigError(message + f" (set {ENV_VAR}=warn to only log unknown keys)")
    log.warning("%s", message)


def load_children(elements: dict[str, ConfigElement], checked: Mapping[str, Any],
                  unknown: Any) -> None:
    """Store checked values; absent children take their default (unless required or inactive-and-required)."""
    for key, value in checked.items():
        child = elements.get(key)
        if child is None:
            unknown(key, value)
        else:
            child._load(value)
    for key, child in list(elements.items()):
        if key in checked:
            continue
        if child.show_if is not None and not show_if_holds(child.show_if, elements, checked):
            if not child.required:
                child._load(child.default)
            continue
        if not child.required:
            child._load(child.default)


def build_object_schema(elements: Mapping[str, ConfigElement]) -> dict[str, Any]:
    """pydoover 1.x: the properties, required keys and conditional ``allOf`` branches of an object."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    groups: list[tuple[Condition | AllOf, list[ConfigElement]]] = []
    for key, element in elements.items():
        if element.show_if is None:
            properties[key] = element.to_dict()
            if element.required:
                required.append(key)
            continue
        for condition in conditions_of(element.show_if):
            controller = controller_key(condition, elements)
            if controller == key:
                raise ConfigDeclarationError(f"Config element {key!r} cannot depend on itself.")
            if elements[controller].show_if is not None:
                raise ConfigDeclarationError(
                    f"Config element {key!r} cannot depend on conditional element {controller!r}.")
        group = next((g for g in groups if g[0] == element.show_if), None)
        if group is None:
            groups.append((element.show_if, [element]))
        else:
            group[1].append(element)

    all_of: list[dict[str, Any]] = []
    for show_if, members in groups:
        then: dict[str, Any] = {"properties": {m._name: m.to_dict() for m in members}}
        then_required = [m._name for m in members if m.required]
        if then_required:
            then["required"] = then_required
        if_schema: dict[str, Any] = {"properties": {}}
        for condition in conditions_of(show_if):
            controller = controller_key(condition, elements)
            if_schema["properties"][controller] = condition_schema(condition)
            # "properties" also matches when the controller is absent; that is only right when
            # the controller's default satisfies the condition, so otherwise require it.
            if not condition_holds(condition, elements, {}):
                if_schema.setdefault("required", []).append(controller)
        all_of.append({"if": if_schema, "then": then})
    return {"properties": properties, "required": required, "allOf": all_of}
