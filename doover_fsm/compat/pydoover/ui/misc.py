"""``pydoover.ui.misc``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.misc import (
    ApplicationVariant as ApplicationVariant,
)
from doover_fsm.ui.misc import (
    AuditConfig as AuditConfig,
)
from doover_fsm.ui.misc import (
    Colour as Colour,
)
from doover_fsm.ui.misc import (
    ConfirmDialog as ConfirmDialog,
)
from doover_fsm.ui.misc import (
    NotSet as NotSet,
)
from doover_fsm.ui.misc import (
    Option as Option,
)
from doover_fsm.ui.misc import (
    Range as Range,
)
from doover_fsm.ui.misc import (
    RangeView as RangeView,
)
from doover_fsm.ui.misc import (
    Series as Series,
)
from doover_fsm.ui.misc import (
    Threshold as Threshold,
)
from doover_fsm.ui.misc import (
    Widget as Widget,
)
from doover_fsm.ui.misc import (
    duration_ms as duration_ms,
)

__all__ = [
    "ApplicationVariant",
    "AuditConfig",
    "Colour",
    "ConfirmDialog",
    "NotSet",
    "Option",
    "Range",
    "RangeView",
    "Series",
    "Threshold",
    "Widget",
    "duration_ms",
]
