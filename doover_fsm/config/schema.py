"""Typed app configuration: declare a ``Schema``, load it from JSON, export JSON Schema.

``class MyConfig(Schema): period = Number("Period", default=1.0, minimum=0.001)``; then
``app.config.period.value``. Every instance holds its own values (two apps in one process
never share them). A wrong or missing value raises :class:`~doover_fsm.errors.ConfigError`
naming the key path and what was expected.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from doover_fsm.errors import ConfigError

log = logging.getLogger(__name__)


class _Missing:
    def __repr__(self) -> str:
        return "NotSet"

    def __bool__(self) -> bool:
        return False


NotSet: Any = _Missing()


def key_from_display_name(display_name: str) -> str:
    """Doover's convention: ``"Pump Start Level"`` → ``pump_start_level``."""
    return re.sub(r"[^a-z0-9_]+", "_", display_name.strip().lower()).strip("_")


class Element:
    """One typed config value. Declarations live on the class; ``bind()`` makes per-instance copies."""

    json_type: ClassVar[str] = "string"

    def __init__(
        self,
        display_name: str,
        *,
        default: Any = NotSet,
        description: str = "",
        key: str | None = None,
        required: bool | None = None,
        hidden: bool = False,
    ) -> None:
        self.display_name = display_name
        self.description = description
        self.key = key or key_from_display_name(display_name)
        self.required = (default is NotSet) if required is None else required
        self.hidden = hidden
        self._value: Any = NotSet
        self.default = default
        if default is not NotSet and default is not None:
            self.default = self.validate(default, self.key)

    # -- values ----------------------------------------------------------------------------------
    @property
    def value(self) -> Any:
        """The loaded value, else the default (``None`` when neither)."""
        if self._value is not NotSet:
            return self._value
        return None if self.default is NotSet else copy.deepcopy(self.default)

    def is_set(self) -> bool:
        return self._value is not NotSet

    def load(self, raw: Any, path: str) -> None:
        self._value = None if raw is None else self.validate(raw, path)

    def reset(self) -> None:
        self._value = NotSet

    def bind(self) -> Element:
        clone = copy.copy(self)
        clone._value = NotSet
        return clone

    # -- validation ------------------------------------------------------------------------------
    def validate(self, raw: Any, path: str) -> Any:
        return raw

    def _fail(self, path: str, expected: str, raw: Any) -> ConfigError:
        return ConfigError(f"config key {path!r}: expected {expected}, got {type(raw).__name__} {raw!r}")

    # -- schema ----------------------------------------------------------------------------------
    def to_json_schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.display_name, "type": self.json_type}
        if self.description:
            out["description"] = self.description
        if self.default is not NotSet:
            out["default"] = self.default
        if self.hidden:
            out["x-hidden"] = True
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display_name!r}, value={self.value!r})"


class _Numeric(Element):
    def __init__(self, display_name: str, *, minimum: float | None = None, maximum: float | None = None,
                 **kw: Any) -> None:
        self.minimum = minimum
        self.maximum = maximum
        super().__init__(display_name, **kw)

    def _check_range(self, value: float, path: str) -> None:
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(f"config key {path!r}: {value!r} is below the minimum {self.minimum!r}")
        if self.maximum is not None and value > self.maximum:
            raise ConfigError(f"config key {path!r}: {value!r} is above the maximum {self.maximum!r}")

    def to_json_schema(self) -> dict[str, Any]:
        out = super().to_json_schema()
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


class Integer(_Numeric):
    json_type = "integer"

    def validate(self, raw: Any, path: str) -> int:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise self._fail(path, "an integer", raw)
        if isinstance(raw, float):
            if not (math.isfinite(raw) and raw.is_integer()):
                raise self._fail(path, "an integer", raw)
            raw = int(raw)
        self._check_range(raw, path)
        return raw


class Number(_Numeric):
    json_type = "number"

    def validate(self, raw: Any, path: str) -> float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise self._fail(path, "a finite number", raw)
        self._check_range(raw, path)
        return raw


