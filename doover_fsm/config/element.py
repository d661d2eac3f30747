"""The config element base: one declared key, its JSON Schema, and its deployment value.

Values follow pydoover: ``.value`` is what the last ``_inject_deployment_config`` loaded (the
default when the key was absent); read before any injection it raises ``ValueError``, except
that a 1.x element whose default is ``None`` reads ``None``. Unlike pydoover, a value is checked
against the element's schema before it is taken (:meth:`ConfigElement.load_data`).

Elements are not thread-safe; the app runtime loads them on the scan thread.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from doover_fsm.config.conditions import AllOf, Condition, as_condition
from doover_fsm.config.keys import GEN_04, GEN_1, NotSet, check_key, key_1x, key_for
from doover_fsm.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterator


class ConfigDeclarationError(ConfigError, TypeError):
    """A config element is declared wrongly (a default of the wrong type, a reserved or duplicate name)."""


class Variable:
    """A reference to another app's config value, rendered as ``$scope.name`` (e.g. as a default).

    Scope and name are keyed like elements: the 1.x way, or the 0.4 way when the element whose
    default it is joins a 0.4 schema.
    """

    def __init__(self, scope: str, name: str) -> None:
        self._raw = (scope, name)
        self._scope = key_1x(scope)
        self._name = key_1x(name)

    def _adopt(self, generation: str) -> None:
        self._scope, self._name = (key_for(part, generation) for part in self._raw)

    def __str__(self) -> str:
        return f"${self._scope}.{self._name}"


# The Python types a declared default of each JSON type may have (``None`` is always allowed).
# pydoover asserts exact types (an int default for a Number fails); an int is a JSON number.
_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,),
    "array": (list,), "object": (dict,),
}


class ConfigElement:
    """Represents a config element in the Doover configuration schema.

    ``display_name`` is the UI label and, unless ``name=`` is given, the source of the key.
    ``default`` is the value when the deployment config omits the key; without one (and with
    ``required`` left ``None``) the element is required. ``show_if`` makes it conditional.
    """

    _type: str | None = "unknown"

    def __init__(
        self,
        display_name: str,
        *,
        default: Any = NotSet,
        description: str | None = None,
        deprecated: bool | None = None,
        hidden: bool = False,
        format: str | None = None,
        position: int | None = None,
        name: str | None = None,
        advanced: bool | None = None,
        required: bool | None = None,
        show_if: Condition | AllOf | ConfigElement | None = None,
    ) -> None:
        self._generation = GEN_1
        self._explicit_name = name is not None
        if name is not None:
            check_key(name)
            self._name = name
        else:
            self._name = key_1x(display_name)
        if required is False and default is NotSet:
            raise ConfigDeclarationError(
                f"Config element {self._name!r}: required=False needs a default to fall back to, "
                f"but none was supplied."
            )
        self._position = position
        self._display_name = display_name
        self.default = default
        self.description = description
        self.hidden = hidden
        self.deprecated = deprecated
        self.format = format
        self.advanced = advanced
        self._required = required
        show_if = as_condition(show_if)
        if show_if is not None and not isinstance(show_if, (Condition, AllOf)):
            raise TypeError("show_if must be a condition, e.g. config.equal()")
        self.show_if = show_if
        self._value: Any = NotSet
        self._check_default()

    def _check_default(self) -> None:
        default = self.default
        if default is NotSet or default is None or isinstance(default, Variable) or self._type is None:
            return
        allowed = _DEFAULT_TYPES.get(self._type)
        if allowed is None:
            return
        wrong = not isinstance(default, allowed)
        if self._type == "number" and isinstance(default, bool):
            wrong = True
        if wrong:
            raise ConfigDeclarationError(
                f"Config element {self._name!r}: default {default!r} is not a valid {self._type}"
            )

    # -- identity --------------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        """The UI label (pydoover 0.4's attribute name; 1.x keeps it in ``_display_name``)."""
        return self._display_name

    @display_name.setter
    def display_name(self, value: str) -> None:
        self._display_name = value

    def _set_name(self, name: str) -> None:
        """Fix the key (as ``name=`` would) after construction; subclasses with a fixed key use it."""
        self._name = name
        self._explicit_name = True

    def _children(self) -> Iterator[ConfigElement]:
        """The elements nested in this one (none for scalars)."""
        return iter(())

    def _adopt(self, generation: str) -> None:
        """Take the key rule and JSON shape of ``generation``, for this element and everything inside."""
        self._generation = generation
        if isinstance(self.default, Variable):
            self.default._adopt(generation)
        if not self._explicit_name:
            self._name = key_for(self._display_name, generation)
        for child in self._children():
            child._adopt(generation)

    # -- value -----------------------------------------------------------------------------------
    @property
    def required(self) -> bool:
        """Whether the deployment config must carry this key (``required=``, else "no default")."""
        if self._required is not None:
            return self._required
        return self.default is NotSet

    @property
    def value(self) -> Any:
        """The value of the config element."""
        if self._value is NotSet:
            if self.default is None and self._generation == GEN_1:
                # pydoover: channels cannot hold None (None clears a field), so None defaults read back here.
                return None
            raise ConfigError(f"Value for {self._name} not set. Check your config file?")
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value

    def load_data(self, data: Any) -> None:
        """Take ``data`` as this element's value; ConfigError (naming the key) if the schema forbids it."""
        self._load(self._check(data, self._name))

    def _check(self, data: Any, path: str) -> Any:
        """``data`` as it will be stored, or ConfigError naming ``path``; changes nothing."""
        return data

    def _load(self, data: Any) -> None:
        """Store already-checked ``data`` (defaults are stored without a check, as declared)."""
        self.value = data

    def _unset(self) -> None:
        self._value = NotSet

    def _fail(self, path: str, expected: str, data: Any) -> ConfigError:
        return ConfigError(f"config key {path!r}: expected {expected}, got {type(data).__name__} {data!r}")

    # -- schema ----------------------------------------------------------------------------------
    def _json_default(self) -> Any:
        return str(self.default) if isinstance(self.default, Variable) else self.default

    def to_dict(self) -> dict[str, Any]:
        """This element's JSON Schema, in the shape of the pydoover generation it belongs to."""
        payload = self._dict_04() if self._generation == GEN_04 else self._dict_1x()
        self._add_keywords(payload)
        return payload

    def _dict_1x(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": self._display_name, "x-name": self._name, "x-hidden": self.hidden}
        if self.format is not None:
            payload["format"] = self.format
        if self._type is not None:
            payload["type"] = self._type if self.required else [self._type, "null"]
        payload["x-required"] = self.required
        if self.description is not None:
            payload["description"] = self.description
        if self.default is not NotSet:
            payload["default"] = self._json_default()
        if self._position is not None:
            payload["x-position"] = self._position
        if self.deprecated is not None:
            payload["deprecated"] = self.deprecated
        if self.advanced is not None:
            payload["x-advanced"] = self.advanced
        return payload

    def _dict_04(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": self._display_name, "x-name": self._name, "x-hidden": self.hidden}
        if self._type is not None:
            payload["type"] = self._type
        if self.description is not None:
            payload["description"] = self.description
        if self.default is not NotSet:
            payload["default"] = self._json_default()
        if self.deprecated is not None:
            payload["deprecated"] = self.deprecated
        return payload

    def _add_keywords(self, payload: dict[str, Any]) -> None:
        """Add the type's own JSON Schema keywords (ranges, items, properties...)."""

    def __repr__(self) -> str:
        shown = "NotSet" if self._value is NotSet else repr(self._value)
        return f"<{type(self).__name__} {self._name!r} value={shown}>"


def finite_number(data: Any) -> bool:
    """A JSON number: int or finite float, never bool."""
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        return False
    return not isinstance(data, float) or math.isfinite(data)
