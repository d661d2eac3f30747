"""What the app runtime does with a config: load it (from a file or ``deployment_config``) and read it.

These are functions rather than ``Schema`` methods so that no app element name (``source``,
``load``, ``extra``...) can shadow them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from doover_fsm._util.textfile import loads_json
from doover_fsm.config.containers import Array, Object
from doover_fsm.config.element import ConfigElement
from doover_fsm.config.keys import NotSet
from doover_fsm.config.schema import Schema
from doover_fsm.errors import ConfigError


def inject_config(schema: Schema | None, data: Mapping[str, Any], *, source: str = "deployment config") -> None:
    """Load ``data`` (an app's ``deployment_config`` entry) into ``schema``, as pydoover's
    ``_inject_deployment_config`` does; errors name ``source`` and the key. An app's own override
    of ``_inject_deployment_config`` (or a schema-like object of its own) is honoured; ``None``
    (an app without a config) takes nothing."""
    if schema is None:
        return
    if not isinstance(schema, Schema) or type(schema)._inject_deployment_config is not Schema._inject_deployment_config:
        schema._inject_deployment_config(dict(data))
        if isinstance(schema, Schema):
            schema.__dict__["_source"] = source
        return
    try:
        schema._inject(data, source)
    except RecursionError:
        raise ConfigError(f"{source}: the config is nested too deeply") from None


def load_config_file(schema: Schema | None, path: str | Path) -> dict[str, Any]:
    """Inject a JSON file (``--config FILE``); errors name the file (and line, for JSON syntax).
    Returns the file's data."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config file {str(p)!r} cannot be read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {str(p)!r} is not UTF-8 text (byte {exc.start}: "
                          f"{exc.object[exc.start:exc.start + 1]!r})") from None
    # nesting limited (checked before parsing, with line and column), NaN/Infinity refused
    data = loads_json(text, source=f"config file {str(p)!r}", error=ConfigError)
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(p)!r}: the config must be a JSON object, got {type(data).__name__}")
    try:
        inject_config(schema, data, source=f"config file {str(p)!r}")
    except ConfigError as exc:
        line = _line_of_key(text, str(exc))
        if line is None:
            raise
        raise ConfigError(f"{exc} (line {line})") from None
    return data


_KEY_IN_MESSAGE = re.compile(r"config keys? '([^']+)'|Unknown element (\S+) in config")


def _line_of_key(text: str, message: str) -> int | None:
    """The line of ``text`` (a JSON file) where the key an error message names first appears."""
    m = _KEY_IN_MESSAGE.search(message)
    if m is None:
        return None
    path = m.group(1) or m.group(2)
    last = re.sub(r"(\[\d+\])+$", "", path.split(".")[-1])
    found = re.search(r'"' + re.escape(last) + r'"\s*:', text)
    return None if found is None else text.count("\n", 0, found.start()) + 1


def config_extras(schema: Schema | None) -> dict[str, Any]:
    """The last loaded keys that no element declares (``APP_DISPLAY_NAME``, ``board``, ``modbus``...)."""
    if not isinstance(schema, Schema):
        return {}
    schema._element_map  # noqa: B018  (materializes the instance state)
    return dict(schema.__dict__["_raw_extras"])


def config_source(schema: Schema | None) -> str | None:
    """Where the last loaded config came from (a file, ``deployment config``), or None."""
    if not isinstance(schema, Schema):
        return None
    schema._element_map  # noqa: B018
    source: str | None = schema.__dict__["_source"]
    return source


def config_values(schema: Schema | None) -> dict[str, Any]:
    """The loaded values as plain JSON-like data, by key (unset values are None)."""
    if not isinstance(schema, Schema):
        return {}
    return {key: element_value(element) for key, element in schema._element_map.items()}


def element_value(element: ConfigElement) -> Any:
    """One element's loaded value as plain data: lists for arrays, dicts for objects, enum values."""
    if isinstance(element, Array):
        return [element_value(item) for item in element.elements]
    if isinstance(element, Object):
        return {key: element_value(child) for key, child in element._elements.items()}
    value = element._value
    if value is NotSet:
        return None
    return getattr(value, "value", value) if hasattr(type(value), "__members__") else value
