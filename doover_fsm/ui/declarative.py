"""The declarative ``UI`` class: elements as class attributes, one deep copy per app instance.

``class MyUI(ui.UI, display_name=...)`` declares an app's UI; ``MyUI(config, tags, app_key)``
makes the instance an app publishes. ``to_schema()`` gives the ``uiApplication`` JSON exactly as
pydoover 1.18 writes it (``$config.app()…`` references resolved from the config unless
``resolve_config=False``), ``export()`` writes it into ``doover_config.json``.
Not thread-safe: build and change it on the app's loop.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from doover_fsm.ui.binding import bind_value, normalize_ui_value, resolve_config_refs
from doover_fsm.ui.element import Element
from doover_fsm.ui.interaction import Interaction

ElementT = TypeVar("ElementT")


class _DeclaredElement(Generic[ElementT]):
    """A UI class attribute: the class sees the template, an instance its own copy."""

    def __init__(self, attr_name: str, template: ElementT):
        self.attr_name = attr_name
        self.template = template

    def __get__(self, instance: UI | None, owner: type[UI]) -> ElementT:
        if instance is None:
            return self.template
        element: ElementT = instance._elements[self.attr_name]
        return element

    def __set__(self, instance: UI, value: ElementT) -> None:
        if not isinstance(value, Element):
            raise TypeError("ui.UI attributes must be Element instances.")
        instance._elements[self.attr_name] = value


def _variable_ref(value: Any, kind: str, fallback: str) -> Any:
    if isinstance(value, str):
        if not value.startswith("$"):
            raise ValueError(f"If `{kind}` is a `str` it must start with `$` to represent a variable.")
        return f"{value}:{fallback}"
    return value


class UI:
    """Base of an app's UI. Class keywords set the app element's own fields (display name, …)."""

    __ui_declarations__: ClassVar[dict[str, _DeclaredElement[Any]]] = {}
    _display_name: ClassVar[Any] = "$config.app().APP_DISPLAY_NAME"
    _hidden: ClassVar[Any] = "$config.app().interpreter_hidden:boolean:false"
    _full_width: ClassVar[Any] = "$config.app().interpreter_full_width:boolean:false"
    _position: ClassVar[Any] = "$config.app().dv_app_position:number:100"
    _default_open: ClassVar[Any] = "$config.app().dv_app_default_open:boolean"
    _icon: ClassVar[Any] = None
    _colour: ClassVar[Any] = None
    #: Set by the app runtime before ``setup()`` (None in test mode and standalone).
    platform_iface: Any = None

    def __init_subclass__(
        cls,
        display_name: str = "$config.app().APP_DISPLAY_NAME",
        hidden: bool | str = "$config.app().interpreter_hidden",
        full_width: bool | str = "$config.app().interpreter_full_width",
        position: int | str = "$config.app().dv_app_position:number:100",
        default_open: bool | str = "$config.app().dv_app_default_open:boolean",
        icon: str | None = None,
        colour: str | None = None,
        **kwargs: Any,
    ):
        super().__init_subclass__(**kwargs)
        declarations: dict[str, _DeclaredElement[Any]] = {}
        for base in reversed(cls.__mro__[1:]):
            declarations.update(getattr(base, "__ui_declarations__", {}))
        for attr_name, value in list(cls.__dict__.items()):
            if isinstance(value, Element):
                declarations[attr_name] = _DeclaredElement(attr_name, value)
                setattr(cls, attr_name, declarations[attr_name])
        cls.__ui_declarations__ = declarations
        cls._display_name = display_name
        cls._hidden = _variable_ref(hidden, "hidden", "boolean:false")
        cls._full_width = _variable_ref(full_width, "full_width", "boolean:false")
        # pydoover only checks a position string that lacks the leading `$` (and then always rejects it).
        if isinstance(position, str) and not position.startswith("$"):
            raise ValueError("If `position` is a `str` it must start with `$` to represent a variable.")
        cls._position = position
        cls._default_open = default_open
        cls._icon = icon
        cls._colour = colour

    def __init__(self, config: Any = None, tags: Any = None, app_key: str | None = None):
        self.config = config
        self.tags = tags
        self.app_key = app_key
        self._elements: dict[str, Any] = {
            name: copy.deepcopy(declaration.template) for name, declaration in type(self).__ui_declarations__.items()
        }

    @property
    def is_static(self) -> bool:
        """True when the class does not override ``setup()`` (its schema is fixed at declaration)."""
        return type(self).setup is UI.setup

    async def setup(self) -> None:
        """Change this UI from config before the app publishes it (override in a subclass)."""

    def to_schema(self, resolve_config: Any = True) -> dict[str, Any]:
        """The ``uiApplication`` JSON of this UI (as published under ``ui_state``)."""
        schema: dict[str, Any] = normalize_ui_value({
            "displayString": self._display_name, "hidden": self._hidden, "fullWidth": self._full_width,
            "position": self._position, "icon": self._icon, "colour": self._colour,
            "defaultOpen": self._default_open, "type": "uiApplication", "name": "$config.app().APP_KEY",
            "children": {e.name: e.to_dict() for e in self._elements.values()},
        })
        if resolve_config and self.config is not None:
            schema = resolve_config_refs(schema, self.config)
        return schema

    def export(self, fp: Path, app_name: str) -> None:
        """Write the unresolved schema into ``fp`` (``doover_config.json``) under ``app_name.ui_schema``."""
        fp = Path(fp)
        data = json.loads(fp.read_text()) if fp.exists() else {}
        schema = self.to_schema(resolve_config=False)
        if isinstance(data.get(app_name), dict):
            data[app_name]["ui_schema"] = schema
        else:
            data[app_name] = {"ui_schema": schema}
        fp.write_text(json.dumps(data, indent=4))

    @property
    def children(self) -> list[Any]:
        return list(self._elements.values())

    def to_elements(self) -> list[Any]:
        return self.children

    def get_interactions(self) -> dict[str, Interaction]:
        """Every interaction by name, nested ones (containers, tabs, submodules) included."""
        found: dict[str, Interaction] = {}
        _collect_interactions(self._elements.values(), found)
        return found

    def add_element(self, element: Any) -> Any:
        if not isinstance(element, Element):
            raise TypeError("add_element expects an Element instance.")
        self._elements[element.name] = element
        setattr(self, element.name, element)
        return element

    def remove_element(self, name: str) -> None:
        try:
            del self._elements[name]
        except KeyError as exc:
            raise KeyError(name) from exc
        self.__dict__.pop(name, None)

    def bind_tags(self, tags: Any) -> UI:
        """Turn declared-tag references into lookups of ``tags`` (errors name a missing tag)."""
        visited: set[int] = set()
        for element in self._elements.values():
            bind_value(element, tags, visited)
        return self

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_elements"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def _collect_interactions(elements: Any, found: dict[str, Interaction]) -> None:
    for element in elements:
        if isinstance(element, Interaction):
            found[element.name] = element
        children = getattr(element, "_children", None)
        if children is not None:
            _collect_interactions(children.values(), found)
