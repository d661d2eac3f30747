"""One call, two calling conventions: a plain value for sync code, an awaitable for async code.

pydoover's interfaces come in two generations: 0.4 has sync methods (``get_di``) whose
result depends on whether the app is async, plus ``*_async`` twins; 1.x has only coroutines
(``await fetch_di``), which a sync ``main_loop`` cannot use. doover_fsm's reads come from the
scan's input image and its writes go to the output image, so every call finishes at once:
:func:`deliver` hands the result back as a value to a sync caller and as an already-finished
awaitable (:class:`Ready`) to an async one. Thread-safe (stateless).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Coroutine, Generator
from types import CodeType, FrameType
from typing import Any

_ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR
_OWN_PREFIX = "doover_fsm."


class Ready(Coroutine[Any, Any, Any]):
    """A call that has already finished: ``await`` gives its result without suspending.

    A coroutine by type (so ``asyncio.create_task`` and ``gather`` accept it) but not a native
    one, so leaving it un-awaited is harmless: the call's effect has already happened.
    Thread-safe (immutable); it may be awaited more than once.
    """

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def send(self, value: Any) -> Any:
        raise StopIteration(self._value)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        raise typ if val is None else val

    def close(self) -> None:
        pass

    def __await__(self) -> Generator[Any, None, Any]:
        return self._value
        yield  # pragma: no cover - makes this a generator that finishes at once

    def __repr__(self) -> str:
        return f"Ready({self._value!r})"


# Frames that belong to the function around them: on Python 3.11 a comprehension is its own
# (sync) function, so ``[fetch_di(p) for p in pins]`` inside an ``async def`` must look through it.
_TRANSPARENT = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>", "<lambda>"})


# code object -> "look through this frame" (doover_fsm's own code, comprehensions, lambdas).
# A memo only (never needs resetting): code objects are immutable.
_LOOK_THROUGH: dict[CodeType, bool] = {}


def caller_is_async(skip: int = 1) -> bool:
    """True if the first frame outside doover_fsm above the caller runs an ``async def``
    (comprehensions and lambdas count as part of the function that holds them)."""
    frame: FrameType | None = sys._getframe(skip)
    while frame is not None:
        code = frame.f_code
        through = _LOOK_THROUGH.get(code)
        if through is None:
            name = frame.f_globals.get("__name__")
            through = _LOOK_THROUGH[code] = (
                (isinstance(name, str) and name.startswith(_OWN_PREFIX)) or code.co_name in _TRANSPARENT)
        if not through:
            return bool(code.co_flags & _ASYNC_FLAGS)
        frame = frame.f_back
    return False


def deliver(value: Any, is_async: bool | None) -> Any:
    """``value`` for a sync caller, ``Ready(value)`` when the caller (or the app) is async.

    ``is_async`` is the app's mode (pydoover 0.4's ``_is_async``): True makes every result
    awaitable, as in an async pydoover app; None/False decide by the calling frame.
    """
    if is_async or caller_is_async():
        return Ready(value)
    return value
