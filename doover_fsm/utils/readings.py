"""Small helpers for sensor readings and JSON trees (pydoover's ``map_reading``, ``find_*``).

Thread-safety: pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["find_object_with_key", "find_path_to_key", "map_reading"]


def map_reading(in_val: float, output_values: Sequence[float], raw_readings: Sequence[float] = [4, 20],
                ignore_below: float = 3) -> float | None:
    """Map a raw reading onto a piecewise-linear scale (default 4–20 mA); None below ``ignore_below``.

    ``raw_readings`` and ``output_values`` are matching breakpoints; readings beyond the last
    breakpoint extrapolate along the last segment.
    """
    if len(raw_readings) < 2 or len(output_values) < len(raw_readings):
        raise ValueError(f"map_reading: need >= 2 breakpoints and an output for each raw reading, got "
                         f"raw_readings={list(raw_readings)!r}, output_values={list(output_values)!r}")
    if in_val < ignore_below:
        return None
    seg = len(raw_readings) - 2
    for i, bound in enumerate(raw_readings):
        if in_val <= bound:
            seg = i - 1  # -1 for a reading at or below the first breakpoint: as pydoover, the wrap-around segment
            break
    lo_in, hi_in = raw_readings[seg], raw_readings[seg + 1]
    lo_out, hi_out = output_values[seg], output_values[seg + 1]
    return lo_out + float(in_val - lo_in) / float(hi_in - lo_in) * (hi_out - lo_out)


def find_object_with_key(obj: Any, key_to_find: str) -> Any | None:
    """The value of the first ``key_to_find`` found in a nested dict (pydoover's search order)."""
    stack = [obj]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if key_to_find in current:
                return current[key_to_find]
            stack.extend(current.values())
    return None


def find_path_to_key(obj: Any, key_to_find: str) -> str | None:
    """The dotted path to the first ``key_to_find`` in a nested dict, or None."""
    stack: list[tuple[Any, str]] = [(obj, "")]
    while stack:
        current, path = stack.pop()
        if isinstance(current, dict):
            if key_to_find in current:
                return f"{path}.{key_to_find}" if path else key_to_find
            stack.extend((value, f"{path}.{key}" if path else str(key)) for key, value in current.items())
    return None
