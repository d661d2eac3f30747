"""UI declarations, byte for byte pydoover's (1.18, and the 0.4 names still in use).

Variables show tag values (``value=MyTags.level``); interactions send commands back on
``ui_cmds`` to ``@ui.handler(name)`` methods. ``class MyUI(ui.UI)`` declares an app's UI;
``to_schema()`` is the JSON the site (and doover_fsm's dashboard) renders. How a constructor
call is read (``(display_name, value, name=)`` or ``(name, display_name)``): :mod:`doover_fsm.ui.calls`.
"""

from doover_fsm.ui import interaction as _interaction
from doover_fsm.ui import submodule as _submodule
from doover_fsm.ui import variable as _variable
from doover_fsm.ui.binding import UITagBinding, bind_tag, tag_ref
from doover_fsm.ui.camera import CameraHistory, CameraLiveView
from doover_fsm.ui.declarative import UI
from doover_fsm.ui.element import ConnectionInfo, ConnectionType, Element, Multiplot
from doover_fsm.ui.interaction import Button, Interaction, Select, Slider, Switch, WarningIndicator
from doover_fsm.ui.legacy import containers as _lc
from doover_fsm.ui.legacy import elements as _le
from doover_fsm.ui.legacy.containers import Camera
from doover_fsm.ui.legacy.decorators import (
    action,
    boolean_parameter,
    callback,
    datetime_parameter,
    hidden_value,
    numeric_parameter,
    slider,
    state_command,
    text_parameter,
    warning_indicator,
)
from doover_fsm.ui.legacy.elements import (
    Action,
    AlertStream,
    DateTimeParameter,
    HiddenValue,
    NumericParameter,
    SlimCommand,
    StateCommand,
    TextParameter,
)
from doover_fsm.ui.manager import InteractionContext, RPCError, UICommandsManager, handler
from doover_fsm.ui.misc import (
    ApplicationVariant,
    AuditConfig,
    Colour,
    ConfirmDialog,
    NotSet,
    Option,
    Range,
    RangeView,
    Series,
    Threshold,
    Widget,
)
from doover_fsm.ui.parameter import BooleanParameter, DatetimeInput, FloatInput, Parameter, TextInput, TimeInput
from doover_fsm.ui.runtime import UIManager
from doover_fsm.ui.submodule import Application, Container, RemoteComponent, Submodule, TabContainer
from doover_fsm.ui.variable import (
    BooleanVariable,
    DateTimeVariable,
    NumericVariable,
    TextVariable,
    Timestamp,
    Variable,
)

#: The doover_fsm name of a handler's context (pydoover's ``InteractionContext``).
CommandContext = InteractionContext

# A (name, display_name) call of a class pydoover 0.4 also had makes the 0.4 element.
for _cls, _legacy_cls in (
    (_variable.Variable, _le.LegacyVariable), (_variable.NumericVariable, _le.LegacyNumericVariable),
    (_variable.TextVariable, _le.LegacyTextVariable), (_variable.BooleanVariable, _le.LegacyBooleanVariable),
    (_variable.DateTimeVariable, _le.LegacyDateTimeVariable), (_interaction.Interaction, _le.LegacyInteraction),
    (_interaction.WarningIndicator, _le.LegacyWarningIndicator), (_interaction.Slider, _le.LegacySlider),
    (_submodule.Container, _lc.LegacyContainer), (_submodule.Submodule, _lc.LegacySubmodule),
    (_submodule.Application, _lc.LegacyApplication), (_submodule.RemoteComponent, _lc.LegacyRemoteComponent),
):
    _cls._legacy_class = _legacy_cls

__all__ = [
    "UI",
    "Action",
    "AlertStream",
    "Application",
    "ApplicationVariant",
    "AuditConfig",
    "BooleanParameter",
    "BooleanVariable",
    "Button",
    "Camera",
    "CameraHistory",
    "CameraLiveView",
    "Colour",
    "CommandContext",
    "ConfirmDialog",
    "ConnectionInfo",
    "ConnectionType",
    "Container",
    "DateTimeParameter",
    "DateTimeVariable",
    "DatetimeInput",
    "Element",
    "FloatInput",
    "HiddenValue",
    "Interaction",
    "InteractionContext",
    "Multiplot",
    "NotSet",
    "NumericParameter",
    "NumericVariable",
    "Option",
    "Parameter",
    "RPCError",
    "Range",
    "RangeView",
    "RemoteComponent",
    "Select",
    "Series",
    "Slider",
    "SlimCommand",
    "StateCommand",
    "Submodule",
    "Switch",
    "TabContainer",
    "TextInput",
    "TextParameter",
    "TextVariable",
    "Threshold",
    "TimeInput",
    "Timestamp",
    "UICommandsManager",
    "UIManager",
    "UITagBinding",
    "Variable",
    "WarningIndicator",
    "Widget",
    "action",
    "bind_tag",
    "boolean_parameter",
    "callback",
    "datetime_parameter",
    "handler",
    "hidden_value",
    "numeric_parameter",
    "slider",
    "state_command",
    "tag_ref",
    "text_parameter",
    "warning_indicator",
]
