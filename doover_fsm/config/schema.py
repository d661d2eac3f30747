"""``Schema``: an app's configuration, declared the pydoover 1.x way or the 0.4 way.

1.x: elements are class attributes; ``Cfg.to_schema()`` and ``Cfg.export(path, app_key)`` work
on the class. 0.4: ``__init__`` assigns elements to the instance (with or without calling
``super().__init__()``); ``Cfg().to_dict()`` and ``Cfg().export(path, app_key)`` work on the
instance. A schema instance is 0.4 as soon as one element is assigned to it, and its JSON then
has 0.4's shape and keys; otherwise it is 1.x. Either way each instance owns copies of the
declared elements, so two apps in one process never share values (pydoover shared them).
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import pathlib
import types
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from doover_fsm.config.containers import (
    _declared_elements,
    build_object_schema,
    check_children,
    load_children,
    own_class_elements,
)
from doover_fsm.config.element import ConfigDeclarationError, ConfigElement
from doover_fsm.config.keys import GEN_04, GEN_1
from doover_fsm.errors import ConfigError

log = logging.getLogger(__name__)

_R = TypeVar("_R")
_SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


class _class_or_instance(Generic[_R]):
    """A method bound to the instance when called on one, else to the class (1.x classmethod, 0.4 method)."""

    def __init__(self, func: Callable[..., _R]) -> None:
        self.func = func
        functools.update_wrapper(self, func)  # type: ignore[arg-type]

    def __get__(self, obj: object, owner: type) -> Callable[..., _R]:
        return types.MethodType(self.func, owner if obj is None else obj)


class Schema:
    """Represents the configuration schema for a Doover application.

    Subclass it and declare elements as class attributes (pydoover 1.x)::

        class MyConfig(config.Schema):
            pump_pin = config.Integer("Digital Output Number", description="Pin driving the pump.")
            engine = config.Enum("Engine Type", choices=["Honda", "Cat"], default="Honda")

    or assign them in ``__init__`` (pydoover 0.4). Class keywords ``name=`` (the schema title)
    and ``advanced=`` (``x-advanced``) are pydoover's. Not thread-safe.
    """

    _element_map: ClassVar[dict[str, ConfigElement]] = {}
    _attr_to_name: ClassVar[dict[str, str]] = {}
    _schema_name: ClassVar[str] = "$default"
    _advanced: ClassVar[bool | None] = None

    # -- class declarations (1.x) ----------------------------------------------------------------
    def __init_subclass__(cls, name: str = "$default", advanced: bool | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._schema_name = name
        # pydoover keeps the title as ``Cfg.name`` unless an element is declared as ``name``.
        if not isinstance(cls.__dict__.get("name"), ConfigElement):
            cls.name = name  # type: ignore[attr-defined]
        cls._advanced = advanced
        cls._element_map = {}
        cls._attr_to_name = {}
        cls._load_elements()

    @classmethod
    def _load_elements(cls) -> None:
        cls._element_map, cls._attr_to_name = _declared_elements(cls, Schema, "_element_map")
        for attr, element in own_class_elements(cls):
            element._adopt(GEN_1)
            cls._attr_to_name[attr] = element._name
            inherited = cls._element_map.get(element._name)
            if inherited is not None:  # a subclass redeclares a field: it takes the parent's place
                if element._position is None:
                    element._position = inherited._position
                cls._element_map[element._name] = element
            else:
                cls.add_element(element)

    @classmethod
    def add_element(cls, element: ConfigElement) -> None:
        """Add a declared element to the class (its ``x-position`` is its order, from 0)."""
        if element._position is None:
            element._position = len(cls._element_map)
        if element._name in cls._element_map:
            raise ConfigDeclarationError(f"Duplicate element name {element._name} not allowed.")
        cls._element_map[element._name] = element

    @classmethod
    def clear_elements(cls) -> None:
        """Forget the class's declared elements."""
        cls._element_map.clear()

    # -- per-instance elements -------------------------------------------------------------------
    def _materialize(self) -> dict[str, ConfigElement]:
        """This instance's own copies of the declared elements (made on first use: 0.4 subclasses
        may never call ``super().__init__()``)."""
        cls = type(self)
        elements, attrs = copy.deepcopy((cls._element_map, {a: cls._element_map[k] for a, k in
                                                            cls._attr_to_name.items() if k in cls._element_map}))
        state = object.__getattribute__(self, "__dict__")
        state.update(_element_map=elements, _attr_elements=attrs, _generation=GEN_1,
                     _extras={}, _raw_extras={}, _source=None)
        return elements

    def __getattribute__(self, name: str) -> Any:
        # Element attributes may start with "_" too (``_edge = Enum(..., name="edge")`` behind a
        # property): those must read this instance's element, not the class's declaration.
        if name == "_element_map" or not name.startswith("_") or name in type(self)._attr_to_name:
            state = object.__getattribute__(self, "__dict__")
            elements = state.get("_element_map")
            if elements is None:
                elements = object.__getattribute__(self, "_materialize")()
            if name == "_element_map":
                return elements
            element = state["_attr_elements"].get(name)
            if element is not None:
                return element
        return object.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        # Keys of the deployment config that no element declares (AGENT_ID, APP_DISPLAY_NAME, ...).
        extras = self.__dict__.get("_extras")
        if extras is not None and name in extras:
            return extras[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ConfigElement):
            self._add_instance_element(name, value)
        object.__setattr__(self, name, value)

    def _add_instance_element(self, attr: str, element: ConfigElement) -> None:
        # pydoover 0.4: an element assigned to the instance joins the schema, keyed the 0.4 way.
        elements = self._element_map
        element._adopt(GEN_04)
        if element._name in elements:
            raise ConfigDeclarationError(f"Duplicate element name {element._name} not allowed.")
        elements[element._name] = element
        state = self.__dict__
        state["_generation"] = GEN_04
        state["_attr_elements"].pop(attr, None)

    # -- JSON Schema -----------------------------------------------------------------------------
    @_class_or_instance
    def to_schema(self_or_cls: Any) -> dict[str, Any]:
        """The config's JSON Schema (draft 2020-12), as ``doover_config.json`` holds it."""
        if isinstance(self_or_cls, type):
            declared: dict[str, ConfigElement] = getattr(self_or_cls, "_element_map")  # noqa: B009
            return _render(declared, GEN_1, self_or_cls)
        return _render(self_or_cls._element_map, self_or_cls.__dict__["_generation"], type(self_or_cls))

    #: pydoover 0.4's name for :meth:`to_schema`.
    to_dict = to_schema

    @_class_or_instance
    def export(self_or_cls: Any, fp: pathlib.Path, app_name: str) -> None:
        """Write the schema into ``fp`` (``doover_config.json``) as ``[app_name]["config_schema"]``,
        keeping everything else in the file."""
        fp = pathlib.Path(fp)
        data = json.loads(fp.read_text()) if fp.exists() else {}
        schema = self_or_cls.to_schema()
        try:
            data[app_name]["config_schema"] = schema
        except KeyError:
            data[app_name] = {"config_schema": schema}
        fp.write_text(json.dumps(data, indent=4))

    # -- deployment values -----------------------------------------------------------------------
    def _inject_deployment_config(self, config: dict[str, Any]) -> None:
        """Load this app's entry of the ``deployment_config`` channel (pydoover's name).

        Absent keys take their defaults; a missing required key, or a value the schema forbids,
        raises ConfigError (a ValueError) naming the key, and then nothing has changed.
        """
        self._inject(config, "deployment config")

    def _inject(self, data: Mapping[str, Any], source: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: the config must be a JSON object, got {type(data).__name__}")
        elements = self._element_map
        state = self.__dict__
        try:
            checked = check_children(elements, data, "", additional=True, missing="deployment config",
                                     raise_missing=True, top_level=True)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        load_children(elements, checked, self._keep_extra)
        state["_source"] = source

    def _keep_extra(self, key: str, value: Any) -> None:
        extra = ConfigElement(key)
        extra._load(value)
        self.__dict__["_extras"][key] = extra
        self.__dict__["_raw_extras"][key] = value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {list(self._element_map)}>"


def _render(elements: Mapping[str, ConfigElement], generation: str, cls: Any) -> dict[str, Any]:
    if generation == GEN_04:
        return {
            "$schema": _SCHEMA_URL,
            "$id": "",
            "title": "Application Config",
            "type": "object",
            "properties": {key: element.to_dict() for key, element in elements.items()},
            "additionalElements": True,
            "required": [key for key, element in elements.items() if element.required],
        }
    schema = build_object_schema(elements)
    payload: dict[str, Any] = {
        "$schema": _SCHEMA_URL,
        "$id": "",
        "title": cls._schema_name,
        "type": "object",
        "properties": schema["properties"],
        "additionalElements": True,
        "required": schema["required"],
    }
    if schema["allOf"]:
        payload["allOf"] = schema["allOf"]
    if cls._advanced is not None:
        payload["x-advanced"] = cls._advanced
    return payload


#: pydoover's alias.
ApplicationConfig = Schema
