"""The SQLite store shared by the local agent, the MQTT agent and the CLI helper.

Schema (``PRAGMA user_version`` = 1)::

    aggregates(channel PK, data JSON, ts, author, seq, crdt JSON NULL)   -- current state
    messages(pos PK AUTOINCREMENT, channel, id UNIQUE, data JSON, ts, author, updated_ts)
    changes(seq PK AUTOINCREMENT, channel, kind, message_id, data, patch, author, origin, ts, extra)
    outbox(pos PK AUTOINCREMENT, topic, payload, qos, retain, ts)        -- MQTT agent only

``changes`` is a short change log (pruned to the newest rows / minutes) that lets a running
app pick up writes made by another process (the CLI) with one cheap ``PRAGMA data_version``
per scan. ``origin`` is the writing agent instance, so an agent skips its own rows.

Durability: WAL journal. ``synchronous=NORMAL`` (default, ``durability="process"``) makes
every committed transaction survive a crash or ``kill -9`` of the process (the WAL is in the
OS page cache); ``durability="power"`` uses ``synchronous=FULL`` (fsync per commit) so commits
also survive power loss, at the cost of one fsync per commit (slow on SD cards).

Thread-safety: :class:`SqliteWriter` is thread-safe (``submit`` from any thread; one writer
thread owns its connection and runs jobs in submission order). The ``op_*`` functions run on
the connection given to them and are not thread-safe themselves.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from doover_fsm.agent.merge import dumps, loads, merge_patch
from doover_fsm.agent.wellknown import check_aggregate_write
from doover_fsm.errors import AgentError, ChannelMessageError

log = logging.getLogger(__name__)

Durability = Literal["process", "power"]
DB_FILENAME = "agent.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
#: The change log keeps at least this many rows and everything newer than KEEP_CHANGES_SECS.
KEEP_CHANGES_ROWS = 10_000
KEEP_CHANGES_SECS = 600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS aggregates(
    channel TEXT PRIMARY KEY, data TEXT NOT NULL, ts REAL NOT NULL, author TEXT,
    seq INTEGER NOT NULL DEFAULT 0, crdt TEXT);
CREATE TABLE IF NOT EXISTS messages(
    pos INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL, ts REAL NOT NULL, author TEXT, updated_ts REAL);
CREATE INDEX IF NOT EXISTS messages_by_channel ON messages(channel, pos);
CREATE TABLE IF NOT EXISTS changes(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, kind TEXT NOT NULL,
    message_id TEXT, data TEXT, patch TEXT, author TEXT, origin TEXT, ts REAL NOT NULL, extra TEXT);
CREATE TABLE IF NOT EXISTS outbox(
    pos INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL,
    qos INTEGER NOT NULL, retain INTEGER NOT NULL, ts REAL NOT NULL);
"""


