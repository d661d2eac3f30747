"""``pydoover.ui.variable``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.variable import (
    BooleanVariable as BooleanVariable,
)
from doover_fsm.ui.variable import (
    DateTimeVariable as DateTimeVariable,
)
from doover_fsm.ui.variable import (
    NumericVariable as NumericVariable,
)
from doover_fsm.ui.variable import (
    TextVariable as TextVariable,
)
from doover_fsm.ui.variable import (
    Timestamp as Timestamp,
)
from doover_fsm.ui.variable import (
    Variable as Variable,
)

__all__ = [
    "BooleanVariable",
    "DateTimeVariable",
    "NumericVariable",
    "TextVariable",
    "Timestamp",
    "Variable",
]
