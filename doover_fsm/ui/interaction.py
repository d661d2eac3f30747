"""Interactions: elements a user acts on (buttons, switches, sliders, selects, inputs).

An interaction's command arrives on ``ui_cmds`` and reaches the app's ``@ui.handler(name)``
method (or the interaction's own ``handler``). Its current value lives in the ``ui_cmds``
aggregate under the app key; ``.value`` reads it (``KeyError`` until set, unless there is a
``default``) and ``await .set(v)`` writes it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from doover_fsm.ui.binding import normalize_ui_value
from doover_fsm.ui.element import Element
from doover_fsm.ui.misc import ConfirmDialog, NotSet, Option, duration_ms

if TYPE_CHECKING:
    from doover_fsm.ui.manager import UICommandsManager

log = logging.getLogger("doover_fsm.ui")


class Interaction(Element):
    """Base of all interactions; ``value=`` is where the site reads the current value from."""

    type = "uiInteraction"

    def __init__(
        self,
        display_name: str,
        value: Any = NotSet,
        default: Any = NotSet,
        show_activity: Any = NotSet,
        requires_confirm: Any = NotSet,
        global_interaction: Any = NotSet,
        command_timeout: Any = NotSet,
        command_pending_timeout: Any = NotSet,
        command_retry_timeout: Any = NotSet,
        direct: Any = NotSet,
        **kwargs: Any,
    ):
        super().__init__(display_name, **kwargs)
        self.default = default
        if value is NotSet:
            value = f"$cmds.app().{self.name}"
            if default is not NotSet:
                value += f"::{default}"
        self._value_location: Any = value
        self._manager: UICommandsManager | None = None
        self.show_activity: Any = show_activity
        self.requires_confirm = requires_confirm
        self.global_interaction = global_interaction
        self.command_timeout = command_timeout
        self.command_pending_timeout = command_pending_timeout
        self.command_retry_timeout = command_retry_timeout
        self.direct = direct

    @property
    def value(self) -> Any:
        """The current value from ``ui_cmds``; ``KeyError`` until one is set and no ``default``."""
        if self._manager is None:
            if self.default is not NotSet:
                return self.default
            raise KeyError(self.name)
        return self._manager.get_value(self.name)

    async def set(self, value: Any, max_age: float = 10.0, log_update: bool = True) -> None:
        """Show ``value`` in the interaction (writes the ``ui_cmds`` aggregate, logs it if asked)."""
        if self._manager is None:
            raise RuntimeError(f"interaction {self.name!r} is not attached to a running app's UI yet")
        await self._manager.set_value(self.name, value, log_update)

    async def handler(self, ctx: Any, payload: Any) -> None:
        """What a command does when the app has no ``@ui.handler`` for it: take the value."""
        await self.set(payload)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["currentValue"] = self._value_location
        if self.requires_confirm is not NotSet:
            rc: Any = self.requires_confirm
            out["requiresConfirm"] = rc.to_dict() if isinstance(rc, ConfirmDialog) else rc
        if self.global_interaction is not NotSet:
            out["global"] = self.global_interaction
        for key, duration in (("commandTimeout", self.command_timeout),
                              ("commandPendingTimeout", self.command_pending_timeout),
                              ("commandRetryTimeout", self.command_retry_timeout)):
            if duration is not NotSet:
                out[key] = duration_ms(duration)
        if self.direct is not NotSet:
            out["direct"] = self.direct
        if self.show_activity is not NotSet:
            out["showActivity"] = self.show_activity
        if self.default is not NotSet:
            out["default"] = self.default
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class Button(Interaction):
    """A push button."""

    type = "uiButton"

    def __init__(self, display_name: str, disabled: Any = NotSet, label_string: Any = NotSet,
                 **kwargs: Any):
        super().__init__(display_name, **kwargs)
        self.disabled = disabled
        self.label_string = label_string

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.disabled is not NotSet:
            out["disabled"] = self.disabled
        if self.label_string is not NotSet:
            out["labelString"] = self.label_string
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class WarningIndicator(Interaction):
    """A warning banner (``can_cancel=False`` to stop users dismissing it)."""

    type = "uiWarningIndicator"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.can_cancel = kwargs.pop("can_cancel", True)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["can_cancel"] = self.can_cancel
        result: dict[str, Any] = normalize_ui_value(out)
        return result


def _as_options(options: Any, where: str) -> Any:
    if options is None or isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
        return options
    return [o if isinstance(o, Option) else Option(o) for o in options]


class Select(Interaction):
    """A drop-down of :class:`~doover_fsm.ui.misc.Option` (plain strings are taken as options too)."""

    type = "uiSelect"

    def __init__(self, display_name: str | None = None, options: list[Option] | None = None, **kwargs: Any):
        super().__init__(display_name, **kwargs)  # type: ignore[arg-type]
        self.options = _as_options(options, display_name or "")

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.options is None:
            raise TypeError(f"Select {self.name!r} has no options (pass options=[Option(...), ...])")
        out["options"] = {o.name: o.to_dict() for o in self.options}
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class Slider(Interaction):
    """A slider from ``min_val`` to ``max_val`` in ``step_size`` steps."""

    type = "uiSlider"

    def __init__(self, display_name: str, min_val: int = 0, max_val: int = 100, step_size: float = 0.1,
                 dual_slider: bool = True, inverted: bool = True, colours: Any = NotSet,
                 **kwargs: Any):
        super().__init__(display_name, **kwargs)
        self.min_val = min_val
        self.max_val = max_val
        self.step_size = step_size
        self.dual_slider = dual_slider
        self.inverted = inverted
        self.colours = colours

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(min=self.min_val, max=self.max_val, stepSize=self.step_size, dualSlider=self.dual_slider,
                   isInverted=self.inverted)
        if self.colours is not NotSet:
            out["colours"] = self.colours
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class Switch(Interaction):
    """An on/off switch."""

    type = "uiSwitch"
