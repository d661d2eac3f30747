"""Scalar config elements: Integer, Number, Boolean, String, DateTime and Enum."""

from __future__ import annotations

import math
import re
from enum import Enum as _Enum
from enum import EnumType
from typing import Any

from doover_fsm.config.element import ConfigDeclarationError, ConfigElement, finite_number
from doover_fsm.config.keys import GEN_1, NotSet
from doover_fsm.errors import ConfigError


class Integer(ConfigElement):
    """A JSON integer (``minimum``/``maximum``, exclusive bounds, ``multiple_of``)."""

    _type = "integer"
    value: int

    def __init__(
        self,
        display_name: str,
        *,
        minimum: int | None = None,
        exclusive_minimum: int | None = None,
        maximum: int | None = None,
        exclusive_maximum: int | None = None,
        multiple_of: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(display_name, **kwargs)
        self.minimum = minimum
        self.exclusive_minimum = exclusive_minimum
        self.maximum = maximum
        self.exclusive_maximum = exclusive_maximum
        self.multiple_of = multiple_of

    def _check(self, data: Any, path: str) -> Any:
        if data is None:
            return None
        if not finite_number(data):
            raise self._fail(path, f"a{'n integer' if self._type == 'integer' else ' number'}", data)
        if self._type == "integer" and isinstance(data, float) and not data.is_integer():
            raise self._fail(path, "an integer", data)
        self._check_range(data, path)
        return data

    def _load(self, data: Any) -> None:
        if isinstance(data, float) and data.is_integer() and self._generation == GEN_1:
            data = int(data)  # pydoover 1.x stores 5.0 (and a 5.0 default) as 5, for Number too
        self.value = data

    def _check_range(self, value: float, path: str) -> None:
        bounds = (
            (self.minimum, lambda m: value >= m, "below the minimum"),
            (self.exclusive_minimum, lambda m: value > m, "not above the exclusive minimum"),
            (self.maximum, lambda m: value <= m, "above the maximum"),
            (self.exclusive_maximum, lambda m: value < m, "not below the exclusive maximum"),
        )
        for bound, ok, what in bounds:
            if bound is not None and not ok(bound):
                raise ConfigError(f"config key {path!r}: {value!r} is {what} {bound!r}")
        if self.multiple_of:
            ratio = value / self.multiple_of
            if not math.isclose(ratio, round(ratio), rel_tol=0, abs_tol=1e-9):
                raise ConfigError(f"config key {path!r}: {value!r} is not a multiple of {self.multiple_of!r}")

    def _add_keywords(self, payload: dict[str, Any]) -> None:
        for keyword, bound in (("minimum", self.minimum), ("exclusiveMinimum", self.exclusive_minimum),
                               ("maximum", self.maximum), ("exclusiveMaximum", self.exclusive_maximum),
                               ("multipleOf", self.multiple_of)):
            if bound is not None:
                payload[keyword] = bound


class Number(Integer):
    """A JSON number (int or float), with Integer's bounds."""

    _type = "number"


class Boolean(ConfigElement):
    """A JSON boolean."""

    _type = "boolean"
    value: bool

    def _check(self, data: Any, path: str) -> Any:
        if data is not None and not isinstance(data, bool):
            raise self._fail(path, "true or false", data)
        return data


class String(ConfigElement):
    """A JSON string; ``pattern`` is a JSON Schema (unanchored) regex, ``length`` is passed through."""

    _type = "string"
    value: str

    def __init__(self, display_name: str, *, length: int | None = None, pattern: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(display_name, **kwargs)
        self.length = length
        self.pattern = pattern

    def _check(self, data: Any, path: str) -> Any:
        if data is None:
            return None
        if not isinstance(data, str):
            raise self._fail(path, "a string", data)
        if self.pattern is not None and re.search(self.pattern, data) is None:
            raise ConfigError(f"config key {path!r}: {data!r} does not match the pattern {self.pattern!r}")
        return data

    def _add_keywords(self, payload: dict[str, Any]) -> None:
        if self.length is not None:
            payload["length"] = self.length
        if self.pattern is not None:
            payload["pattern"] = self.pattern


class DateTime(ConfigElement):
    """A date-time, as a JSON string with ``format: date-time``."""

    _type = "string"
    value: str

    def _check(self, data: Any, path: str) -> Any:
        if data is not None and not isinstance(data, str):
            raise self._fail(path, "a date-time string", data)
        return data

    def _add_keywords(self, payload: dict[str, Any]) -> None:
        payload["format"] = "date-time"


class Enum(ConfigElement):
    """One of ``choices``: a list of strings/floats, or a Python enum class.

    With an enum class the schema lists ``str(member.value)`` and ``.value`` gives the member
    (pydoover 1.x) — or the member's value in a pydoover 0.4 schema, as 0.4 did.
    """

    _type = None

    def __init__(self, display_name: str, *, choices: list[Any] | EnumType | None = None, default: Any,
                 **kwargs: Any) -> None:
        if isinstance(default, _Enum):
            default = str(default.value)
        super().__init__(display_name, default=default, **kwargs)
        if choices is None:
            raise ConfigDeclarationError(f"Enum {self._name!r} needs choices (a list or an enum class)")
        self._enum_lookup: dict[str, Any] | None
        if isinstance(choices, EnumType):
            members: list[Any] = list(choices)
            self._enum_lookup = {str(member.value): member for member in members}
            choices = list(self._enum_lookup)
            if default not in self._enum_lookup and default is not None and default is not NotSet:
                raise ConfigDeclarationError(
                    f"Enum {self._name!r}: default {default!r} is not one of {choices!r}")
        else:
            self._enum_lookup = None
            choices = list(choices)
        if all(isinstance(choice, str) for choice in choices):
            self._type = "string"
        elif all(isinstance(choice, float) for choice in choices):
            self._type = "number"
        self.choices = choices

    @property
    def value(self) -> Any:
        return ConfigElement.value.fget(self)  # type: ignore[attr-defined]

    @value.setter
    def value(self, value: Any) -> None:
        if self._enum_lookup is None or value is None:
            self._value = value
        elif not self._check_quiet(value):
            raise ConfigError(f"config key {self._name!r}: {value!r} is not one of {self.choices!r}")
        else:
            member: Any = self._enum_lookup[value]
            self._value = member if self._generation == GEN_1 else member.value

    def _check_quiet(self, data: Any) -> bool:
        try:
            self._check(data, self._name)
        except ConfigError:
            return False
        return True

    def _check(self, data: Any, path: str) -> Any:
        if data is None:
            return None
        try:
            known = data in self._enum_lookup if self._enum_lookup is not None else data in self.choices
        except TypeError:  # unhashable (a list or dict) is never a choice
            known = False
        if not known:
            raise ConfigError(f"config key {path!r}: expected one of {self.choices!r}, got {data!r}")
        return data

    def to_dict(self) -> dict[str, Any]:
        return {"enum": self.choices, **super().to_dict()}

