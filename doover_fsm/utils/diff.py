"""Doover's JSON diffs: apply and generate merge-patches (``None`` deletes), as pydoover names them.

Thread-safety: pure functions (``apply_diff(clone=False)`` mutates its first argument).
"""

from __future__ import annotations

import copy
import json
from typing import Any

__all__ = ["apply_diff", "generate_diff", "maybe_load_json"]


def maybe_load_json(data: Any) -> Any:
    """``json.loads(data)`` if it parses, else ``data`` unchanged."""
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        return data


def apply_diff(data: Any, diff: Any, do_delete: bool = True, clone: bool = True) -> Any:
    """Merge ``diff`` into ``data``: dicts merge recursively, ``None`` deletes (or, ``do_delete=False``, sets None).

    A non-dict on either side: the result is ``diff``. ``clone=False`` edits ``data`` in place.
    """
    if clone:
        data = copy.deepcopy(data)
    if not isinstance(diff, dict) or not isinstance(data, dict):
        return diff
    for key, value in diff.items():
        if isinstance(value, dict):
            data[key] = apply_diff(data.get(key, {}), value, do_delete=do_delete, clone=clone)
        elif value is None:
            if do_delete:
                data.pop(key, None)
            else:
                data[key] = None
        else:
            data[key] = value
    return data


def generate_diff(old: Any, new: Any, do_delete: bool = True) -> Any:
    """The diff that turns ``old`` into ``new`` (keys gone from ``new`` become ``None`` with ``do_delete``)."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return new
    diff: dict[str, Any] = {}
    for key, value in new.items():
        if isinstance(value, dict):
            sub = generate_diff(old.get(key, {}), value, do_delete=do_delete)
            if sub:
                diff[key] = sub
        elif key not in old or old[key] != value:
            diff[key] = value
    if do_delete:
        for key in old.keys() - new.keys():
            diff[key] = None
    return diff
