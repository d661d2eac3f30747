"""Parameters: interactions where the user types or picks a value (numbers, text, dates, times)."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

from doover_fsm.ui.binding import normalize_ui_value
from doover_fsm.ui.interaction import Interaction
from doover_fsm.ui.misc import NotSet, duration_ms


class Parameter(Interaction):
    """Base of the input interactions."""

    type: ClassVar[Any] = NotImplemented


class FloatInput(Parameter):
    """A number input, optionally bounded by ``min_val``/``max_val``."""

    type = "uiFloatInput"

    def __init__(self, display_name: Any, min_val: Any = NotSet,
                 max_val: Any = NotSet, **kwargs: Any):
        super().__init__(display_name, **kwargs)
        self.min = min_val
        self.max = max_val

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.min is not NotSet:
            out["min"] = self.min
        if self.max is not NotSet:
            out["max"] = self.max
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class TextInput(Parameter):
    """A text input (``is_text_area=True`` for a multi-line box)."""

    type = "uiTextInput"

    def __init__(self, display_name: Any, is_text_area: bool = False, **kwargs: Any):
        super().__init__(display_name, **kwargs)
        self.is_text_area = is_text_area

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["isTextArea"] = self.is_text_area
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class BooleanParameter(Parameter):
    """Not supported by the Doover site: constructing one raises NotImplementedError (as in pydoover)."""

    type = "uiBoolParam"
    _legacy = True  # its (name, display_name) signature is the same in both generations

    def __init__(self, name: Any, display_name: Any, **kwargs: Any):
        super().__init__(name, display_name, **kwargs)
        raise NotImplementedError("boolean parameter not implemented in doover site.")


class DatetimeInput(Parameter):
    """A date/time picker; values are epoch milliseconds (UTC)."""

    type = "uiDatetimeInput"

    def __init__(self, display_name: str, include_time: Any = NotSet, *,
                 pickers: Any = NotSet, direction: Any = NotSet,
                 max_past: Any = NotSet, max_future: Any = NotSet, **kwargs: Any):
        super().__init__(display_name, **kwargs)
        if include_time is not NotSet:
            warnings.warn("include_time is deprecated and will be removed in a future release. Use pickers "
                          "instead.", DeprecationWarning, stacklevel=3)
            if pickers is NotSet:
                pickers = ["date", "time"] if include_time else ["date"]
        self.pickers = pickers
        self.direction = direction
        self.max_past = max_past
        self.max_future = max_future

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.pickers is not NotSet:
            out["pickers"] = self.pickers
        if self.direction is not NotSet:
            out["direction"] = self.direction
        if self.max_past is not NotSet:
            out["maxPast"] = duration_ms(self.max_past)
        if self.max_future is not NotSet:
            out["maxFuture"] = duration_ms(self.max_future)
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class TimeInput(DatetimeInput):
    """A time-of-day input; values are seconds into the local day."""

    type = "uiTimeInput"
