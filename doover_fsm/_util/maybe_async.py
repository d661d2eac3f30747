"""Helpers for APIs that work both awaited and not (Doover apps call them both ways)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Completed(Generic[T]):
    """A result that is already there but may still be awaited.

    ``self.set_tag("x", 1)`` and ``await self.set_tag("x", 1)`` both work, and forgetting the
    ``await`` never leaves an un-run coroutine behind (pydoover silently dropped those).
    """

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, T]:
        return self.value
        yield  # pragma: no cover - makes this a generator

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"Completed({self.value!r})"


async def call_maybe_async(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` and await its result if it is awaitable (sync and async callbacks alike)."""
    result = func(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result
