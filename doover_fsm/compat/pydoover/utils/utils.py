"""``pydoover.utils.utils``, answered by doover_fsm."""

from doover_fsm.utils.asyncutil import (
    call_maybe_async,
    get_is_async,
    maybe_async,
    wrap_try_except,
    wrap_try_except_async,
)
from doover_fsm.utils.misc import (
    CaseInsensitiveDict,
    CaseInsensitiveDictEncoder,
    LogFormatter,
    on_change,
    sanitize_display_name,
    setup_logging,
)
from doover_fsm.utils.readings import find_object_with_key, find_path_to_key, map_reading

__all__ = ["CaseInsensitiveDict", "CaseInsensitiveDictEncoder", "LogFormatter", "call_maybe_async",
           "find_object_with_key", "find_path_to_key", "get_is_async", "map_reading", "maybe_async", "on_change",
           "sanitize_display_name", "setup_logging", "wrap_try_except", "wrap_try_except_async"]
