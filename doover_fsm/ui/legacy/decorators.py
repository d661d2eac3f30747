"""pydoover 0.4 decorators: ``@ui.callback(pattern)`` and element-making ``@ui.action(...)`` etc."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from doover_fsm.ui.legacy.elements import (
    Action,
    DateTimeParameter,
    HiddenValue,
    LegacySlider,
    LegacyWarningIndicator,
    NumericParameter,
    StateCommand,
    TextParameter,
)
from doover_fsm.ui.misc import Colour
from doover_fsm.ui.parameter import BooleanParameter

F = TypeVar("F", bound=Callable[..., Any])


def callback(pattern: str | re.Pattern[str], global_interaction: bool = False) -> Callable[[F], F]:
    """Mark an app method ``(self, element, new_value)`` to run when a matching interaction changes.

    A string pattern is prefixed with ``{app_key}_`` (0.4 interaction names carry the app key)
    unless ``global_interaction=True``.
    """
    if not isinstance(pattern, (str, re.Pattern)):
        raise ValueError("Invalid pattern type for UI callback. Must be a string or re.Pattern.")

    def decorator(func: F) -> F:
        func._is_ui_callback = True  # type: ignore[attr-defined]
        func._is_ui_global_interaction = global_interaction  # type: ignore[attr-defined]
        func._ui_callback_pattern = pattern  # type: ignore[attr-defined]
        return func

    return decorator


def _element_decorator(ui_type: type, **ui_kwargs: Any) -> Callable[[F], F]:
    def decorator(func: F) -> F:
        func._ui_type = ui_type  # type: ignore[attr-defined]
        func._ui_kwargs = ui_kwargs  # type: ignore[attr-defined]
        return func

    return decorator


def action(name: str, display_name: str | None = None, colour: Any = Colour.blue, requires_confirm: bool = True,
           **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(Action, name=name, display_name=display_name, colour=colour,
                              requires_confirm=requires_confirm, **kwargs)


def warning_indicator(name: str, display_name: str | None = None, can_cancel: bool = True,
                      **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(LegacyWarningIndicator, name=name, display_name=display_name, can_cancel=can_cancel,
                              **kwargs)


def state_command(name: str, display_name: str | None = None, user_options: list[Any] | None = None,
                  **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(StateCommand, name=name, display_name=display_name, user_options=user_options,
                              **kwargs)


def hidden_value(name: str, **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(HiddenValue, name=name, **kwargs)


def slider(name: str, display_name: str | None = None, min_val: int = 0, max_val: int = 100, step_size: float = 0.1,
           dual_slider: bool = True, inverted: bool = True, icon: str | None = None,
           **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(LegacySlider, name=name, display_name=display_name, min_val=min_val, max_val=max_val,
                              step_size=step_size, dual_slider=dual_slider, inverted=inverted, icon=icon, **kwargs)


def numeric_parameter(name: str, display_name: str, min_val: Any = None, max_val: Any = None,
                      **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(NumericParameter, name=name, display_name=display_name, min_val=min_val,
                              max_val=max_val, **kwargs)


def text_parameter(name: str, display_name: str, is_text_area: bool = False, **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(TextParameter, name=name, display_name=display_name, is_text_area=is_text_area,
                              **kwargs)


def datetime_parameter(name: str, display_name: str, include_time: bool = False, **kwargs: Any) -> Callable[[F], F]:
    return _element_decorator(DateTimeParameter, name=name, display_name=display_name, include_time=include_time,
                              **kwargs)


def boolean_parameter(name: str, display_name: str, **kwargs: Any) -> Callable[[F], F]:
    """0.4's boolean parameter decorator (the element itself raises NotImplementedError, as in pydoover)."""
    return _element_decorator(BooleanParameter, name=name, display_name=display_name, **kwargs)
