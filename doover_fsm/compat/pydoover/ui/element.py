"""``pydoover.ui.element``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.element import (
    ConnectionInfo as ConnectionInfo,
)
from doover_fsm.ui.element import (
    ConnectionType as ConnectionType,
)
from doover_fsm.ui.element import (
    Element as Element,
)
from doover_fsm.ui.element import (
    Multiplot as Multiplot,
)

__all__ = [
    "ConnectionInfo",
    "ConnectionType",
    "Element",
    "Multiplot",
]
