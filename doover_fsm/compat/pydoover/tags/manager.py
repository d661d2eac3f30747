"""``pydoover.tags.manager``, answered by doover_fsm."""

from doover_fsm.tags.manager import (
    LIVE_TAG_CHANNEL_NAME,
    TAG_CHANNEL_NAME,
    TAG_CLOUD_MAX_AGE,
    TAG_OBSERVED_MAX_AGE,
    UI_SUB_CHANNEL_NAME,
    UI_SUB_FRESH_MS,
    KeyPath,
    LogMode,
    TagsManager,
    TagsManagerDocker,
)

__all__ = [
    "LIVE_TAG_CHANNEL_NAME", "TAG_CHANNEL_NAME", "TAG_CLOUD_MAX_AGE", "TAG_OBSERVED_MAX_AGE", "UI_SUB_CHANNEL_NAME",
    "UI_SUB_FRESH_MS", "KeyPath", "LogMode", "TagsManager", "TagsManagerDocker",
]
