"""``pydoover.utils``, answered by doover_fsm (see :mod:`doover_fsm.utils`)."""

from doover_fsm.utils import (
    DOOVER_EPOCH,
    PID,
    CaseInsensitiveDict,
    CaseInsensitiveDictEncoder,
    LogFormatter,
    apply_async_kalman_filter,
    apply_diff,
    apply_kalman_filter,
    call_maybe_async,
    create_alarm,
    deprecated,
    find_object_with_key,
    find_path_to_key,
    generate_diff,
    generate_snowflake_id,
    generate_snowflake_id_at,
    get_datetime_from_snowflake,
    get_is_async,
    map_reading,
    maybe_async,
    maybe_load_json,
    on_change,
    setup_logging,
    wrap_try_except,
    wrap_try_except_async,
)

__all__ = [
    "DOOVER_EPOCH", "PID", "CaseInsensitiveDict", "CaseInsensitiveDictEncoder", "LogFormatter",
    "apply_async_kalman_filter", "apply_diff", "apply_kalman_filter", "call_maybe_async", "create_alarm",
    "deprecated", "find_object_with_key", "find_path_to_key", "generate_diff", "generate_snowflake_id",
    "generate_snowflake_id_at", "get_datetime_from_snowflake", "get_is_async", "map_reading", "maybe_async",
    "maybe_load_json", "on_change", "setup_logging", "wrap_try_except", "wrap_try_except_async",
]
