"""pydoover's sync/async helpers: ``call_maybe_async``, ``maybe_async``, ``get_is_async``, ``wrap_try_except``.

Thread-safety: stateless; ``call_maybe_async`` runs sync functions in the loop's default
executor (a thread) unless ``in_executor=False``, as pydoover does.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

__all__ = ["call_maybe_async", "get_is_async", "maybe_async", "wrap_try_except", "wrap_try_except_async"]

F = TypeVar("F", bound=Callable[..., Any])


def get_is_async(is_async: bool | None = None) -> bool:
    """``is_async`` if given, else whether an event loop is running in this thread."""
    if is_async is not None:
        return is_async
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def maybe_async() -> Callable[[F], F]:
    """Decorate a sync method so that, on an object whose ``_is_async`` is true, ``<name>_async`` runs instead.

    ``run_sync=True`` forces the sync version.
    """

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            force_sync = kwargs.pop("run_sync", False)
            if args and getattr(args[0], "_is_async", False) is True and not force_sync:
                alternative = getattr(args[0], f"{func.__name__}_async", None)
                if alternative is not None:
                    return alternative(*args[1:], **kwargs)
            return func(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return decorator


def wrap_try_except(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func``; log (and swallow) any exception, returning None."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        log.exception("Error in %s: %s", getattr(func, "__name__", func), exc)
        return None


async def wrap_try_except_async(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await ``func(...)``; log (and swallow) any exception, returning None."""
    try:
        return await func(*args, **kwargs)
    except Exception as exc:
        log.exception("Error in %s: %s", getattr(func, "__name__", func), exc)
        return None


async def call_maybe_async(func: Callable[..., Any], *args: Any, as_task: bool = False, in_executor: bool = True,
                           **kwargs: Any) -> Any:
    """Call a sync or async ``func``; await it (or, ``as_task``, return its task/future).

    Sync functions run in the default executor unless ``in_executor=False``.
    """
    if inspect.iscoroutinefunction(func):
        coro = func(*args, **kwargs)
        return asyncio.ensure_future(coro) if as_task else await coro
    if in_executor:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, functools.partial(func, *args, **kwargs))
        return future if as_task else await future
    return func(*args, **kwargs)
