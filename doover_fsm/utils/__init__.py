"""Helpers Doover apps use: a Kalman filter, PID, reading maps, JSON diffs, sync/async glue.

These are doover_fsm's own implementations of what ``pydoover.utils`` exports (the compat layer
answers ``import pydoover.utils`` with this package), with the same names and call forms.
"""

from doover_fsm.utils.alarm import Alarm, create_alarm
from doover_fsm.utils.asyncutil import (
    call_maybe_async,
    get_is_async,
    maybe_async,
    wrap_try_except,
    wrap_try_except_async,
)
from doover_fsm.utils.diff import apply_diff, generate_diff, maybe_load_json
from doover_fsm.utils.kalman import KalmanFilter1D, apply_async_kalman_filter, apply_kalman_filter
from doover_fsm.utils.misc import (
    CaseInsensitiveDict,
    CaseInsensitiveDictEncoder,
    LogFormatter,
    deprecated,
    on_change,
    sanitize_display_name,
    setup_logging,
)
from doover_fsm.utils.pid import PID
from doover_fsm.utils.readings import find_object_with_key, find_path_to_key, map_reading
from doover_fsm.utils.snowflake import (
    DOOVER_EPOCH,
    generate_snowflake_id,
    generate_snowflake_id_at,
    get_datetime_from_snowflake,
)

__all__ = [
    "DOOVER_EPOCH",
    "PID",
    "Alarm",
    "CaseInsensitiveDict",
    "CaseInsensitiveDictEncoder",
    "KalmanFilter1D",
    "LogFormatter",
    "apply_async_kalman_filter",
    "apply_diff",
    "apply_kalman_filter",
    "call_maybe_async",
    "create_alarm",
    "deprecated",
    "find_object_with_key",
    "find_path_to_key",
    "generate_diff",
    "generate_snowflake_id",
    "generate_snowflake_id_at",
    "get_datetime_from_snowflake",
    "get_is_async",
    "map_reading",
    "maybe_async",
    "maybe_load_json",
    "on_change",
    "sanitize_display_name",
    "setup_logging",
    "wrap_try_except",
    "wrap_try_except_async",
]
