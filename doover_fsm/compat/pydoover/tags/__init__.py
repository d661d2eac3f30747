"""``pydoover.tags``, answered by doover_fsm (the names pydoover 1.18 exports)."""

from doover_fsm.tags.declare import Boolean, Number, RemoteTag, String, Tag
from doover_fsm.tags.manager import LogMode, TagsManager
from doover_fsm.tags.tagset import BoundTag, Tags
from doover_fsm.tags.triggers import AnyChange, Cross, Delta, Enter, Exit, Fall, NotSet, Rise

from . import manager

__all__ = [
    "AnyChange", "Boolean", "BoundTag", "Cross", "Delta", "Enter", "Exit", "Fall", "LogMode", "NotSet", "Number",
    "RemoteTag", "Rise", "String", "Tag", "Tags", "TagsManager", "manager",
]