class Boolean(Element):
    json_type = "boolean"

    def validate(self, raw: Any, path: str) -> bool:
        if not isinstance(raw, bool):
            raise self._fail(path, "true or false", raw)
        return raw


class String(Element):
    json_type = "string"

    def __init__(self, display_name: str, *, pattern: str | None = None, **kw: Any) -> None:
        self.pattern = pattern
        super().__init__(display_name, **kw)

    def validate(self, raw: Any, path: str) -> str:
        if not isinstance(raw, str):
            raise self._fail(path, "a string", raw)
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise ConfigError(f"config key {path!r}: {raw!r} does not match the pattern {self.pattern!r}")
        return raw

    def to_json_schema(self) -> dict[str, Any]:
        out = super().to_json_schema()
        if self.pattern:
            out["pattern"] = self.pattern
        return out


class Enum(Element):
    json_type = "string"

    def __init__(self, display_name: str, *, choices: Iterable[Any], **kw: Any) -> None:
        self.choices = list(choices)
        if not self.choices:
            raise ValueError(f"Enum {display_name!r} needs at least one choice")
        super().__init__(display_name, **kw)

    def validate(self, raw: Any, path: str) -> Any:
        if raw not in self.choices:
            raise ConfigError(f"config key {path!r}: expected one of {self.choices!r}, got {raw!r}")
        return raw

    def to_json_schema(self) -> dict[str, Any]:
        out = super().to_json_schema()
        types = {type(c) for c in self.choices}
        if types != {str}:
            out.pop("type")
        out["enum"] = list(self.choices)
        return out


class Array(Element):
    """A list of values of one element type; ``.elements`` gives bound items."""

    json_type = "array"

    def __init__(self, display_name: str, *, element: Element | None = None, min_items: int | None = None,
                 max_items: int | None = None, **kw: Any) -> None:
        self.element = element
        self.min_items = min_items
        self.max_items = max_items
        self._items: list[Element] = []
        super().__init__(display_name, **kw)

    def bind(self) -> Array:
        clone = super().bind()
        assert isinstance(clone, Array)
        clone._items = []
        return clone

    def validate(self, raw: Any, path: str) -> list[Any]:
        if not isinstance(raw, (list, tuple)):
            raise self._fail(path, "a list", raw)
        if self.min_items is not None and len(raw) < self.min_items:
            raise ConfigError(f"config key {path!r}: needs at least {self.min_items} items, got {len(raw)}")
        if self.max_items is not None and len(raw) > self.max_items:
            raise ConfigError(f"config key {path!r}: allows at most {self.max_items} items, got {len(raw)}")
        if self.element is None:
            return list(raw)
        return [self.element.validate(item, f"{path}[{i}]") for i, item in enumerate(raw)]

    def load(self, raw: Any, path: str) -> None:
        super().load(raw, path)
        self._items = []
        if self.element is not None and isinstance(self._value, list):
            for i, item in enumerate(self._value):
                bound = self.element.bind()
                bound.load(item, f"{path}[{i}]")
                self._items.append(bound)

    @property
    def elements(self) -> list[Element]:
        """Bound items (for arrays of objects: ``cfg.items.elements[0].name.value``)."""
        return list(self._items)

    def to_json_schema(self) -> dict[str, Any]:
        out = super().to_json_schema()
        if self.element is not None:
            out["items"] = self.element.to_json_schema()
        if self.min_items is not None:
            out["minItems"] = self.min_items
        if self.max_items is not None:
            out["maxItems"] = self.max_items
        return out


