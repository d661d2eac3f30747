"""UI declarations: variables bound to tags, interactions whose commands arrive on ``ui_cmds``."""

from doover_fsm.ui.declarative import UI, CommandContext, find_handlers, handler
from doover_fsm.ui.elements import (
    BooleanVariable,
    Button,
    Element,
    Interaction,
    NumericVariable,
    Select,
    Slider,
    Switch,
    TextVariable,
    Variable,
)

__all__ = [
    "UI", "BooleanVariable", "Button", "CommandContext", "Element", "Interaction", "NumericVariable", "Select",
    "Slider", "Switch", "TextVariable", "Variable", "find_handlers", "handler",
]
