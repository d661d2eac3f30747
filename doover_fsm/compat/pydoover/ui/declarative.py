"""``pydoover.ui.declarative``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.binding import (
    UITagBinding as UITagBinding,
)
from doover_fsm.ui.binding import (
    bind_tag as bind_tag,
)
from doover_fsm.ui.binding import (
    is_tag_reference as is_tag_reference,
)
from doover_fsm.ui.binding import (
    normalize_collection as normalize_collection,
)
from doover_fsm.ui.binding import (
    normalize_ui_value as normalize_ui_value,
)
from doover_fsm.ui.binding import (
    tag_ref as tag_ref,
)
from doover_fsm.ui.declarative import (
    UI as UI,
)

__all__ = [
    "UI",
    "UITagBinding",
    "bind_tag",
    "is_tag_reference",
    "normalize_collection",
    "normalize_ui_value",
    "tag_ref",
]
