"""``pydoover.ui``, answered by doover_fsm (both generations). Re-exports only: code in doover_fsm.ui."""

from doover_fsm.ui import (
    UI as UI,
)
from doover_fsm.ui import (
    Action as Action,
)
from doover_fsm.ui import (
    AlertStream as AlertStream,
)
from doover_fsm.ui import (
    Application as Application,
)
from doover_fsm.ui import (
    ApplicationVariant as ApplicationVariant,
)
from doover_fsm.ui import (
    AuditConfig as AuditConfig,
)
from doover_fsm.ui import (
    BooleanParameter as BooleanParameter,
)
from doover_fsm.ui import (
    BooleanVariable as BooleanVariable,
)
from doover_fsm.ui import (
    Button as Button,
)
from doover_fsm.ui import (
    Camera as Camera,
)
from doover_fsm.ui import (
    CameraHistory as CameraHistory,
)
from doover_fsm.ui import (
    CameraLiveView as CameraLiveView,
)
from doover_fsm.ui import (
    Colour as Colour,
)
from doover_fsm.ui import (
    CommandContext as CommandContext,
)
from doover_fsm.ui import (
    ConfirmDialog as ConfirmDialog,
)
from doover_fsm.ui import (
    ConnectionInfo as ConnectionInfo,
)
from doover_fsm.ui import (
    ConnectionType as ConnectionType,
)
from doover_fsm.ui import (
    Container as Container,
)
from doover_fsm.ui import (
    DatetimeInput as DatetimeInput,
)
from doover_fsm.ui import (
    DateTimeParameter as DateTimeParameter,
)
from doover_fsm.ui import (
    DateTimeVariable as DateTimeVariable,
)
from doover_fsm.ui import (
    Element as Element,
)
from doover_fsm.ui import (
    FloatInput as FloatInput,
)
from doover_fsm.ui import (
    HiddenValue as HiddenValue,
)
from doover_fsm.ui import (
    Interaction as Interaction,
)
from doover_fsm.ui import (
    InteractionContext as InteractionContext,
)
from doover_fsm.ui import (
    Multiplot as Multiplot,
)
from doover_fsm.ui import (
    NotSet as NotSet,
)
from doover_fsm.ui import (
    NumericParameter as NumericParameter,
)
from doover_fsm.ui import (
    NumericVariable as NumericVariable,
)
from doover_fsm.ui import (
    Option as Option,
)
from doover_fsm.ui import (
    Parameter as Parameter,
)
from doover_fsm.ui import (
    Range as Range,
)
from doover_fsm.ui import (
    RangeView as RangeView,
)
from doover_fsm.ui import (
    RemoteComponent as RemoteComponent,
)
from doover_fsm.ui import (
    RPCError as RPCError,
)
from doover_fsm.ui import (
    Select as Select,
)
from doover_fsm.ui import (
    Series as Series,
)
from doover_fsm.ui import (
    Slider as Slider,
)
from doover_fsm.ui import (
    SlimCommand as SlimCommand,
)
from doover_fsm.ui import (
    StateCommand as StateCommand,
)
from doover_fsm.ui import (
    Submodule as Submodule,
)
from doover_fsm.ui import (
    Switch as Switch,
)
from doover_fsm.ui import (
    TabContainer as TabContainer,
)
from doover_fsm.ui import (
    TextInput as TextInput,
)
from doover_fsm.ui import (
    TextParameter as TextParameter,
)
from doover_fsm.ui import (
    TextVariable as TextVariable,
)
from doover_fsm.ui import (
    Threshold as Threshold,
)
from doover_fsm.ui import (
    TimeInput as TimeInput,
)
from doover_fsm.ui import (
    Timestamp as Timestamp,
)
from doover_fsm.ui import (
    UICommandsManager as UICommandsManager,
)
from doover_fsm.ui import (
    UIManager as UIManager,
)
from doover_fsm.ui import (
    UITagBinding as UITagBinding,
)
from doover_fsm.ui import (
    Variable as Variable,
)
from doover_fsm.ui import (
    WarningIndicator as WarningIndicator,
)
from doover_fsm.ui import (
    Widget as Widget,
)
from doover_fsm.ui import (
    action as action,
)
from doover_fsm.ui import (
    bind_tag as bind_tag,
)
from doover_fsm.ui import (
    boolean_parameter as boolean_parameter,
)
from doover_fsm.ui import (
    callback as callback,
)
from doover_fsm.ui import (
    datetime_parameter as datetime_parameter,
)
from doover_fsm.ui import (
    handler as handler,
)
from doover_fsm.ui import (
    hidden_value as hidden_value,
)
from doover_fsm.ui import (
    numeric_parameter as numeric_parameter,
)
from doover_fsm.ui import (
    slider as slider,
)
from doover_fsm.ui import (
    state_command as state_command,
)
from doover_fsm.ui import (
    tag_ref as tag_ref,
)
from doover_fsm.ui import (
    text_parameter as text_parameter,
)
from doover_fsm.ui import (
    warning_indicator as warning_indicator,
)

__all__ = [
    "UI", "Action", "AlertStream", "Application", "ApplicationVariant", "AuditConfig", "BooleanParameter",
    "BooleanVariable", "Button", "Camera", "CameraHistory", "CameraLiveView", "Colour", "CommandContext",
    "ConfirmDialog", "ConnectionInfo", "ConnectionType", "Container", "DateTimeParameter", "DateTimeVariable",
    "DatetimeInput", "Element", "FloatInput", "HiddenValue", "Interaction", "InteractionContext", "Multiplot",
    "NotSet", "NumericParameter", "NumericVariable", "Option", "Parameter", "RPCError", "Range", "RangeView",
    "RemoteComponent", "Select", "Series", "Slider", "SlimCommand", "StateCommand", "Submodule", "Switch",
    "TabContainer", "TextInput", "TextParameter", "TextVariable", "Threshold", "TimeInput", "Timestamp",
    "UICommandsManager", "UIManager", "UITagBinding", "Variable", "WarningIndicator", "Widget", "action",
    "bind_tag", "boolean_parameter", "callback", "datetime_parameter", "handler", "hidden_value",
    "numeric_parameter", "slider", "state_command", "tag_ref", "text_parameter", "warning_indicator",
]
