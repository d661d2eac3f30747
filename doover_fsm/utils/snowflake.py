"""Doover snowflake ids: milliseconds since 2025-01-01 UTC in the top bits, then region/instance/type/random.

Thread-safety: thread-safe (the random nibble comes from ``secrets``).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

__all__ = ["DOOVER_EPOCH", "SnowflakeType", "generate_snowflake_id", "generate_snowflake_id_at",
           "get_datetime_from_snowflake"]

#: 2025-01-01T00:00:00Z in unix milliseconds.
DOOVER_EPOCH = 1735689600000


class SnowflakeType:
    """The type nibble of a snowflake id."""

    Unknown = 0
    Agent = 1
    Message = 2
    Channel = 3
    WSSSession = 4
    ProcessorSchedule = 5
    Token = 6
    NotificationEndpoint = 7
    NotificationSubscription = 8
    Attachment = 9
    Alarm = 10
    OneShotMessage = 11


def _compose(millis: int, region_id: int, instance_id: int, type_id: int, rand: int) -> int:
    return millis << 22 | region_id << 18 | instance_id << 8 | type_id << 4 | rand


def generate_snowflake_id(type_id: int = SnowflakeType.Unknown, region_id: int = 0, instance_id: int = 0) -> int:
    """A new id for now."""
    return _compose(int(time.time() * 1000 - DOOVER_EPOCH), region_id, instance_id, type_id, secrets.randbelow(16))


def generate_snowflake_id_at(at: datetime, type_id: int = SnowflakeType.Unknown, region_id: int = 0,
                             instance_id: int = 0, use_rand: bool = False) -> int:
    """The id for time ``at`` (random nibble 0 unless ``use_rand``): a bound for time-window queries."""
    rand = secrets.randbelow(16) if use_rand else 0
    return _compose(int(at.timestamp() * 1000 - DOOVER_EPOCH), region_id, instance_id, type_id, rand)


def get_datetime_from_snowflake(snowflake_id: int) -> datetime:
    """The (UTC) time a snowflake id was made."""
    return datetime.fromtimestamp(((snowflake_id >> 22) + DOOVER_EPOCH) / 1000, tz=UTC)
