"""``pydoover.ui.submodule``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.names import (
    CHILD_NAME_RE as NAME_VALIDATOR,
)
from doover_fsm.ui.submodule import (
    Application as Application,
)
from doover_fsm.ui.submodule import (
    Container as Container,
)
from doover_fsm.ui.submodule import (
    RemoteComponent as RemoteComponent,
)
from doover_fsm.ui.submodule import (
    Submodule as Submodule,
)
from doover_fsm.ui.submodule import (
    TabContainer as TabContainer,
)

__all__ = [
    "NAME_VALIDATOR",
    "Application",
    "Container",
    "RemoteComponent",
    "Submodule",
    "TabContainer",
]
