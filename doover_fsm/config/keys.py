"""Config keys and the two pydoover generations that derive them differently.

A config element's key (its ``x-name`` and its deployment-config key) comes from ``name=`` or
from its display name. pydoover 1.x keeps ``[0-9a-zA-Z_]`` after turning spaces into ``_``
(``"Battery Max (Ah)"`` → ``battery_max_ah``); pydoover 0.4 only lowercases and turns spaces
into ``_`` (→ ``battery_max_(ah)``). Deployment configs written for a 0.4 app use 0.4 keys,
so a schema keeps the rule of the generation it was declared in (see :data:`GEN_1`).
"""

from __future__ import annotations

import re
from typing import Final

#: pydoover 1.x: elements are class attributes of a ``Schema`` subclass.
GEN_1: Final = "1.x"
#: pydoover 0.4: elements are assigned to the instance in ``Schema.__init__``.
GEN_04: Final = "0.4"

KEY_VALIDATOR = re.compile(r"^[ a-zA-Z0-9_-]*$")

#: Attribute names a 1.x ``Schema``/``Object`` subclass may not use for an element (pydoover's list).
RESERVED_NAMES = frozenset({
    "default", "description", "hidden", "deprecated", "format", "required", "value", "choices", "element",
    "elements", "minimum", "exclusive_minimum", "maximum", "exclusive_maximum", "multiple_of", "length",
    "pattern", "min_items", "max_items", "unique_items", "additional_elements", "collapsible",
    "default_collapsed", "show_if",
})


class NotSet:
    """Sentinel used when a config value has not been assigned (the class itself, as in pydoover)."""


def check_key(key: str) -> None:
    """Reject an explicit ``name=`` that is not alphanumeric, ``-``, ``_`` or space."""
    if not KEY_VALIDATOR.match(key):
        raise ValueError(
            f"Invalid config key {key}. Keys must only contain alphanumeric characters, "
            f"hyphens (-), underscores (_) and spaces ( )."
        )


def key_1x(display_name: str) -> str:
    """pydoover 1.x's key for a display name: spaces to ``_``, keep ``[0-9a-zA-Z_]``, lowercase."""
    return re.sub(r"[^0-9a-zA-Z_]", "", display_name.replace(" ", "_")).lower()


def transform_key(key: str) -> str:
    """pydoover 0.4's key for a display name: lowercase, spaces to ``_`` (nothing dropped)."""
    return key.lower().replace(" ", "_")


def key_for(display_name: str, generation: str) -> str:
    """The key ``display_name`` gets in ``generation``."""
    return transform_key(display_name) if generation == GEN_04 else key_1x(display_name)