class Object(Element):
    """A nested group of elements: subclass it with class attributes, or pass ``elements=``."""

    json_type = "object"
    _declared: ClassVar[dict[str, Element]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declared = _collect_elements(cls)

    def __init__(self, display_name: str, *, elements: Mapping[str, Element] | Iterable[Element] | None = None,
                 **kw: Any) -> None:
        decls = dict(self._declared)
        if isinstance(elements, Mapping):
            decls.update(elements)
        elif elements is not None:
            decls.update({e.key: e for e in elements})
        self._children: dict[str, Element] = {attr: e.bind() for attr, e in decls.items()}
        kw.setdefault("required", False)
        super().__init__(display_name, **kw)

    def bind(self) -> Object:
        clone = copy.copy(self)
        clone._value = NotSet
        clone._children = {attr: e.bind() for attr, e in self._children.items()}
        return clone

    def __getattr__(self, name: str) -> Element:
        children = self.__dict__.get("_children", {})
        if name in children:
            return children[name]
        raise AttributeError(name)

    def validate(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise self._fail(path, "an object", raw)
        return _validate_children(self._children, raw, path)

    def load(self, raw: Any, path: str) -> None:
        super().load(raw, path)
        _load_children(self._children, raw or {}, path)

    @property
    def value(self) -> Any:
        return {e.key: e.value for e in self._children.values()}

    def to_json_schema(self) -> dict[str, Any]:
        out = super().to_json_schema()
        out.update(_object_schema(self._children))
        return out


def _collect_elements(cls: type) -> dict[str, Element]:
    found: dict[str, Element] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, Element):
                found[attr] = value
    return found


def _validate_children(children: Mapping[str, Element], raw: Mapping[str, Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for element in children.values():
        sub = f"{path}.{element.key}" if path else element.key
        if element.key in raw and raw[element.key] is not None:
            out[element.key] = element.validate(raw[element.key], sub)
        elif element.required and element.default is NotSet:
            raise ConfigError(f"config key {sub!r} is required ({element.json_type}) but missing")
    return out


def _load_children(children: Mapping[str, Element], raw: Mapping[str, Any], path: str) -> None:
    _validate_children(children, raw, path)  # all-or-nothing: check everything before storing
    for element in children.values():
        sub = f"{path}.{element.key}" if path else element.key
        if element.key in raw:
            element.load(raw[element.key], sub)
        else:
            element.reset()


def _object_schema(children: Mapping[str, Element]) -> dict[str, Any]:
    return {
        "properties": {e.key: e.to_json_schema() for e in children.values()},
        "required": [e.key for e in children.values() if e.required and e.default is NotSet],
        "additionalProperties": True,
    }


class Schema:
    """Base class of an app's config. Subclass with elements as class attributes."""

    _declared: ClassVar[dict[str, Element]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declared = _collect_elements(cls)

    def __init__(self) -> None:
        # Bound copies, so values are per instance (pydoover kept them on the class).
        self._elements: dict[str, Element] = {attr: e.bind() for attr, e in self._declared.items()}
        self.extra: dict[str, Any] = {}
        self.source: str | None = None

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_"):
            elements = object.__getattribute__(self, "_elements")
            if name in elements:
                return elements[name]
        return object.__getattribute__(self, name)

    def elements(self) -> dict[str, Element]:
        return dict(self._elements)

    def load(self, data: Mapping[str, Any], source: str = "<config>") -> None:
        """Validate and take ``data``; on any error nothing is changed and ConfigError names the key."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: the config must be a JSON object, got {type(data).__name__}")
        try:
            _load_children(self._elements, data, "")
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        known = {e.key for e in self._elements.values()}
        self.extra = {k: v for k, v in data.items() if k not in known}
        self.source = source

    def load_file(self, path: str | Path) -> None:
        """Load a JSON file; errors name the file (and line for JSON syntax errors)."""
        p = Path(path)
        try:
            text = p.read_text()
        except OSError as exc:
            raise ConfigError(f"config file {str(p)!r} cannot be read: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config file {str(p)!r}, line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
        self.load(data, source=str(p))

    # pydoover name
    def _inject_deployment_config(self, data: Mapping[str, Any]) -> None:
        self.load(data, source="deployment_config")

    def to_dict(self) -> dict[str, Any]:
        return {e.key: e.value for e in self._elements.values()}

    @classmethod
    def to_json_schema(cls) -> dict[str, Any]:
        """The config as JSON Schema (draft 2020-12)."""
        schema: dict[str, Any] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": cls.__name__,
            "type": "object",
        }
        schema.update(_object_schema(cls._declared))
        return schema

    # Python's normal attribute lookup would find the class-level declaration first; route
    # instance access to the bound copy instead.
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"