def default_data_dir() -> Path:
    """``$DOOVER_FSM_DATA_DIR``, else ``$XDG_DATA_HOME/doover_fsm``, else ``~/.local/share/doover_fsm``."""
    env = os.environ.get("DOOVER_FSM_DATA_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "doover_fsm"
    return Path.home() / ".local" / "share" / "doover_fsm"


def connect(path: str | Path, durability: Durability = "process") -> sqlite3.Connection:
    """Open (creating if needed) the store at ``path`` in autocommit mode with WAL and the schema."""
    if durability not in ("process", "power"):
        raise ValueError(f"durability must be 'process' or 'power', got {durability!r}")
    path = Path(path)
    conn: sqlite3.Connection | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=" + ("FULL" if durability == "power" else "NORMAL"))
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    except (sqlite3.Error, OSError) as exc:
        if conn is not None:
            conn.close()
        raise AgentError(f"cannot open agent store {str(path)!r}: {exc}") from exc
    return conn


# --- operations (run inside a transaction owned by the caller) ----------------------------------
@dataclass(frozen=True, slots=True)
class Change:
    """One row of the change log."""

    seq: int
    channel: str
    kind: str
    message_id: str | None
    data: Any
    patch: Any
    author: str | None
    origin: str | None
    ts: float
    extra: dict[str, Any]


def _log_change(conn: sqlite3.Connection, channel: str, kind: str, *, message_id: str | None = None,
                data: Any = None, patch: Any = None, author: str | None, origin: str | None,
                ts: float, extra: dict[str, Any] | None = None) -> int:
    cur = conn.execute(
        "INSERT INTO changes(channel, kind, message_id, data, patch, author, origin, ts, extra) "
        "VALUES(?,?,?,?,?,?,?,?,?)",
        (channel, kind, message_id, dumps(data), dumps(patch), author, origin, ts,
         dumps(extra) if extra else None),
    )
    return int(cur.lastrowid or 0)


def read_aggregate(conn: sqlite3.Connection, channel: str) -> tuple[Any, int, str | None]:
    """(data, seq, crdt-json) of ``channel``; data None if there is no aggregate."""
    row = conn.execute("SELECT data, seq, crdt FROM aggregates WHERE channel=?", (channel,)).fetchone()
    if row is None:
        return None, 0, None
    return loads(row[0]), int(row[1]), row[2]


def write_aggregate(conn: sqlite3.Connection, channel: str, data: Any, *, patch: Any, author: str | None,
                    origin: str | None, ts: float, crdt: str | None = None,
                    extra: dict[str, Any] | None = None) -> int:
    """Store ``data`` as the aggregate of ``channel`` (None deletes) and log the change; return seq."""
    seq = _log_change(conn, channel, "aggregate", data=data, patch=patch, author=author, origin=origin,
                      ts=ts, extra=extra)
    if data is None and crdt is None:
        conn.execute("DELETE FROM aggregates WHERE channel=?", (channel,))
    else:
        conn.execute(
            "INSERT INTO aggregates(channel, data, ts, author, seq, crdt) VALUES(?,?,?,?,?,?) "
            "ON CONFLICT(channel) DO UPDATE SET data=excluded.data, ts=excluded.ts, "
            "author=excluded.author, seq=excluded.seq, crdt=excluded.crdt",
            (channel, dumps(data), ts, author, seq, crdt),
        )
    return seq


def op_update_aggregate(conn: sqlite3.Connection, channel: str, patch: Any, *, replace: bool,
                        author: str | None, origin: str | None, ts: float) -> tuple[Any, int]:
    """Merge ``patch`` into the aggregate *as stored* (so concurrent processes never lose keys).

    A result that breaks a well-known channel's shape is refused here, inside the transaction,
    so every writer (apps, the CLI, other processes) is checked against the stored state."""
    current, _seq, _crdt = read_aggregate(conn, channel)
    new = merge_patch(None if replace else current, patch)
    check_aggregate_write(channel, current, patch, new, replace=replace)
    seq = write_aggregate(conn, channel, new, patch=patch, author=author, origin=origin, ts=ts,
                          extra={"replace": True} if replace else None)
    return new, seq


def op_create_message(conn: sqlite3.Connection, channel: str, message_id: str, data: Any, *,
                      author: str | None, origin: str | None, ts: float, log_change: bool = True) -> int:
    """Insert a message; returns the change seq (0 if the id already existed: duplicates ignored)."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO messages(channel, id, data, ts, author) VALUES(?,?,?,?,?)",
        (channel, message_id, dumps(data), ts, author),
    )
    if cur.rowcount == 0:
        return 0
    if not log_change:
        return -1
    return _log_change(conn, channel, "message_create", message_id=message_id, data=data, author=author,
                       origin=origin, ts=ts)


def op_update_message(conn: sqlite3.Connection, channel: str, message_id: str, patch: Any, *,
                      replace: bool, author: str | None, origin: str | None, ts: float,
                      log_change: bool = True) -> tuple[Any, int]:
    """Merge-patch (or replace) a stored message's data; unknown ids are a ChannelMessageError."""
    row = conn.execute("SELECT data FROM messages WHERE id=? AND channel=?", (message_id, channel)).fetchone()
    if row is None:
        raise ChannelMessageError(f"channel {channel!r}: no message with id {message_id!r} to update")
    new = merge_patch(None if replace else loads(row[0]), patch)
    conn.execute("UPDATE messages SET data=?, updated_ts=? WHERE id=?", (dumps(new), ts, message_id))
    if not log_change:
        return new, -1
    seq = _log_change(conn, channel, "message_update", message_id=message_id, data=new, patch=patch,
                      author=author, origin=origin, ts=ts, extra={"replace": True} if replace else None)
    return new, seq


def op_oneshot(conn: sqlite3.Connection, channel: str, data: Any, *, author: str | None,
               origin: str | None, ts: float) -> int:
    """Log a one-shot for other processes' listeners (never stored as a message)."""
    return _log_change(conn, channel, "oneshot", data=data, author=author, origin=origin, ts=ts)


def get_message(conn: sqlite3.Connection, channel: str,
                message_id: str) -> tuple[Any, float, str | None] | None:
    row = conn.execute("SELECT data, ts, author FROM messages WHERE id=? AND channel=?",
                       (message_id, channel)).fetchone()
    return None if row is None else (loads(row[0]), float(row[1]), row[2])


def list_messages(conn: sqlite3.Connection, channel: str,
                  limit: int) -> list[tuple[str, Any, float, str | None]]:
    """The newest ``limit`` messages of ``channel``, oldest first: (id, data, ts, author)."""
    rows = conn.execute(
        "SELECT id, data, ts, author FROM messages WHERE channel=? ORDER BY pos DESC LIMIT ?",
        (channel, max(0, int(limit))),
    ).fetchall()
    return [(r[0], loads(r[1]), float(r[2]), r[3]) for r in reversed(rows)]


def max_change_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0])


