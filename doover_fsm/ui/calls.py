"""How an element call is read: pydoover 1.x ``(display_name, value, name=)`` or ``(name, display_name)``.

pydoover 1.x puts the display name first (``NumericVariable("Flow Rate", value=tags.flow, name="flow")``).
pydoover 0.4, and the Doover docs' own example (``BooleanVariable("ready", "Ready", value=MyTags.ready)``,
which pydoover 1.18 rejects), put the element's name first. Both are accepted; the rule, first match wins:

1. ``display_name=`` given as a keyword *and* a positional argument → ``(name, ...)``.
2. A keyword only pydoover 0.4 knows (``curr_val``, ``current_value``, ``default_val``, ``display_str``,
   ``dec_precision``, ``callback``, ``transform_check``, ``user_options``, ``status_icon``,
   ``auto_add_elements``, ``float_min``, ``float_max``) with two leading arguments, or with ``name=``
   and no positional argument → the 0.4 reading.
3. More leading strings than the class's 1.x signature starts with (one for most elements; two for
   ``Variable``/``TextVariable``, whose second is a free value, and ``RemoteComponent``, whose second
   is a URL) → ``(name, display_name)``:
   - with ``value=`` as well (the seed form, a TypeError in pydoover) it is always so;
   - a second string starting with ``$`` is a 1.x lookup (``"$tag.app().x"``), so 1.x reading;
   - for ``TextVariable``/``Variable`` two strings stay 1.x unless the second sanitises to the first
     (``TextVariable("status", "Status")``), or the element is later placed with the 0.4 manager
     (``ui_manager.add_children``), which re-reads it as ``(name, display_name)``.
4. Anything else is read as pydoover 1.x reads it.

A ``(name, display_name)`` call of a class that also existed in pydoover 0.4 (``NumericVariable``,
``Slider``, ``Submodule``…) makes the 0.4 element (its 0.4 JSON and methods: ``update``,
``current_value``, ``coerce``); the seed form (with ``value=``) and 1.x-only classes (``Button``,
``Select``…) make the 1.x element with that name and display name.
"""

from __future__ import annotations

import inspect
from typing import Any

from doover_fsm.ui.names import sanitize_display_name

#: Keywords that only pydoover 0.4's element constructors take.
LEGACY_KEYWORDS = frozenset({
    "curr_val", "current_value", "default_val", "display_str", "dec_precision", "callback", "transform_check",
    "user_options", "status_icon", "auto_add_elements", "float_min", "float_max",
})


def _leading_strings(args: tuple[Any, ...]) -> int:
    count = 0
    for arg in args:
        if not isinstance(arg, str):
            break
        count += 1
    return count


def reads_name_first(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Is this call ``(name, display_name, ...)`` rather than pydoover 1.x's ``(display_name, ...)``?"""
    if "display_name" in kwargs and args:
        return True
    if LEGACY_KEYWORDS.intersection(kwargs) and (
            (len(args) >= 2 and isinstance(args[0], str)) or (not args and "name" in kwargs)):
        return True
    strings = _leading_strings(args)
    in_signature: int = getattr(cls, "_leading_strings_1x", 1)
    if strings < 2:
        return False
    if "value" in kwargs:
        return True
    if strings <= in_signature:
        return in_signature == 2 and getattr(cls, "_free_value", False) and _names_itself(args)
    return not (in_signature == 1 and args[1].startswith("$"))


def _names_itself(args: tuple[Any, ...]) -> bool:
    """``("status", "Status")``: the second string is the display name of the first."""
    return sanitize_display_name(args[1]) == args[0] and not args[1].startswith("$")


def is_ambiguous(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """A 1.x reading that 0.4 would read the other way (a free-value variable with two strings)."""
    return (getattr(cls, "_free_value", False) and _leading_strings(args) == 2 and "name" not in kwargs
            and "value" not in kwargs and not args[1].startswith("$"))


def to_display_first(args: tuple[Any, ...], kwargs: dict[str, Any], where: str) -> tuple[tuple[Any, ...],
                                                                                         dict[str, Any]]:
    """``(name, display_name, *rest)`` → ``(display_name, *rest, name=name)`` for a 1.x constructor."""
    kwargs = dict(kwargs)
    if not args:  # all keywords: the same in both readings
        return args, kwargs
    if "name" in kwargs:
        raise TypeError(f"{where}: the name is given twice (first argument {args[0]!r} and name={kwargs['name']!r})")
    kwargs["name"] = args[0]
    if "display_name" in kwargs:
        return (kwargs.pop("display_name"), *args[1:]), kwargs
    return (args[1], *args[2:]), kwargs


def signature_without_self(func: Any) -> inspect.Signature:
    sig = inspect.signature(func)
    return sig.replace(parameters=list(sig.parameters.values())[1:])
