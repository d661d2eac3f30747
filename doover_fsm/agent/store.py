"""Synchronous access to an agent store for the CLI (no event loop needed).

``doover-fsm channel show NAME`` / ``channel post NAME JSON`` / ``tags`` open the same SQLite
file a running app uses (``default_data_dir() / "agent.sqlite3"``); a running app sees the
writes within one scan (its agent's ``poll()``). Writes are merged against the stored state
inside a transaction, so the CLI and the app never lose each other's keys.

Thread-safety: a :class:`LocalStore` is not thread-safe; use one per thread.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from doover_fsm.agent import _sqlite as db
from doover_fsm.agent._sqlite import DB_FILENAME, default_data_dir
from doover_fsm.agent.base import Message
from doover_fsm.agent.ids import new_message_id
from doover_fsm.agent.merge import (
    copy_json,
    parse_json_text,
    validate_aggregate_patch,
    validate_channel,
    validate_json,
)
from doover_fsm.agent.wellknown import check_message, check_message_patch
from doover_fsm.errors import AgentError, ChannelMessageError

__all__ = ["DB_FILENAME", "LocalStore", "default_data_dir", "open_store"]

_T = TypeVar("_T")


class LocalStore:
    """Blocking reads and writes on an agent store file (the CLI's view of the channels)."""

    def __init__(self, db_path: str | Path, *, author: str = "cli", durability: db.Durability = "process",
                 clock_time: Any = None) -> None:
        import time

        self.db_path = Path(db_path)
        self.author = author
        self.origin = f"{author}-{uuid.uuid4().hex[:12]}"
        self._time = clock_time or time.time
        self._conn: sqlite3.Connection | None = db.connect(self.db_path, durability)

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise AgentError(f"store {str(self.db_path)!r} is closed")
        return self._conn

    def _txn(self, fn: Any) -> Any:
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise AgentError(f"store {str(self.db_path)!r}: cannot start a write: {exc}") from exc
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except RecursionError:
            conn.execute("ROLLBACK")
            raise ChannelMessageError(f"store {str(self.db_path)!r}: the JSON is nested too deeply; "
                                      "nothing was written") from None
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return result

    # --- reads -----------------------------------------------------------------------------------
    def channels(self) -> list[str]:
        """Names of channels that have an aggregate or messages."""
        rows = self.conn.execute(
            "SELECT channel FROM aggregates UNION SELECT DISTINCT channel FROM messages ORDER BY 1")
        return [r[0] for r in rows]

    def get_aggregate(self, channel: str) -> Any:
        """The stored aggregate of ``channel`` (None if none)."""
        validate_channel(channel)
        return db.read_aggregate(self.conn, channel)[0]

    def list_messages(self, channel: str, limit: int = 50) -> list[Message]:
        """The newest ``limit`` messages, oldest first."""
        validate_channel(channel)
        return [Message(channel, mid, data, ts, author)
                for mid, data, ts, author in db.list_messages(self.conn, channel, limit)]

    def get_message(self, channel: str, message_id: str) -> Message | None:
        validate_channel(channel)
        row = db.get_message(self.conn, channel, message_id)
        return None if row is None else Message(channel, message_id, row[0], row[1], row[2])

    # --- writes ----------------------------------------------------------------------------------
    def post_message(self, channel: str, data: Any) -> str:
        """Append a message (``data`` is a Python value); return its id.

        A message that breaks a well-known channel's shape (``ui_cmds``, ``notifications``...)
        is refused with a ChannelMessageError and nothing is written."""
        validate_channel(channel)
        _checked(channel, lambda: validate_json(channel, data, check_keys=False))
        check_message(channel, data)
        data = copy_json(data)
        message_id = new_message_id()
        ts = self._time()
        self._txn(lambda c: db.op_create_message(c, channel, message_id, data, author=self.author,
                                                 origin=self.origin, ts=ts))
        return message_id

    def post_message_json(self, channel: str, text: str) -> str:
        """Like :meth:`post_message` with JSON text (e.g. a CLI argument); bad JSON names the channel."""
        validate_channel(channel)
        return self.post_message(channel, _checked(channel, lambda: parse_json_text(channel, text, what="message")))

    def update_message(self, channel: str, message_id: str, patch: Any, *, replace: bool = False) -> Any:
        """Merge-patch (or replace) a message's data; return the new data."""
        validate_channel(channel)
        _checked(channel, lambda: validate_json(channel, patch, check_keys=False))
        check_message_patch(channel, patch, replace=replace)
        ts = self._time()
        new, _seq = self._txn(lambda c: db.op_update_message(
            c, channel, message_id, copy_json(patch), replace=replace, author=self.author,
            origin=self.origin, ts=ts))
        return new

    def update_aggregate(self, channel: str, patch: Any, *, replace: bool = False) -> Any:
        """Deep merge-patch (``None`` deletes) or replace the aggregate; return the new state.

        A result that breaks a well-known channel's shape (``tag_values 5``) is refused with a
        ChannelMessageError naming the channel, app and key; the stored aggregate is unchanged."""
        _checked(channel, lambda: validate_aggregate_patch(channel, patch))
        ts = self._time()
        new, _seq = self._txn(lambda c: db.op_update_aggregate(
            c, channel, copy_json(patch), replace=replace, author=self.author, origin=self.origin, ts=ts))
        return new

    def update_aggregate_json(self, channel: str, text: str, *, replace: bool = False) -> Any:
        """Like :meth:`update_aggregate` with JSON text."""
        validate_channel(channel)
        patch = _checked(channel, lambda: parse_json_text(channel, text, what="aggregate patch"))
        return self.update_aggregate(channel, patch, replace=replace)

    def send_oneshot(self, channel: str, data: Any) -> None:
        """A one-shot for running apps' listeners (never stored as a message)."""
        validate_channel(channel)
        _checked(channel, lambda: validate_json(channel, data, check_keys=False))
        check_message(channel, data)
        ts = self._time()
        self._txn(lambda c: db.op_oneshot(c, channel, copy_json(data), author=self.author,
                                          origin=self.origin, ts=ts))


def _checked(channel: str, step: Callable[[], _T]) -> _T:
    """Run a parse/validate step; JSON nested too deeply for Python is an error naming the channel."""
    try:
        return step()
    except RecursionError:
        raise ChannelMessageError(f"channel {channel!r}: the JSON is nested too deeply; nothing was written") from None


def open_store(data_dir: str | Path | None = None, *, author: str = "cli") -> LocalStore:
    """Open ``<data_dir>/agent.sqlite3`` (``data_dir`` defaults to :func:`default_data_dir`)."""
    base = Path(data_dir) if data_dir is not None else default_data_dir()
    return LocalStore(base / DB_FILENAME, author=author)
