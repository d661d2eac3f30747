"""App configuration: pydoover's ``config`` elements, schema JSON, and deployment values.

Declare a :class:`Schema` (class attributes, pydoover 1.x; or assignments in ``__init__``,
pydoover 0.4), load it with ``_inject_deployment_config`` (or :func:`inject_config` /
:func:`load_config_file`), read ``cfg.key.value``.
"""

from doover_fsm.config.conditions import (
    AllOf,
    Comparator,
    Condition,
    all_of,
    equal,
    greater_than,
    greater_than_or_equal,
    less_than,
    less_than_or_equal,
    not_equal,
    one_of,
)
from doover_fsm.config.containers import Array, Object
from doover_fsm.config.element import ConfigDeclarationError, ConfigElement, Variable
from doover_fsm.config.keys import KEY_VALIDATOR, RESERVED_NAMES, NotSet, check_key, transform_key
from doover_fsm.config.resources import (
    Application,
    ApplicationCockpitVisible,
    ApplicationDefaultOpen,
    ApplicationFullWidth,
    ApplicationInstall,
    ApplicationInterpreterHidden,
    ApplicationPosition,
    Device,
    DevicesConfig,
    Group,
    GroupsConfig,
    LLMAPIKey,
    TagRef,
)
from doover_fsm.config.runtime import (
    config_extras,
    config_source,
    config_values,
    inject_config,
    load_config_file,
)
from doover_fsm.config.scalars import Boolean, DateTime, Enum, Integer, Number, String
from doover_fsm.config.schema import ApplicationConfig, Schema

__all__ = [
    "KEY_VALIDATOR", "RESERVED_NAMES", "AllOf", "Application", "ApplicationCockpitVisible", "ApplicationConfig",
    "ApplicationDefaultOpen", "ApplicationFullWidth", "ApplicationInstall", "ApplicationInterpreterHidden",
    "ApplicationPosition", "Array", "Boolean", "Comparator", "Condition", "ConfigDeclarationError", "ConfigElement",
    "DateTime", "Device", "DevicesConfig", "Enum", "Group", "GroupsConfig", "Integer", "LLMAPIKey", "NotSet",
    "Number", "Object", "Schema", "String", "TagRef", "Variable", "all_of", "check_key", "config_extras",
    "config_source", "config_values", "equal", "greater_than", "greater_than_or_equal", "inject_config",
    "less_than", "less_than_or_equal", "load_config_file", "not_equal", "one_of", "transform_key",
]
