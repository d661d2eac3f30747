"""Tags: declared per app, stored in the C tag ring, committed once per scan as ``tag_values``."""

from doover_fsm.tags.declare import (
    Array,
    Boolean,
    BoundTag,
    Integer,
    NotSet,
    Number,
    Object,
    String,
    Tag,
    Tags,
)
from doover_fsm.tags.store import Commit, LoggedPoint, TagCapacityError, TagStore, TagStoreStats

__all__ = [
    "Array", "Boolean", "BoundTag", "Commit", "Integer", "LoggedPoint", "NotSet", "Number", "Object", "String",
    "Tag", "TagCapacityError", "TagStore", "TagStoreStats", "Tags",
]
