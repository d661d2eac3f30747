"""App configuration: typed elements, loaded from JSON or the ``deployment_config`` channel."""

from doover_fsm.config.schema import (
    Array,
    Boolean,
    Element,
    Enum,
    Integer,
    NotSet,
    Number,
    Object,
    Schema,
    String,
    key_from_display_name,
)

__all__ = ["Array", "Boolean", "Element", "Enum", "Integer", "NotSet", "Number", "Object", "Schema", "String",
           "key_from_display_name"]
