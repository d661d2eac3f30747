"""pydoover's remaining helpers: ``on_change``, ``CaseInsensitiveDict``, ``deprecated``, logging set-up.

Thread-safety: ``on_change`` state lives on the instance (not synchronised); the rest are stateless.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar

__all__ = ["CaseInsensitiveDict", "CaseInsensitiveDictEncoder", "LogFormatter", "deprecated", "on_change",
           "sanitize_display_name", "setup_logging"]

F = TypeVar("F", bound=Callable[..., Any])


def sanitize_display_name(name: str) -> str:
    """A key-safe lowercase form of a display name (spaces → ``_``, other symbols dropped)."""
    return re.sub(r"[^0-9a-zA-Z_]", "", name.replace(" ", "_")).lower()


def on_change(callback: Callable[..., Any] | str, name: str | None = None) -> Callable[[F], F]:
    """Call ``callback(new, old, is_first, name)`` whenever the decorated function's result changes.

    ``callback`` may name a method of the instance. State is kept per instance.
    """

    def decorator(func: F) -> F:
        detector = name or func.__name__
        shared: dict[str, Any] = {"last_result": None, "has_value": False}

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            owner = args[0] if args and hasattr(args[0], "__dict__") else None
            attr = f"__on_change_state_{detector}"
            state = getattr(owner, attr, None) if owner is not None else shared
            if state is None:
                state = {"last_result": None, "has_value": False}
            result = func(*args, **kwargs)
            is_first = not state["has_value"]
            if is_first or result != state["last_result"]:
                if isinstance(callback, str):
                    cb = getattr(args[0], callback, None) if args else None
                    if not callable(cb):
                        raise ValueError(f"Attribute '{callback}' is not a callable of the instance.")
                else:
                    cb = callback
                cb(result, None if is_first else state["last_result"], is_first, detector)
                state["last_result"], state["has_value"] = result, True
                if owner is not None:
                    setattr(owner, attr, state)
            return result

        return wrapper  # type: ignore[return-value]

    return decorator


class CaseInsensitiveDict(MutableMapping[str, Any]):
    """A dict whose string keys compare case-insensitively (stored lowercased)."""

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        self._store: dict[str, Any] = {}
        self.update(data or {}, **kwargs)

    def copy(self) -> CaseInsensitiveDict:
        return CaseInsensitiveDict(self._store)

    def to_dict(self) -> dict[str, Any]:
        return {k: v.to_dict() if isinstance(v, CaseInsensitiveDict) else v for k, v in self.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseInsensitiveDict:
        return cls({k: cls.from_dict(v) if isinstance(v, dict) else v for k, v in data.items()})

    def __len__(self) -> int:
        return len(self._store)

    def __iter__(self) -> Iterator[str]:
        return iter(self._store)

    def __setitem__(self, key: str, value: Any) -> None:
        self._store[key.lower()] = value

    def __getitem__(self, key: str) -> Any:
        return self._store[key.lower()]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._store!r})"


class CaseInsensitiveDictEncoder(json.JSONEncoder):
    """JSON encoder that writes CaseInsensitiveDicts as objects."""

    def default(self, o: Any) -> Any:
        if isinstance(o, CaseInsensitiveDict):
            return o.to_dict()
        return super().default(o)


class LogFormatter(logging.Formatter):
    """Coloured log lines by level (what pydoover's ``setup_logging`` installs)."""

    _FMT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s (%(filename)s:%(lineno)d)"
    _COLOURS = {logging.DEBUG: "\x1b[38;20m", logging.INFO: "\x1b[38;20m", logging.WARNING: "\x1b[33;20m",
                logging.ERROR: "\x1b[31;20m", logging.CRITICAL: "\x1b[31;1m"}

    def format(self, record: logging.LogRecord) -> str:
        colour = self._COLOURS.get(record.levelno)
        fmt = f"{colour}{self._FMT}\x1b[0m" if colour else self._FMT
        return logging.Formatter(fmt).format(record)


def setup_logging(debug: bool, formatter: logging.Formatter | None = None,
                  filters: logging.Filter | list[logging.Filter] | None = None) -> None:
    """Root logging at DEBUG/INFO with one stream handler using ``formatter`` (default :class:`LogFormatter`)."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(formatter or LogFormatter())
    for item in [filters] if isinstance(filters, logging.Filter) else (filters or []):
        handler.addFilter(item)
    root = logging.getLogger()
    root.handlers.clear()
    root.addHandler(handler)


def deprecated(reason: Any) -> Any:
    """Mark a function or class deprecated: ``@deprecated("use x")`` or bare ``@deprecated``."""
    if isinstance(reason, (str, bytes)):
        def decorator(target: F) -> F:
            kind = "class" if inspect.isclass(target) else "function"
            return _warn_on_call(target, f"Call to deprecated {kind} {target.__name__} ({reason!s}).")

        return decorator
    if inspect.isclass(reason) or inspect.isfunction(reason):
        kind = "class" if inspect.isclass(reason) else "function"
        return _warn_on_call(reason, f"Call to deprecated {kind} {reason.__name__}.")
    raise TypeError(repr(type(reason)))


def _warn_on_call(target: Any, message: str) -> Any:
    @functools.wraps(target)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(message, category=DeprecationWarning, stacklevel=2)
        return target(*args, **kwargs)

    return wrapper
