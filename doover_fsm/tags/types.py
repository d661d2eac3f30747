"""Which JSON values a declared tag type takes, for writes that come from outside the app.

A remote write of ``[1, 2]`` into a ``Number`` tag used to be taken, and the app's
``main_loop`` then failed every scan. The store asks a :data:`TypeTable` for the declared
types and refuses a remote value that does not fit (:func:`fits`); :func:`declared_types`
builds the table from an app's ``Tags`` instance.

Rules: ``number`` (and ``float``) takes an int or a finite float, never a bool; ``integer`` an
int or an integral float (JSON's ``3.0``; reads give ``3``); ``boolean`` a bool only;
``string`` a str; ``object`` a JSON object; ``array`` a JSON array. ``null`` always fits
(it deletes the tag). Any other declared type takes any JSON value.

Thread-safety: pure functions; the table reads the Tags instance on the scan thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, cast

__all__ = ["TypeTable", "declared_types", "describe_type", "fits"]

#: Gives ``{(app_key, tag name): declared type}`` now; a tag not in it takes any JSON value.
TypeTable = Callable[[], Mapping[tuple[str | None, str], str]]

_NAMES = {"number": "a number", "float": "a number", "integer": "an integer", "boolean": "a boolean (true/false)",
          "string": "a string", "object": "a JSON object", "array": "a JSON array"}


def _number(value: Any) -> bool:
    t = type(value)
    return t is int or (t is float and math.isfinite(value))


def _integer(value: Any) -> bool:
    t = type(value)
    return t is int or (t is float and math.isfinite(value) and value.is_integer())


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "number": _number,
    "float": _number,
    "integer": _integer,
    "boolean": lambda v: type(v) is bool,
    "string": lambda v: type(v) is str,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
}


def fits(tag_type: str | None, value: Any) -> bool:
    """True if ``value`` may be stored in a tag declared as ``tag_type`` (None always fits)."""
    if value is None or tag_type is None:
        return True
    check = _CHECKS.get(tag_type.lower())
    return True if check is None else check(value)


def describe_type(tag_type: str) -> str:
    """``"number"`` -> ``"a number"``: what the error message says the tag takes."""
    return _NAMES.get(tag_type.lower(), tag_type)


def declared_types(tags: Any) -> TypeTable:
    """The declared types of ``tags`` (an app's ``Tags`` instance) as a :data:`TypeTable`.

    The table is rebuilt when the declarations change (``add_tag``/``remove_tag`` in ``setup()``,
    remote tags resolved later), else reused. A remote tag's type applies to the tag it points at. ``tags`` None
    (an app without declarations) gives an empty table.
    """
    cache: list[Any] = [None, {}]  # [the declarations' identity when built, the table]

    def table() -> dict[tuple[str | None, str], str]:
        declarations = getattr(tags, "_tag_declarations", None)
        if not isinstance(declarations, dict):
            return {}
        targets = getattr(tags, "_remote_tag_targets", None)
        identity = (tuple((attr, d.name, getattr(d.template, "tag_type", None)) for attr, d in declarations.items()),
                    tuple((k, v.get("app_key"), v.get("tag_name")) for k, v in (targets or {}).items()
                          if isinstance(v, dict)))
        if cache[0] == identity:
            return cast(dict[tuple[str | None, str], str], cache[1])
        out: dict[tuple[str | None, str], str] = {}
        for declaration in declarations.values():
            tag_type = getattr(declaration.template, "tag_type", None)
            if not isinstance(tag_type, str):
                continue
            try:
                target = tags._target(declaration)
            except Exception:  # an unresolved remote tag points nowhere yet
                continue
            out[target] = tag_type
        cache[0], cache[1] = identity, out
        return out

    return table
