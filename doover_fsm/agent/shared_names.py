"""The names both APIs share: ``create_message``, ``update_message``, ``list_messages``.

An agent implements doover_fsm's form (``create_message(channel, data, *, author=None)``,
``update_message(channel, id, data, *, replace=False, author=None)``,
``list_messages(channel, limit=50)``). :func:`adapt_primitives`, called for every Agent subclass,
widens it to pydoover's signature with doover_fsm's extras kept keyword-only, and gives
pydoover's return shapes (``update_message`` → the updated ``Message``, ``list_messages`` →
``Message`` objects). A subclass that overrides one in pydoover's form (as app tests do on
``MockDeviceAgentInterface`` to capture calls) keeps its own signature and still accepts the
doover_fsm keywords the runtime passes (``author=`` is dropped, ``replace=`` becomes
``replace_data=``).

Thread-safety: class set-up only.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from doover_fsm.agent.doover_api import (
    QOS_DEFAULT,
    check_files,
    check_routing,
    check_timestamp,
    record_message,
)
from doover_fsm.agent.models import File, Message, NotFoundError

__all__ = ["adapt_primitives"]

#: How many messages ``list_messages(before=/after=)`` scans for its window.
_SCAN_LIMIT = 1_000_000


def _adapt_create(impl: Callable[..., Awaitable[str]]) -> Callable[..., Awaitable[str]]:
    async def create_message(self: Any, channel_name: str, data: Any, files: list[File] | None = None,
                             timestamp: datetime | None = None, agent_id: int | None = None,
                             qos: int = QOS_DEFAULT, *, author: str | None = None) -> str:
        """Append a message to ``channel_name``; returns its id (a time-ordered ULID string).

        pydoover's keywords are accepted: ``timestamp`` (validated; the stored time is the
        agent's clock), ``qos``; ``files`` and ``agent_id`` raise (not supported).
        """
        check_routing(channel_name, agent_id, qos)
        check_files(channel_name, files)
        check_timestamp(channel_name, timestamp)
        return await impl(self, channel_name, data, author=author)

    return create_message


def _adapt_update(impl: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[Message]]:
    async def update_message(self: Any, channel_name: str, message_id: Any, data: Any,
                             files: list[File] | None = None, replace_data: bool = False,
                             clear_attachments: bool = False, agent_id: int | None = None, qos: int = QOS_DEFAULT,
                             *, replace: bool | None = None, author: str | None = None) -> Message:
        """Merge-patch (or, ``replace_data``/``replace``, replace) a message; returns the updated Message."""
        check_routing(channel_name, agent_id, qos)
        check_files(channel_name, files)
        mid = str(message_id)
        await impl(self, channel_name, mid, data, replace=replace_data if replace is None else replace, author=author)
        record = await self.get_message(channel_name, mid)
        if record is None:  # deleted in between by another process
            raise NotFoundError(f"channel {channel_name!r} has no message {mid!r}")
        return record_message(record)

    return update_message


def _adapt_list(impl: Callable[..., Awaitable[list[Any]]]) -> Callable[..., Awaitable[list[Message]]]:
    async def list_messages(self: Any, channel_name: str, before: Any = None, after: Any = None,
                            limit: int | None = None, field_names: list[str] | str | None = None,
                            agent_id: int | None = None) -> list[Message]:
        """Stored messages, oldest first: the newest ``limit`` (default 50) before/after a message id or time.

        ``field_names`` keeps only those top-level data keys (a list, or a comma-separated string).
        """
        check_routing(channel_name, agent_id, QOS_DEFAULT)
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ValueError(f"list_messages({channel_name!r}): limit must be an int >= 0, got {limit!r}")
        want = 50 if limit is None else limit
        windowed = before is not None or after is not None
        records = await impl(self, channel_name, limit=_SCAN_LIMIT if windowed else want)
        if windowed:
            records = [r for r in records if _in_window(r, before, after)][-want:] if want else []
        out = [record_message(r) for r in records]
        if field_names is not None:
            names = [f.strip() for f in field_names.split(",")] if isinstance(field_names, str) else list(field_names)
            for m in out:
                if isinstance(m.data, dict):
                    m.data = {k: v for k, v in m.data.items() if k in names}
        return out

    return list_messages


def _in_window(record: Any, before: Any, after: Any) -> bool:
    def key(bound: Any) -> tuple[str, Any]:
        if isinstance(bound, datetime):
            return ("ts", bound.timestamp())
        if isinstance(bound, str):
            return ("id", bound)
        raise TypeError(f"list_messages: before/after must be a message id (str) or a datetime, got {bound!r}")

    for bound, is_before in ((before, True), (after, False)):
        if bound is None:
            continue
        what, value = key(bound)
        mine = record.ts if what == "ts" else record.id
        if (is_before and not mine < value) or (not is_before and not mine > value):
            return False
    return True


_ADAPTERS: dict[str, Callable[[Any], Any]] = {
    "create_message": _adapt_create,
    "update_message": _adapt_update,
    "list_messages": _adapt_list,
}


def _pass_through(name: str, impl: Callable[..., Any]) -> Callable[..., Any]:
    """A pydoover-form override: also accept the doover_fsm keywords the runtime passes."""

    async def method(self: Any, *args: Any, author: str | None = None, replace: bool | None = None,
                     **kwargs: Any) -> Any:
        if replace is not None:
            kwargs["replace_data"] = replace
        return await impl(self, *args, **kwargs)

    method.__doc__ = impl.__doc__
    method.__signature__ = inspect.signature(impl)  # type: ignore[attr-defined]  # what the user wrote
    return method


def _doover_fsm_form(name: str, impl: Callable[..., Any]) -> bool | None:
    """True: doover_fsm's form; False: pydoover's form that needs the keywords; None: takes anything."""
    params = list(inspect.signature(impl).parameters.values())[1:]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    if name == "list_messages":
        return [p.name for p in params] == ["channel", "limit"]
    return any(p.name == "author" and p.kind is p.KEYWORD_ONLY for p in params)


def adapt_primitives(cls: type) -> None:
    """Widen ``cls``'s own create/update/list_messages to take both forms (see module doc)."""
    for name, adapter in _ADAPTERS.items():
        impl = cls.__dict__.get(name)
        if impl is None or getattr(impl, "__isabstractmethod__", False) or getattr(impl, "_doover_adapted", False):
            continue
        form = _doover_fsm_form(name, impl)
        if form is None or (form is False and name == "list_messages"):
            continue  # accepts every keyword already / pydoover's list form serves both
        wrapped: Any = adapter(impl) if form else _pass_through(name, impl)
        wrapped.__qualname__ = f"{cls.__qualname__}.{name}"
        wrapped.__module__ = cls.__module__
        wrapped._doover_adapted = True
        setattr(cls, name, wrapped)

