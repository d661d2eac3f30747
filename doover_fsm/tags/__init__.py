"""Tags: declared per app (pydoover 1.18's API), kept in the C tag store, committed once per scan.

``Tag``/``Number``/``Boolean``/``String`` declare tags on a :class:`Tags` class, log triggers
(``Rise``, ``Delta``, ``AnyChange``…) turn writes into logged points, and the
:class:`TagManager` (an app's ``tag_manager``) publishes ``tag_values`` from the store.
"""

from doover_fsm.tags.declare import Array, Boolean, Integer, Number, Object, RemoteTag, String, Tag
from doover_fsm.tags.manager import KeyPath, LogMessage, LogMode, TagCommit, TagManager, TagsManager
from doover_fsm.tags.store import Commit, LoggedPoint, TagCapacityError, TagStore, TagStoreStats
from doover_fsm.tags.tagset import BoundTag, Tags
from doover_fsm.tags.triggers import AnyChange, Cross, Delta, Enter, Exit, Fall, NotSet, Rise

__all__ = [
    "AnyChange", "Array", "Boolean", "BoundTag", "Commit", "Cross", "Delta", "Enter", "Exit", "Fall", "Integer",
    "KeyPath", "LogMessage", "LogMode", "LoggedPoint", "NotSet", "Number", "Object", "RemoteTag", "Rise", "String",
    "Tag", "TagCapacityError", "TagCommit", "TagManager", "TagStore", "TagStoreStats", "Tags", "TagsManager",
]
