"""pydoover 0.4 elements: variables with ``update``/``current_value``, interactions with ``coerce``."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from doover_fsm.ui import variable as v1
from doover_fsm.ui.binding import normalize_ui_value
from doover_fsm.ui.element import Element
from doover_fsm.ui.interaction import Interaction, Slider, WarningIndicator
from doover_fsm.ui.misc import Colour, NotSet, Option, Range

log = logging.getLogger("doover_fsm.ui")


class LegacyElement(Element):
    """0.4 base: ``(name, display_name, ...)``; JSON leaves out only ``None`` fields."""

    _legacy = True
    type = "uiElement"

    def __init__(self, name: str, display_name: str | None = None, is_available: Any = None,
                 help_str: str | None = None, verbose_str: str | None = None, show_activity: bool = True,
                 form: Any = None, graphic: Any = None, layout: Any = None, component_url: Any = None,
                 position: int | None = None, conditions: dict[str, Any] | None = None, hidden: bool = False,
                 **kwargs: Any):
        self.name = name
        self.display_name: Any = display_name or kwargs.get("display_str")
        self.is_available = is_available
        self.help_str = help_str
        self.verbose_str = verbose_str
        self.show_activity = show_activity
        self.form = form
        self.graphic = graphic
        self.layout = layout
        self.component_url = component_url
        self.position = position
        self.conditions = conditions
        self.hidden = hidden
        for key, value in kwargs.items():
            setattr(self, key, value)
        self._retain_fields: list[str] = []

    def to_dict(self) -> dict[str, Any]:
        fields = {
            "name": self.name, "type": self.type, "displayString": self.display_name,
            "isAvailable": self.is_available, "helpString": self.help_str, "verboseString": self.verbose_str,
            "showActivity": self.show_activity, "form": self.form, "graphic": self.graphic, "layout": self.layout,
            "componentUrl": self.component_url, "position": self.position, "conditions": self.conditions,
            "hidden": self.hidden,
        }
        out: dict[str, Any] = normalize_ui_value({k: val for k, val in fields.items() if val is not None})
        return out

    def get_diff(self, other: dict[str, Any], remove: bool = True,
                 retain_fields: list[str] | None = None) -> dict[str, Any] | None:
        """What changed against ``other`` (the published JSON); removed fields map to ``None``."""
        this = self.to_dict()
        keep = set(retain_fields or []) | set(self._retain_fields)
        out = {k: val for k, val in this.items() if other.get(k) != val or k in keep}
        if remove:
            out.update({k: None for k in other if k not in this and k not in keep})
        return out or None

    def recv_ui_state_update(self, state: dict[str, Any]) -> None:
        """Hook for elements that take a value back from the published state."""


class AlertStream(LegacyElement):
    """The notifications banner (0.4)."""

    type = "uiAlertStream"

    def __init__(self, name: str = "significantEvent", display_name: str = "placeholder", **kwargs: Any):
        super().__init__(name, display_name, is_available=None, help_str=None, **kwargs)


# -- variables -----------------------------------------------------------------------------------
class _LegacyVariableMixin(LegacyElement):
    type = "uiVariable"

    def _init_variable(self, var_type: str, curr_val: Any, precision: Any, ranges: Any, earliest_data_time: Any,
                       default_zoom: Any, log_threshold: Any, kwargs: dict[str, Any]) -> None:
        self.var_type = var_type
        self._curr_val = curr_val
        self.precision = precision or kwargs.pop("dec_precision", None)
        self.earliest_data_time = earliest_data_time
        self.default_zoom = default_zoom or kwargs.pop("default_zoom", None)
        self.log_threshold = log_threshold if log_threshold is not None else kwargs.pop("log_threshold", None)
        self._log_request_pending = False
        self.ranges: list[Range] = []
        if ranges is not None:
            self.add_ranges(*ranges)

    def to_dict(self) -> dict[str, Any]:
        out = LegacyElement.to_dict(self)
        out["type"] = self.type
        out["varType"] = self.var_type
        if self.current_value is not None:
            out["currentValue"] = normalize_ui_value(self.current_value)
        if self.precision is not None:
            out["decPrecision"] = self.precision
        if self.earliest_data_time is not None:
            edt = self.earliest_data_time
            out["earliestDataDate"] = int(edt.timestamp()) if isinstance(edt, datetime) else edt
        if self.default_zoom is not None:
            out["defaultZoom"] = self.default_zoom
        out["ranges"] = [r.to_dict() for r in self.ranges]
        return out

    @property
    def current_value(self) -> Any:
        return None if self._curr_val is NotSet else self._curr_val

    @current_value.setter
    def current_value(self, val: Any) -> None:
        self.update(val)

    def update(self, new_value: Any, force_log: bool = False) -> None:
        """Set the shown value (rounded to ``precision``); flags a log when it moved past ``log_threshold``.

        A ``datetime`` is shown as epoch seconds, as 0.4's interactions store it (``ui_state`` is JSON).
        """
        if isinstance(new_value, datetime):
            new_value = int(new_value.timestamp())
        if force_log or self.assess_log_threshold(new_value):
            self._log_request_pending = True
        if self.precision is not None and new_value is not None:
            self._curr_val = round(new_value, self.precision)
        else:
            self._curr_val = new_value

    def assess_log_threshold(self, new_value: Any) -> bool:
        if self.log_threshold is None:
            return False
        old = self._curr_val
        plain = (int, float, bool, datetime)
        if isinstance(old, plain) and isinstance(new_value, plain):
            if type(old) is not type(new_value):
                return True
            return bool(abs(new_value - old) > self.log_threshold)  # type: ignore[operator]
        if isinstance(old, str) and isinstance(new_value, str):
            return new_value != old
        return old in (None, NotSet) and new_value not in (None, NotSet)

    def has_pending_log_request(self) -> bool:
        return self._log_request_pending

    def clear_log_request(self) -> None:
        self._log_request_pending = False

    def recv_ui_state_update(self, state: dict[str, Any]) -> None:
        if self._curr_val is NotSet and "currentValue" in state:
            self.current_value = state["currentValue"]

    def add_ranges(self, *range_val: Any) -> None:
        for r in range_val:
            if isinstance(r, Range):
                self.ranges.append(r)
            elif isinstance(r, dict):
                self.ranges.append(Range.from_dict(r))


class LegacyVariable(_LegacyVariableMixin, v1.Variable):
    def __init__(self, name: str, display_name: str, var_type: str, curr_val: Any = NotSet, precision: Any = None,
                 ranges: Any = None, earliest_data_time: Any = None, default_zoom: Any = None,
                 log_threshold: Any = None, **kwargs: Any):
        LegacyElement.__init__(self, name, display_name, **kwargs)
        self._init_variable(var_type, curr_val, precision, ranges, earliest_data_time, default_zoom, log_threshold,
                            kwargs)


class LegacyNumericVariable(_LegacyVariableMixin, v1.NumericVariable):
    def __init__(self, name: str, display_name: str, curr_val: Any = None, precision: Any = None,
                 ranges: Any = None, form: Any = None, **kwargs: Any):
        LegacyVariable.__init__(self, name, display_name, "float", curr_val=curr_val,  # type: ignore[arg-type]
                                precision=precision, ranges=ranges, **kwargs)
        self.form = form


class LegacyTextVariable(_LegacyVariableMixin, v1.TextVariable):
    def __init__(self, name: str, display_name: str, curr_val: Any = None, **kwargs: Any):
        LegacyVariable.__init__(self, name, display_name, "string", curr_val=curr_val, **kwargs)  # type: ignore[arg-type]


class LegacyBooleanVariable(_LegacyVariableMixin, v1.BooleanVariable):
    def __init__(self, name: str, display_name: str, curr_val: Any = None, log_threshold: Any = 0, **kwargs: Any):
        LegacyVariable.__init__(self, name, display_name, "bool", curr_val=curr_val,  # type: ignore[arg-type]
                                log_threshold=log_threshold, **kwargs)


class LegacyDateTimeVariable(_LegacyVariableMixin, v1.DateTimeVariable):
    def __init__(self, name: str, display_name: str, curr_val: Any = None, **kwargs: Any):
        LegacyVariable.__init__(self, name, display_name, "time", curr_val=curr_val, **kwargs)  # type: ignore[arg-type]


# -- interactions --------------------------------------------------------------------------------
class _LegacyInteractionMixin(LegacyElement):
    type = "uiInteraction"

    def _init_interaction(self, current_value: Any, default: Any, callback: Any, transform_check: Any,
                          show_activity: Any, kwargs: dict[str, Any]) -> None:
        self._current_value = current_value
        if default is not None:
            self._default_value = default
        else:
            self._default_value = kwargs.pop("default_val", None)
        self._manager: Any = None
        if callback:
            self.callback = callback  # type: ignore[method-assign]
        if transform_check:
            self.transform_check = transform_check  # type: ignore[method-assign]
        self.show_activity = show_activity

    @property
    def default(self) -> Any:
        return NotSet if self._default_value is None else self._default_value

    @property
    def current_value(self) -> Any:
        """The value last received or coerced; the default until then."""
        if self._current_value is NotSet and self._default_value is not None:
            return self._default_value
        return None if self._current_value is NotSet else self._current_value

    @current_value.setter
    def current_value(self, new_val: Any) -> None:
        if isinstance(new_val, datetime):
            new_val = int(new_val.timestamp())
        self._current_value = new_val

    def _json_safe_current_value(self) -> Any:
        result = self.current_value
        if isinstance(result, datetime):
            return int(result.timestamp())
        if isinstance(result, (set, tuple, list)):
            return list(result)
        return result

    def callback(self, new_value: Any) -> Any:
        """Called with each new value (0.4 element callbacks replace it)."""
        return None

    def transform_check(self, new_value: Any) -> Any:
        """Check/transform a new value before it is taken (``None`` becomes the default)."""
        if new_value is None and self._default_value is not None:
            return self._default_value
        return new_value

    def _is_new_value(self, new_value: Any) -> bool:
        return bool(new_value != self.current_value)

    async def _handle_new_value_async(self, new_value: Any) -> None:
        try:
            new_value = self.transform_check(new_value)
        except Exception as e:
            log.error("Error transforming value for %s: %s", self.name, e)
            return
        self.current_value = new_value
        try:
            result = self.callback(new_value)
            if hasattr(result, "__await__"):
                await result
        except Exception as e:
            log.error("Error in callback for %s: %s", self.name, e, exc_info=e)

    def coerce(self, value: Any, critical: bool = False) -> None:
        """Show ``value`` on the site (published with the next UI update)."""
        manager = self._manager
        if manager is not None and hasattr(manager, "_changed_interactions") and self._current_value != value:
            manager._changed_interactions.add(self.name)
        self.current_value = value

    def to_dict(self) -> dict[str, Any]:
        out = LegacyElement.to_dict(self)
        if self._current_value is not NotSet:
            out["currentValue"] = self._json_safe_current_value()
        if self.show_activity is not None:
            out["showActivity"] = self.show_activity
        return out


class LegacyInteraction(_LegacyInteractionMixin, Interaction):
    def __init__(self, name: str, display_name: str | None = None, current_value: Any = NotSet, default: Any = None,
                 callback: Any = None, transform_check: Any = None, show_activity: bool | None = None,
                 **kwargs: Any):
        LegacyElement.__init__(self, name, display_name, **kwargs)
        self._init_interaction(current_value, default, callback, transform_check, show_activity, kwargs)


class Action(LegacyInteraction):
    """A 0.4 button: ``Action(name, display_name, colour=, requires_confirm=True)``."""

    type = "uiAction"

    def __init__(self, name: str, display_name: str, colour: Any = Colour.blue, requires_confirm: bool = True,
                 disabled: bool = False, **kwargs: Any):
        super().__init__(name, display_name, **kwargs)
        self.colour = colour
        self.requires_confirm = requires_confirm
        self.disabled = disabled

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(colour=str(self.colour), requiresConfirm=self.requires_confirm, disabled=self.disabled)
        return out


class LegacyWarningIndicator(_LegacyInteractionMixin, WarningIndicator):
    type = "uiWarningIndicator"

    def __init__(self, *args: Any, **kwargs: Any):
        LegacyInteraction.__init__(self, *args, **kwargs)  # type: ignore[arg-type]
        self.can_cancel = kwargs.pop("can_cancel", True)

    def to_dict(self) -> dict[str, Any]:
        out = _LegacyInteractionMixin.to_dict(self)
        out["can_cancel"] = self.can_cancel
        return out


class HiddenValue(LegacyInteraction):
    """A value kept on the site but not shown (0.4)."""

    type = "uiHiddenValue"

    def __init__(self, name: str, **kwargs: Any):
        super().__init__(name, display_name=None, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type}


class SlimCommand(LegacyInteraction):
    """A bare command (0.4)."""

    type = "uiStateCommand"


class StateCommand(SlimCommand):
    """A 0.4 drop-down: ``StateCommand(name, display_name, user_options=[Option(name, display)])``."""

    def __init__(self, name: str, display_name: str | None = None, user_options: list[Option] | None = None,
                 **kwargs: Any):
        super().__init__(name, display_name, **kwargs)
        self.user_options: list[Option] = []
        self.add_user_options(*(user_options or []))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["userOptions"] = {o.name: o.to_dict() for o in self.user_options}
        return out

    def add_user_options(self, *option: Any) -> None:
        for o in option:
            if isinstance(o, Option):
                self.user_options.append(o)
            elif isinstance(o, dict):
                self.user_options.append(Option(o["name"], o["display_str"]))

    add_user_option = add_user_options


class LegacySlider(_LegacyInteractionMixin, Slider):
    type = "uiSlider"

    def __init__(self, name: str, display_name: str | None = None, min_val: int = 0, max_val: int = 100,
                 step_size: float = 0.1, dual_slider: bool = True, inverted: bool = True, icon: str | None = None,
                 colours: str | None = None, **kwargs: Any):
        LegacyInteraction.__init__(self, name, display_name, **kwargs)  # type: ignore[arg-type]
        self.min_val, self.max_val, self.step_size = min_val, max_val, step_size
        self.dual_slider, self.inverted, self.icon, self.colours = dual_slider, inverted, icon, colours

    def to_dict(self) -> dict[str, Any]:
        out = _LegacyInteractionMixin.to_dict(self)
        out.update(min=self.min_val, max=self.max_val, stepSize=self.step_size, dualSlider=self.dual_slider,
                   isInverted=self.inverted)
        if self.icon:
            out["icon"] = self.icon
        if self.colours:
            out["colours"] = self.colours
        return out


# -- parameters ------------------------------------------------------------------------------------
class NumericParameter(LegacyInteraction):
    """A 0.4 number input (``uiFloatParam``)."""

    type = "uiFloatParam"

    def __init__(self, name: str, display_name: str, min_val: Any = None, max_val: Any = None, **kwargs: Any):
        super().__init__(name, display_name, **kwargs)
        self.min = min_val or kwargs.pop("float_min", None)
        self.max = max_val or kwargs.pop("float_max", None)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out


class TextParameter(LegacyInteraction):
    """A 0.4 text input (``uiTextParam``)."""

    type = "uiTextParam"

    def __init__(self, name: str, display_name: str, is_text_area: bool = False, **kwargs: Any):
        super().__init__(name, display_name, **kwargs)
        self.is_text_area = is_text_area

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["isTextArea"] = self.is_text_area
        return out


class DateTimeParameter(LegacyInteraction):
    """A 0.4 date/time input (``uiDatetimeParam``); values are epoch seconds."""

    type = "uiDatetimeParam"

    def __init__(self, name: str, display_name: str, include_time: bool = False, **kwargs: Any):
        super().__init__(name, display_name, **kwargs)
        self.include_time = include_time

    @property
    def current_value(self) -> Any:
        raw = self._current_value
        if raw is NotSet or raw is None:
            return None
        if isinstance(raw, datetime):
            return raw
        if isinstance(raw, (int, float)):
            return datetime.utcfromtimestamp(raw)
        return None

    @current_value.setter
    def current_value(self, new_val: Any) -> None:
        self._current_value = int(new_val.timestamp()) if isinstance(new_val, datetime) else new_val

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["includeTime"] = self.include_time
        return out


async def _legacy_handler(self: Any, ctx: Any, payload: Any) -> None:
    """A command for a 0.4 interaction: its callback and the app's matching ``@ui.callback``s."""
    manager = self._manager
    if manager is not None and hasattr(manager, "apply_command"):
        await manager.apply_command(self, payload)
    else:
        await self._handle_new_value_async(payload)


_LegacyInteractionMixin.handler = _legacy_handler  # type: ignore[attr-defined]
