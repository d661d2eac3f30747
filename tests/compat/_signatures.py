"""Public-method signatures of a class, as JSON, the same way in the oracle and here."""

from __future__ import annotations

from typing import Any

# Runs in the oracle (run_in_oracle) and here (run_here): case = "module:Class".
SIGNATURES = '''
import importlib, inspect

def run(case):
    mod, cls = case.split(":")
    obj = getattr(importlib.import_module(mod), cls)
    out = {}
    for name in dir(obj):
        if name.startswith("_") and name != "__init__":
            continue
        v = inspect.getattr_static(obj, name)
        if isinstance(v, (staticmethod, classmethod)):
            v = v.__func__
        if isinstance(v, (property, type)) or not callable(v):
            continue
        try:
            sig = inspect.signature(v)
        except (TypeError, ValueError):
            continue
        out[name] = [[p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
                     for p in sig.parameters.values()]
    return out
'''


def extends(base: list[Any], ours: list[Any]) -> bool:
    """``ours`` accepts every call ``base`` accepts: same leading parameters, then only
    parameters with defaults or keyword-only ones (a documented superset)."""
    if ours[: len(base)] != base:
        return False
    return all(p[2] is not None or p[1] == "KEYWORD_ONLY" for p in ours[len(base):])
