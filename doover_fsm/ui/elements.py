"""UI elements: variables that show tag values, interactions that send commands back.

Declared on a :class:`~doover_fsm.ui.declarative.UI` subclass; published to ``ui_state``;
commands arrive on ``ui_cmds`` (DESIGN §6) and reach ``@ui.handler(name)`` methods.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from doover_fsm.tags.declare import Tag


class Element:
    """Base of all UI elements (name, display string, optional help text)."""

    type_name = "uiElement"

    def __init__(self, name: str | None = None, display_name: str | None = None, *, help_str: str = "",
                 hidden: bool = False, position: int | None = None) -> None:
        self.name = name
        self.display_name = display_name
        self.help_str = help_str
        self.hidden = hidden
        self.position = position

    def __set_name__(self, owner: type, attr: str) -> None:
        if self.name is None:
            self.name = attr
        if self.display_name is None:
            self.display_name = attr.replace("_", " ").title()

    def bind(self) -> Element:
        return copy.copy(self)

    def to_schema(self, app_key: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type_name, "name": self.name, "displayString": self.display_name}
        if self.help_str:
            out["helpString"] = self.help_str
        if self.hidden:
            out["hidden"] = True
        if self.position is not None:
            out["position"] = self.position
        return out


class Variable(Element):
    """Shows a value: bound to a tag (``curr_val=MyTags.level``) or a constant."""

    type_name = "uiVariable"
    var_type = "any"

    def __init__(self, name: str | None = None, display_name: str | None = None, *, curr_val: Any = None,
                 units: str | None = None, **kw: Any) -> None:
        super().__init__(name, display_name, **kw)
        self.curr_val = curr_val
        self.units = units

    @property
    def tag(self) -> Tag | None:
        return self.curr_val if isinstance(self.curr_val, Tag) else None

    def to_schema(self, app_key: str | None) -> dict[str, Any]:
        out = super().to_schema(app_key)
        out["varType"] = self.var_type
        if self.units:
            out["units"] = self.units
        # (not ``self.tag``: mypy applies Tag's descriptor __get__ to a property typed as Tag)
        tag = self.curr_val if isinstance(self.curr_val, Tag) else None
        if tag is not None:
            out["tag"] = {"app_key": app_key, "name": tag.key}
        elif self.curr_val is not None:
            out["currentValue"] = self.curr_val
        return out


class NumericVariable(Variable):
    var_type = "float"

    def __init__(self, name: str | None = None, display_name: str | None = None, *, precision: int | None = None,
                 ranges: Iterable[dict[str, Any]] = (), **kw: Any) -> None:
        super().__init__(name, display_name, **kw)
        self.precision = precision
        self.ranges = list(ranges)

    def to_schema(self, app_key: str | None) -> dict[str, Any]:
        out = super().to_schema(app_key)
        if self.precision is not None:
            out["decPrecision"] = self.precision
        if self.ranges:
            out["ranges"] = self.ranges
        return out


class TextVariable(Variable):
    var_type = "text"


class BooleanVariable(Variable):
    var_type = "bool"


class Interaction(Element):
    """Something a user does; its command reaches the app's ``@ui.handler(name)`` method.

    ``tag=`` (optional) mirrors the current value into a tag of the app.
    """

    type_name = "uiInteraction"

    def __init__(self, name: str | None = None, display_name: str | None = None, *, default: Any = None,
                 tag: Tag | None = None, **kw: Any) -> None:
        super().__init__(name, display_name, **kw)
        self.default = default
        self.value: Any = default
        self.tag = tag

    def coerce(self, value: Any) -> Any:
        """Check a command's value; raise ValueError naming the interaction if it is wrong."""
        return value

    def to_schema(self, app_key: str | None) -> dict[str, Any]:
        out = super().to_schema(app_key)
        if self.value is not None:
            out["currentValue"] = self.value
        return out


class Button(Interaction):
    type_name = "uiAction"

    def __init__(self, name: str | None = None, display_name: str | None = None, *, requires_confirm: bool = False,
                 **kw: Any) -> None:
        super().__init__(name, display_name, **kw)
        self.requires_confirm = requires_confirm

    def to_schema(self, app_key: str | None) -> dict[str, Any]:
        out = super().to_schema(app_key)
        out["requiresConfirm"] = self.requires_confirm
        return out


class Switch(Interaction):
    type_name = "uiSwitch"

    def coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise ValueError(f"switch {self.name!r} takes true or false, got {value!r}")


class Slider(Interaction):
    type_name = "uiSlider"

    def __init__(self, name: str | None = None, display_name: str | None = None, *, min_val: float = 0,
                 max_val: float = 100, step_size: float = 1, **kw: Any) -> None:
        super().__init__(name, display_name, **kw)
        if min_val >= max_val:
            raise ValueError(f"slider {name!r}: min_val {min_val} must be below max_val {max_val}")
        self.min_val, self.max_val, self.step_size = min_val, max_val, step_size

    def coerce(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"slider {self.name!r} takes a number, got {value!r}")
        if not self.min_val <= value <= self.max_val:
            raise ValueError(f"slider {self.name!r}: {value!r} is outside {self.min_val}..{self.max_val}")
        return value

    def to_schema(self, app_key: str | None) -> dict[str, Any]:
        out = super().to_schema(app_key)
        out.update(min=self.min_val, max=self.max_val, stepSize=self.step_size)
        return out


class Select(Interaction):
    type_name = "uiStateCommand"

    def __init__(self, name: str | None = None, display_name: str | None = None, *, options: Iterable[Any] = (),
                 **kw: Any) -> None:
        super().__init__(name, display_name, **kw)
        self.options = list(options)
        if not self.options:
            raise ValueError(f"select {name!r} needs at least one option")

    def coerce(self, value: Any) -> Any:
        if value not in self.options:
            raise ValueError(f"select {self.name!r}: {value!r} is not one of {self.options!r}")
        return value

    def to_schema(self, app_key: str | None) -> dict[str, Any]:
        out = super().to_schema(app_key)
        out["userOptions"] = {str(o): {"name": str(o), "displayString": str(o)} for o in self.options}
        return out
