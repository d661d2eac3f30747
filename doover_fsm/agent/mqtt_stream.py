"""The MQTT agent's message streams: what makes "nothing lost, nothing twice, in order" hold end to end.

A broker's QoS 1 only covers one hop, and a broker killed with SIGKILL forgets whatever it had
acknowledged but not yet delivered (or saved). So every message operation an agent publishes
carries its place in the agent's own **stream**: ``"stream": [epoch, seq]``, where ``seq``
counts 1, 2, 3… without gaps (assigned in the same SQLite transaction as the message, so a
rolled-back write leaves no hole) and ``epoch`` names the store it was counted in (a wiped store
starts a new epoch). The sender keeps the newest :data:`KEEP_SENT` operations in a replay log.

A receiver keeps, per sender, the last ``seq`` it delivered (its **high-water mark**), in its
own store and in the same transaction as the message, so it survives a restart of the receiving
app too. An operation at or below the mark is a duplicate (a redelivery): dropped. One just above
it is delivered. One further on means something was lost: it is dropped too and the receiver asks
the sender (``{base}/replay/{sender}``) to re-send from the mark on; the sender answers with a
header on its head topic (``from``: where the re-sent run starts) and then re-publishes from its
log, in order, so the receiver delivers everything in the sender's order. A lost tail (no later
message to show the gap) is found from the sender's retained **head** (``{base}/head/{id}``:
epoch, last seq, oldest seq still in its log), which it publishes on every connect and shortly
after each burst of messages.

A receiver that meets a sender for the first time starts at mark 0 and asks for the operations
created since it *joined* (the time its store first went online): so a receiver that was already
listening when a broker crash swallowed a new sender's first messages still gets them, while a
newly installed app is not flooded with history. The sender skips older ones and says where the
re-sent run starts; the receiver moves its mark there.

Memory is bounded: one small record per sender; the replay log is pruned to ``KEEP_SENT`` rows
on disk; one replay is at most ``REPLAY_BATCH`` messages (the receiver asks again for more).

Thread-safety: none; everything here runs on the agent's single SQLite writer thread.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["InStreams", "OutStream", "StreamHead", "ensure_schema", "load_or_create"]

#: Operations kept for replay; a receiver further behind than this loses the oldest (logged).
KEEP_SENT = 10_000
#: Most operations re-sent for one replay request.
REPLAY_BATCH = 2_000
#: A receiver asks again if a replay has not closed its gap within this many seconds, doubling the
#: wait up to REPLAY_MAX_BACKOFF_SECS while nothing comes (a sender that is gone costs one tiny
#: QoS 0 request per half minute); any progress starts again at REPLAY_RETRY_SECS.
REPLAY_RETRY_SECS = 1.0
REPLAY_MAX_BACKOFF_SECS = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mqtt_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mqtt_sent(
    seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS mqtt_recv(origin TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL);
"""


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the stream tables (idempotent; they live next to the agent store's own tables)."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def load_or_create(conn: sqlite3.Connection, key: str, make: str) -> str:
    """The stored value of ``key`` in ``mqtt_meta``, storing ``make`` first if there is none."""
    conn.execute("INSERT OR IGNORE INTO mqtt_meta(key, value) VALUES(?, ?)", (key, make))
    return str(conn.execute("SELECT value FROM mqtt_meta WHERE key=?", (key,)).fetchone()[0])


@dataclass(frozen=True, slots=True)
class StreamHead:
    """A sender's position: its epoch, the last seq it assigned, the oldest seq still in its log."""

    epoch: str
    seq: int
    floor: int

    def to_wire(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "seq": self.seq, "floor": self.floor}

    @classmethod
    def from_wire(cls, payload: Any) -> StreamHead:
        """Parse a head payload; ValueError if it is not one."""
        if not isinstance(payload, dict):
            raise ValueError("a stream head must be a JSON object")
        epoch, seq, floor = payload.get("epoch"), payload.get("seq"), payload.get("floor")
        if not isinstance(epoch, str) or type(seq) is not int or type(floor) is not int or seq < 0 or floor < 1:
            raise ValueError(f"malformed stream head {payload!r}")
        return cls(epoch, seq, floor)


class OutStream:
    """The sending side: sequence numbers and the replay log of one agent's store."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        ensure_schema(conn)
        self.epoch = load_or_create(conn, "epoch", uuid.uuid4().hex[:16])
        load_or_create(conn, "seq", "0")
        self._since_prune = 0

    def assign(self, conn: sqlite3.Connection, topic: str, op: dict[str, Any], ts: float,
               encode: Callable[[Any], bytes]) -> tuple[int, bytes]:
        """Number ``op`` (inside the caller's transaction), log it for replay; (seq, encoded payload)."""
        seq = int(conn.execute("UPDATE mqtt_meta SET value = CAST(value AS INTEGER) + 1 WHERE key='seq' "
                               "RETURNING value").fetchone()[0])
        payload = encode({**op, "stream": [self.epoch, seq]})
        conn.execute("INSERT INTO mqtt_sent(seq, topic, payload, ts) VALUES(?,?,?,?)", (seq, topic, payload, ts))
        self._since_prune += 1
        if self._since_prune >= 500:
            self._since_prune = 0
            conn.execute("DELETE FROM mqtt_sent WHERE seq <= ?", (seq - KEEP_SENT,))
        return seq, payload

    def head(self, conn: sqlite3.Connection) -> StreamHead:
        floor = conn.execute("SELECT MIN(seq) FROM mqtt_sent").fetchone()[0]
        seq = int(conn.execute("SELECT value FROM mqtt_meta WHERE key='seq'").fetchone()[0])
        return StreamHead(self.epoch, seq, int(floor) if floor is not None else seq + 1)

    def replay(self, conn: sqlite3.Connection, start: int, since: float) -> tuple[int, int, list[tuple[str, bytes]]]:
        """Re-send from ``start``, skipping operations logged before ``since``.

        Returns (first seq of the run, how many of [start, first) were pruned from the log: lost,
        the (topic, payload) rows, oldest first, at most a batch).
        """
        head = self.head(conn)
        row = conn.execute("SELECT MIN(seq) FROM mqtt_sent WHERE seq >= ? AND ts >= ?", (start, since)).fetchone()
        first = int(row[0]) if row[0] is not None else head.seq + 1
        lost = max(0, min(first, head.floor) - start)
        rows = conn.execute("SELECT topic, payload FROM mqtt_sent WHERE seq >= ? ORDER BY seq LIMIT ?",
                            (first, REPLAY_BATCH)).fetchall()
        return first, lost, [(str(t), bytes(p)) for t, p in rows]


@dataclass(slots=True)
class _Peer:
    epoch: str
    mark: int  # last seq delivered (or skipped as older than our join)
    want: int = 0  # highest seq known to exist (from a later message or a head)
    next_ask: float = float("-inf")  # monotonic time before which no new replay request is sent
    backoff: float = REPLAY_RETRY_SECS


Verdict = Literal["deliver", "duplicate", "gap"]


@dataclass(slots=True)
class InStreams:
    """The receiving side: per sender, the high-water mark, persisted with the delivered message."""

    joined: float = 0.0
    peers: dict[str, _Peer] = field(default_factory=dict)
    duplicates: int = 0
    gaps: int = 0
    lost: int = 0

    def load(self, conn: sqlite3.Connection, now: float) -> None:
        """Read the marks; ``now`` becomes the join time if this store never joined before."""
        ensure_schema(conn)
        self.joined = float(load_or_create(conn, "joined", repr(now)))
        for origin, epoch, seq in conn.execute("SELECT origin, epoch, seq FROM mqtt_recv"):
            self.peers[str(origin)] = _Peer(str(epoch), int(seq))

    def _peer(self, origin: str, epoch: str) -> _Peer:
        peer = self.peers.get(origin)
        if peer is None or peer.epoch != epoch:  # first meeting, or the sender's store was replaced
            peer = self.peers[origin] = _Peer(epoch, 0)
        return peer

    def judge(self, origin: str, epoch: str, seq: int) -> Verdict:
        """What to do with operation ``seq`` of ``origin``'s stream ``epoch`` (before delivering it)."""
        peer = self._peer(origin, epoch)
        if seq <= peer.mark:
            self.duplicates += 1
            return "duplicate"
        if seq > peer.mark + 1:
            self.gaps += 1
            peer.want = max(peer.want, seq)
            return "gap"
        return "deliver"

    def advance(self, conn: sqlite3.Connection, origin: str, seq: int) -> None:
        """Move ``origin``'s mark to ``seq`` (never back), in the transaction that stored the message."""
        peer = self.peers[origin]
        if seq > peer.mark:
            peer.mark = seq
            peer.backoff = REPLAY_RETRY_SECS
            conn.execute("INSERT INTO mqtt_recv(origin, epoch, seq) VALUES(?,?,?) ON CONFLICT(origin) DO UPDATE "
                         "SET epoch=excluded.epoch, seq=excluded.seq", (origin, peer.epoch, seq))

    def on_head(self, origin: str, head: StreamHead) -> None:
        """Take in ``origin``'s head: behind it means a replay is due."""
        peer = self._peer(origin, head.epoch)
        peer.want = max(peer.want, head.seq)

    def on_replay_start(self, conn: sqlite3.Connection, origin: str, epoch: str, first: int, lost: int) -> None:
        """The sender re-sends from ``first``: everything before it is old (before we joined) or ``lost``."""
        self._peer(origin, epoch)
        self.lost += lost
        self.advance(conn, origin, first - 1)

    def to_request(self, now: float, origin: str) -> int | None:
        """The seq to ask ``origin`` to re-send from, if it is behind and no request is fresh; else None."""
        peer = self.peers.get(origin)
        if peer is None or peer.want <= peer.mark or now < peer.next_ask:
            return None
        peer.next_ask = now + peer.backoff
        peer.backoff = min(peer.backoff * 2, REPLAY_MAX_BACKOFF_SECS)
        return peer.mark + 1

    def retry_in(self, now: float, origin: str) -> float:
        """Seconds until a request to ``origin`` may be sent again."""
        peer = self.peers.get(origin)
        return 0.0 if peer is None else max(0.0, peer.next_ask - now)

    def ask_now(self, origin: str) -> None:
        """Forget the wait (a request sent while offline went nowhere)."""
        peer = self.peers.get(origin)
        if peer is not None:
            peer.next_ask = float("-inf")

    def behind(self) -> list[str]:
        """Senders whose stream has a known gap."""
        return [o for o, p in self.peers.items() if p.want > p.mark]
