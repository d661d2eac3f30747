"""Deep merge-patch (RFC 7386, as Doover applies it) and channel/key validation.

Doover aggregates are updated by *merge-patches*: dicts merge recursively, ``None`` deletes a
key, anything else (numbers, strings, lists) replaces. These are pure functions on JSON-like
values; they never alias their inputs, so a caller may keep mutating what it passed in.

Validation follows DESIGN §6: channel names and aggregate keys (at every depth) must match
``^[a-zA-Z0-9_-]+$``; values must be JSON (no NaN/Infinity, no sets/bytes/objects). Every
error is a :class:`~doover_fsm.errors.ChannelMessageError` naming the channel and the path.

Thread-safety: all functions are pure and thread-safe.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from doover_fsm.errors import ChannelMessageError

__all__ = [
    "KEY_RE",
    "copy_json",
    "diff_patch",
    "dumps",
    "loads",
    "merge_patch",
    "parse_json_text",
    "validate_aggregate_patch",
    "validate_channel",
    "validate_json",
]

KEY_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
_SCALARS = (str, int, float, bool)


def validate_channel(channel: object) -> str:
    """Return ``channel`` if it is a valid channel name, else raise ChannelMessageError."""
    if not isinstance(channel, str) or not KEY_RE.fullmatch(channel):
        raise ChannelMessageError(
            f"invalid channel name {channel!r}: must be a non-empty string matching ^[a-zA-Z0-9_-]+$"
        )
    return channel


def _where(path: tuple[str, ...]) -> str:
    return "/".join(path) if path else "<root>"


def validate_json(channel: str, value: Any, *, check_keys: bool, _path: tuple[str, ...] = ()) -> None:
    """Check that ``value`` is plain JSON (and, with ``check_keys``, that every key is valid).

    Raises ChannelMessageError naming ``channel`` and the path of the first bad element.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ChannelMessageError(
                f"channel {channel!r}: value at {_where(_path)} is {value!r}; JSON has no NaN/Infinity"
            )
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ChannelMessageError(
                    f"channel {channel!r}: key {k!r} at {_where(_path)} is a {type(k).__name__}, "
                    "keys must be strings"
                )
            if check_keys and not KEY_RE.fullmatch(k):
                raise ChannelMessageError(
                    f"channel {channel!r}: invalid key {k!r} at {_where(_path)}: "
                    "keys must match ^[a-zA-Z0-9_-]+$"
                )
            validate_json(channel, v, check_keys=check_keys, _path=(*_path, k))
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            # Keys inside list elements are data, not aggregate keys: only check JSON-ness.
            validate_json(channel, v, check_keys=False, _path=(*_path, str(i)))
        return
    raise ChannelMessageError(
        f"channel {channel!r}: value at {_where(_path)} has type {type(value).__name__}, "
        "which is not JSON (use dict, list, str, int, float, bool or None)"
    )


def validate_aggregate_patch(channel: str, patch: Any) -> None:
    """Validate a channel name and an aggregate merge-patch (JSON, valid keys at every depth)."""
    validate_channel(channel)
    validate_json(channel, patch, check_keys=True)


def copy_json(value: Any) -> Any:
    """Deep copy of a JSON-like value (much cheaper than ``copy.deepcopy``); tuples become lists."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [copy_json(v) for v in value]
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a merge-patch to ``target`` and return the result (inputs are not modified).

    * ``patch`` a dict: ``target`` (a dict, or ``{}`` if it is not one) with each key of the
      patch merged in recursively; a ``None`` value deletes that key.
    * anything else replaces ``target`` (``None`` at the top level means "no aggregate").
    """
    if not isinstance(patch, dict):
        return copy_json(patch)
    result = {k: v for k, v in target.items()} if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    # Untouched sub-trees of target are shared above; copy them so the result never aliases.
    return {k: (v if k in patch else copy_json(v)) for k, v in result.items()}


def diff_patch(old: Any, new: Any) -> Any:
    """A merge-patch that turns ``old`` into ``new`` (``merge_patch(old, diff) == new``).

    Exact whenever ``new`` holds no ``None`` values inside dicts (merge-patches cannot
    express those; aggregates never hold them).
    """
    if isinstance(old, dict) and isinstance(new, dict):
        out: dict[str, Any] = {}
        for k in old:
            if k not in new:
                out[k] = None
        for k, v in new.items():
            if k not in old:
                out[k] = copy_json(v)
            elif old[k] != v or type(old[k]) is not type(v):
                out[k] = diff_patch(old[k], v)
        return out
    if isinstance(new, dict):
        # A dict patch merges into {} when old is not a dict, so this rebuilds new exactly.
        return copy_json(new)
    return copy_json(new)


def dumps(value: Any) -> str:
    """Compact JSON text (no NaN); raises ValueError/TypeError on non-JSON."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


def loads(text: str | bytes | bytearray) -> Any:
    """Parse JSON text."""
    return json.loads(text)


def parse_json_text(channel: str, text: str | bytes, *, what: str = "message") -> Any:
    """Parse user-supplied JSON (e.g. from the CLI); errors name the channel and position."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        shown: str | bytes = text
        if len(text) > 60:  # shortened; bytes stay bytes (bytes + "..." raised TypeError)
            shown = text[:57] + "..." if isinstance(text, str) else text[:57] + b"..."
        raise ChannelMessageError(
            f"channel {channel!r}: {what} is not valid JSON ({exc}); got {shown!r}"
        ) from exc
