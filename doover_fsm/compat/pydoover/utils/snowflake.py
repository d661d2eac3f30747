"""``pydoover.utils.snowflake``, answered by doover_fsm."""

from doover_fsm.utils.snowflake import (
    DOOVER_EPOCH,
    SnowflakeType,
    generate_snowflake_id,
    generate_snowflake_id_at,
    get_datetime_from_snowflake,
)

__all__ = ["DOOVER_EPOCH", "SnowflakeType", "generate_snowflake_id", "generate_snowflake_id_at",
           "get_datetime_from_snowflake"]
