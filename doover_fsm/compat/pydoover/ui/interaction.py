"""``pydoover.ui.interaction``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.interaction import (
    Button as Button,
)
from doover_fsm.ui.interaction import (
    Interaction as Interaction,
)
from doover_fsm.ui.interaction import (
    Select as Select,
)
from doover_fsm.ui.interaction import (
    Slider as Slider,
)
from doover_fsm.ui.interaction import (
    Switch as Switch,
)
from doover_fsm.ui.interaction import (
    WarningIndicator as WarningIndicator,
)
from doover_fsm.ui.legacy.decorators import (
    action as action,
)
from doover_fsm.ui.legacy.decorators import (
    callback as callback,
)
from doover_fsm.ui.legacy.decorators import (
    hidden_value as hidden_value,
)
from doover_fsm.ui.legacy.decorators import (
    slider as slider,
)
from doover_fsm.ui.legacy.decorators import (
    state_command as state_command,
)
from doover_fsm.ui.legacy.decorators import (
    warning_indicator as warning_indicator,
)
from doover_fsm.ui.legacy.elements import (
    Action as Action,
)
from doover_fsm.ui.legacy.elements import (
    HiddenValue as HiddenValue,
)
from doover_fsm.ui.legacy.elements import (
    SlimCommand as SlimCommand,
)
from doover_fsm.ui.legacy.elements import (
    StateCommand as StateCommand,
)

__all__ = [
    "Action",
    "Button",
    "HiddenValue",
    "Interaction",
    "Select",
    "Slider",
    "SlimCommand",
    "StateCommand",
    "Switch",
    "WarningIndicator",
    "action",
    "callback",
    "hidden_value",
    "slider",
    "state_command",
    "warning_indicator",
]
