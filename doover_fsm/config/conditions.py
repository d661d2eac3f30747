"""Conditional config elements (``show_if=``): which elements are active for a given config.

A condition compares a *controller* element's value with a constant; the schema renders each
group of elements sharing a condition as a JSON Schema ``if``/``then`` branch, and injection
skips the required check of an element whose condition does not hold.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum as _Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from doover_fsm.config.element import ConfigElement


class Comparator(_Enum):
    """Comparison operators supported by conditional config elements."""

    EQUAL = "equal"
    NOT_EQUAL = "not_equal"
    ONE_OF = "one_of"
    GREATER_THAN = "greater_than"
    GREATER_THAN_OR_EQUAL = "greater_than_or_equal"
    LESS_THAN = "less_than"
    LESS_THAN_OR_EQUAL = "less_than_or_equal"


@dataclass(frozen=True)
class Condition:
    """A condition controlling whether a config element is active."""

    element: ConfigElement | str
    comparator: Comparator
    value: Any


@dataclass(frozen=True)
class AllOf:
    """Conditions that must all hold for a config element to be active."""

    conditions: tuple[Condition, ...]


def _numeric(op: Callable[[Any, Any], bool], keyword: str) -> tuple[Callable[[Any, Any], bool],
                                                                       Callable[[Any], dict[str, Any]]]:
    # JSON Schema's numeric keywords ignore non-numbers, so the branch pins the type as well.
    def check(actual: Any, value: Any) -> bool:
        return isinstance(actual, (int, float)) and not isinstance(actual, bool) and op(actual, value)

    return check, lambda value: {"type": "number", keyword: value}


# Comparator -> (run-time check, the JSON Schema the controller must match).
_COMPARATORS: dict[Comparator, tuple[Callable[[Any, Any], bool], Callable[[Any], dict[str, Any]]]] = {
    Comparator.EQUAL: (operator.eq, lambda value: {"const": value}),
    Comparator.NOT_EQUAL: (operator.ne, lambda value: {"not": {"const": value}}),
    Comparator.ONE_OF: (lambda actual, values: actual in values, lambda values: {"enum": list(values)}),
    Comparator.GREATER_THAN: _numeric(operator.gt, "exclusiveMinimum"),
    Comparator.GREATER_THAN_OR_EQUAL: _numeric(operator.ge, "minimum"),
    Comparator.LESS_THAN: _numeric(operator.lt, "exclusiveMaximum"),
    Comparator.LESS_THAN_OR_EQUAL: _numeric(operator.le, "maximum"),
}


def equal(element: ConfigElement | str, value: Any) -> Condition:
    """Show an element when ``element`` equals ``value``."""
    return Condition(element=element, comparator=Comparator.EQUAL, value=value)


def not_equal(element: ConfigElement | str, value: Any) -> Condition:
    """Show an element when ``element`` doesn't equal ``value``."""
    return Condition(element, Comparator.NOT_EQUAL, value)


def one_of(element: ConfigElement | str, values: Any) -> Condition:
    """Show an element when ``element`` equals any of ``values``."""
    return Condition(element, Comparator.ONE_OF, tuple(values))


def greater_than(element: ConfigElement | str, value: float) -> Condition:
    """Show an element when ``element`` is a number above ``value``."""
    return Condition(element, Comparator.GREATER_THAN, value)


def greater_than_or_equal(element: ConfigElement | str, value: float) -> Condition:
    """Show an element when ``element`` is a number at or above ``value``."""
    return Condition(element, Comparator.GREATER_THAN_OR_EQUAL, value)


def less_than(element: ConfigElement | str, value: float) -> Condition:
    """Show an element when ``element`` is a number below ``value``."""
    return Condition(element, Comparator.LESS_THAN, value)


def less_than_or_equal(element: ConfigElement | str, value: float) -> Condition:
    """Show an element when ``element`` is a number at or below ``value``."""
    return Condition(element, Comparator.LESS_THAN_OR_EQUAL, value)


def all_of(*conditions: Condition | ConfigElement) -> AllOf:
    """Show an element only when every condition holds, each on a different element."""
    return AllOf(tuple(as_condition(c) for c in conditions))


def as_condition(condition: Any) -> Any:
    """A bare (Boolean) element is shorthand for ``equal(element, True)``; anything else as given."""
    from doover_fsm.config.element import ConfigElement  # element.py imports this module

    if isinstance(condition, ConfigElement):
        return equal(condition, True)
    return condition


def conditions_of(show_if: Condition | AllOf) -> tuple[Condition, ...]:
    """The single conditions a ``show_if`` is made of."""
    return show_if.conditions if isinstance(show_if, AllOf) else (show_if,)


def controller_key(condition: Condition, elements: Mapping[str, ConfigElement]) -> str:
    """The key, among ``elements``, of the element a condition tests."""
    from doover_fsm.config.element import ConfigElement

    controller = condition.element
    if isinstance(controller, str):
        name = controller
    elif isinstance(controller, ConfigElement):
        name = next((key for key, element in elements.items() if element is controller), controller._name)
    else:
        raise TypeError("A condition controller must be a ConfigElement or field name")
    if name not in elements:
        raise ValueError(f"Conditional field references unknown element {name!r}.")
    return name


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, _Enum):
        return str(value.value)
    return value


def condition_schema(condition: Condition) -> dict[str, Any]:
    """The JSON Schema the controller's value must match for ``condition`` to hold."""
    return _COMPARATORS[condition.comparator][1](_plain(condition.value))


def condition_holds(condition: Condition, elements: Mapping[str, ConfigElement], data: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for ``data`` (a missing controller counts as its default)."""
    from doover_fsm.config.keys import NotSet

    name = controller_key(condition, elements)
    actual = data[name] if name in data else elements[name].default
    if actual is NotSet:
        return False
    return _COMPARATORS[condition.comparator][0](_plain(actual), _plain(condition.value))


def show_if_holds(show_if: Condition | AllOf, elements: Mapping[str, ConfigElement], data: Mapping[str, Any]) -> bool:
    """Whether every condition of ``show_if`` holds for ``data``."""
    return all(condition_holds(c, elements, data) for c in conditions_of(show_if))