def read_changes(conn: sqlite3.Connection, after: int, limit: int = 1000) -> list[Change]:
    rows = conn.execute(
        "SELECT seq, channel, kind, message_id, data, patch, author, origin, ts, extra FROM changes "
        "WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)).fetchall()
    return [Change(int(r[0]), r[1], r[2], r[3], loads(r[4]) if r[4] is not None else None,
                   loads(r[5]) if r[5] is not None else None, r[6], r[7], float(r[8]),
                   loads(r[9]) if r[9] else {}) for r in rows]


def prune_changes(conn: sqlite3.Connection, now: float, keep_rows: int = KEEP_CHANGES_ROWS,
                  keep_secs: float = KEEP_CHANGES_SECS) -> int:
    """Drop change-log rows that are both old and beyond the newest ``keep_rows``."""
    cur = conn.execute("DELETE FROM changes WHERE seq <= (SELECT MAX(seq) FROM changes) - ? AND ts < ?",
                       (keep_rows, now - keep_secs))
    return cur.rowcount


# --- the single writer thread --------------------------------------------------------------------
Job = Callable[[sqlite3.Connection], Any]
OnCommit = Callable[[Any], object]  # its return value is ignored


class _Item:
    __slots__ = ("fn", "future", "on_commit", "result")

    def __init__(self, fn: Job, on_commit: OnCommit | None) -> None:
        self.fn = fn
        self.on_commit = on_commit
        self.future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.result: Any = None


class SqliteWriter:
    """One thread that owns the write connection and runs jobs in submission order.

    Queued jobs are group-committed: one ``BEGIN IMMEDIATE`` … ``COMMIT`` for up to ``batch``
    jobs, each in its own SAVEPOINT so one failing job (bad input) never affects the others.
    A job's ``on_commit`` callback runs in the writer thread after the COMMIT and before its
    future resolves, so when a caller's await returns the caller's cache and listeners have
    already seen the committed result. Thread-safe.
    """

    def __init__(self, path: str | Path, durability: Durability = "process", *, batch: int = 256,
                 name: str = "doover-fsm-sqlite") -> None:
        self._path = Path(path)
        self._durability: Durability = durability
        self._batch = batch
        self._q: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._name = name
        self._closed = False
        self._lock = threading.Lock()
        self.commits = 0
        self.errors = 0

    def start(self) -> None:
        """Open the connection (in the caller, so open errors raise here) and start the thread."""
        with self._lock:
            if self._thread is not None:
                return
            conn = connect(self._path, self._durability)
            self._thread = threading.Thread(target=self._run, args=(conn,), name=self._name, daemon=True)
            self._thread.start()

    def submit(self, fn: Job, on_commit: OnCommit | None = None) -> concurrent.futures.Future[Any]:
        """Queue ``fn(conn)`` to run in a transaction; the future gets its result or exception."""
        item = _Item(fn, on_commit)
        if self._closed or self._thread is None:
            item.future.set_exception(AgentError(f"agent store {str(self._path)!r} is not open"))
            return item.future
        self._q.put(item)
        return item.future

    def close(self, timeout: float | None = 30.0) -> None:
        """Run everything queued so far, then stop the thread and close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._q.put(None)
            thread.join(timeout)

    def _run(self, conn: sqlite3.Connection) -> None:
        stop = False
        while not stop:
            first = self._q.get()
            if first is None:
                break
            items = [first]
            while len(items) < self._batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                items.append(nxt)
            self._run_batch(conn, items)
        conn.close()

    def _run_batch(self, conn: sqlite3.Connection, items: list[_Item]) -> None:
        ok: list[_Item] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._fail_all(items, exc)
            return
        try:
            for it in items:
                conn.execute("SAVEPOINT job")
                try:
                    it.result = it.fn(conn)
                except BaseException as exc:  # bad input or a failing statement: this job only
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    it.future.set_exception(exc if isinstance(exc, Exception) else AgentError(repr(exc)))
                    continue
                conn.execute("RELEASE job")
                ok.append(it)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            self._fail_all(ok, exc)
            return
        self.commits += 1
        for it in ok:
            if it.on_commit is not None:
                try:
                    it.on_commit(it.result)
                except Exception:  # a cache/listener bug must not kill the writer
                    self.errors += 1
                    log.exception("agent store: on_commit callback failed")
            it.future.set_result(it.result)

    def _fail_all(self, items: list[_Item], exc: BaseException) -> None:
        self.errors += 1
        err = AgentError(f"agent store {str(self._path)!r}: write failed: {exc}")
        err.__cause__ = exc
        for it in items:
            if not it.future.done():
                it.future.set_exception(err)
