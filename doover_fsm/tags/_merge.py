"""Merging tag writes the way Doover's ``tag_values`` does, for dict-valued tags and log buffers.

A dict written to a tag is merged into the tag's current dict (the agent merges the patch the
same way), so ``set({"b": 2})`` over ``{"a": 1}`` gives ``{"a": 1, "b": 2}``. Locally a
``None`` leaf is kept as ``None`` (the agent drops it); lists and scalars replace.
"""

from __future__ import annotations

from typing import Any


def overlay(base: Any, update: Any) -> Any:
    """``update`` merged over ``base`` into a new value (never aliases either argument)."""
    if type(update) is not dict:
        return _copy(update)
    out = dict(base) if type(base) is dict else {}
    for key, value in update.items():
        if type(value) is dict:
            out[key] = overlay(out.get(key), value)
        else:
            out[key] = _copy(value)
    return out


def overlay_into(target: dict[str, Any], update: dict[str, Any]) -> None:
    """Merge ``update`` into ``target`` in place (same rules as :func:`overlay`)."""
    for key, value in update.items():
        if type(value) is dict:
            target[key] = overlay(target.get(key), value)
        else:
            target[key] = _copy(value)


def changes(old: Any, new: dict[str, Any]) -> bool:
    """Would writing the dict ``new`` over ``old`` change anything (Doover's diff is non-empty)?

    Leaves compare with ``==``; an empty dict changes nothing unless it replaces a non-dict.
    """
    if type(old) is not dict:
        return bool(new)
    for key, value in new.items():
        if type(value) is dict:
            if changes(old.get(key, {}), value):
                return True
        elif key not in old or old[key] != value:
            return True
    return False


def _copy(value: Any) -> Any:
    t = type(value)
    if t is dict:
        return {k: _copy(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [_copy(v) for v in value]
    return value
