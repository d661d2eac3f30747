"""``pydoover.ui.manager``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.manager import (
    UI_CMDS_CHANNEL as UI_CMDS_CHANNEL,
)
from doover_fsm.ui.manager import (
    InteractionContext as InteractionContext,
)
from doover_fsm.ui.manager import (
    UICommandsManager as UICommandsManager,
)
from doover_fsm.ui.manager import (
    handler as handler,
)
from doover_fsm.ui.runtime import (
    UIManager as UIManager,
)

__all__ = [
    "UI_CMDS_CHANNEL",
    "InteractionContext",
    "UICommandsManager",
    "UIManager",
    "handler",
]
