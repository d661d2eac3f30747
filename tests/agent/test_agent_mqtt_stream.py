"""The message streams alone (no broker): numbering, replay log, receiver marks, and a lossy network.

The last test drives a sender and a receiver through a simulated broker that drops, duplicates
and crashes (losing everything queued) at random, with the replay protocol the agent uses: the
receiver must deliver every operation exactly once, in the sender's order.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doover_fsm.agent import _sqlite as db
from doover_fsm.agent.mqtt_stream import KEEP_SENT, InStreams, OutStream, StreamHead


def _encode(v: object) -> bytes:
    return json.dumps(v).encode()


def _conn(path: Path) -> sqlite3.Connection:
    return db.connect(path)


def _send(out: OutStream, conn: sqlite3.Connection, i: int, ts: float = 100.0) -> tuple[int, bytes]:
    conn.execute("BEGIN")
    r = out.assign(conn, "t/dev/ch/events/msg", {"op": "create", "id": f"m{i}", "data": {"i": i}}, ts, _encode)
    conn.execute("COMMIT")
    return r


def test_sequence_is_gap_free_even_when_a_write_rolls_back(tmp_path: Path) -> None:
    conn = _conn(tmp_path / "a.sqlite3")
    out = OutStream(conn)
    assert [_send(out, conn, i)[0] for i in range(3)] == [1, 2, 3]
    conn.execute("BEGIN")
    out.assign(conn, "t", {"op": "create"}, 1.0, _encode)
    conn.execute("ROLLBACK")  # the write failed: its number is not used
    seq, payload = _send(out, conn, 3)
    assert seq == 4 and json.loads(payload)["stream"] == [out.epoch, 4]
    epoch = out.epoch
    conn.close()
    again = _conn(tmp_path / "a.sqlite3")
    out2 = OutStream(again)  # a restart keeps the epoch and goes on counting
    assert out2.epoch == epoch and _send(out2, again, 4)[0] == 5
    assert OutStream(_conn(tmp_path / "wiped.sqlite3")).epoch != epoch  # a new store: a new epoch


def test_replay_skips_what_is_older_than_the_receiver_and_reports_pruned_as_lost(tmp_path: Path) -> None:
    conn = _conn(tmp_path / "a.sqlite3")
    out = OutStream(conn)
    for i in range(10):
        _send(out, conn, i, ts=100.0 + i)
    first, lost, rows = out.replay(conn, 1, since=105.0)
    assert (first, lost) == (6, 0) and [json.loads(p)["stream"][1] for _t, p in rows] == [6, 7, 8, 9, 10]
    first, lost, rows = out.replay(conn, 4, since=0.0)
    assert (first, lost, len(rows)) == (4, 0, 7)
    assert out.replay(conn, 1, since=1e9)[:2] == (11, 0)  # nothing new: start after the head
    conn.execute("DELETE FROM mqtt_sent WHERE seq <= 3")  # pruned as the log does past KEEP_SENT
    assert out.head(conn) == StreamHead(out.epoch, 10, 4)
    first, lost, _rows = out.replay(conn, 2, since=0.0)
    assert (first, lost) == (4, 2)


def test_log_is_pruned_to_its_bound(tmp_path: Path) -> None:
    conn = _conn(tmp_path / "a.sqlite3")
    out = OutStream(conn)
    conn.execute("BEGIN")
    for i in range(KEEP_SENT + 600):
        out.assign(conn, "t", {"i": i}, 1.0, _encode)
    conn.execute("COMMIT")
    count = conn.execute("SELECT COUNT(*) FROM mqtt_sent").fetchone()[0]
    assert KEEP_SENT <= count < KEEP_SENT + 500


def test_receiver_marks_drop_duplicates_find_gaps_and_survive_a_restart(tmp_path: Path) -> None:
    conn = _conn(tmp_path / "b.sqlite3")
    rx = InStreams()
    rx.load(conn, now=50.0)
    assert rx.joined == 50.0
    assert rx.judge("a", "e1", 1) == "deliver"
    rx.advance(conn, "a", 1)
    assert rx.judge("a", "e1", 1) == "duplicate"
    assert rx.judge("a", "e1", 3) == "gap" and rx.behind() == ["a"]
    assert rx.to_request(10.0, "a") == 2
    assert rx.to_request(10.5, "a") is None  # one request per retry period
    assert rx.to_request(11.1, "a") == 2
    # Nothing comes back (the sender is gone): the waits double, up to half a minute.
    assert rx.retry_in(11.1, "a") == 2.0 and rx.to_request(12.0, "a") is None
    t = 13.1
    for _ in range(8):
        assert rx.to_request(t, "a") == 2
        t += rx.retry_in(t, "a")
    assert rx.retry_in(t, "a") == 0.0 and rx.to_request(t, "a") == 2 and rx.retry_in(t, "a") == 30.0
    rx.ask_now("a")  # back online: ask at once
    assert rx.to_request(t, "a") == 2
    rx.advance(conn, "a", 2)
    rx.advance(conn, "a", 1)  # never back
    conn.close()
    again = InStreams()
    again.load(_conn(tmp_path / "b.sqlite3"), now=99.0)
    assert again.joined == 50.0  # joined once, for good
    assert again.judge("a", "e1", 2) == "duplicate" and again.judge("a", "e1", 3) == "deliver"
    assert again.judge("a", "e2", 1) == "deliver"  # the sender's store was replaced: a new stream


def test_head_and_replay_header(tmp_path: Path) -> None:
    conn = _conn(tmp_path / "b.sqlite3")
    rx = InStreams()
    rx.load(conn, now=0.0)
    rx.on_head("a", StreamHead("e1", 30, 1))  # first meeting: behind by 30 until the sender says otherwise
    assert rx.to_request(5.0, "a") == 1
    rx.on_replay_start(conn, "a", "e1", 21, 0)  # 1..20 are older than we are
    assert rx.judge("a", "e1", 20) == "duplicate" and rx.judge("a", "e1", 21) == "deliver"
    rx.on_replay_start(conn, "a", "e1", 5, 0)  # a stale header never moves the mark back
    assert rx.judge("a", "e1", 21) == "deliver"
    rx.on_replay_start(conn, "a", "e1", 40, 19)
    assert rx.lost == 19 and rx.judge("a", "e1", 40) == "deliver"
    with pytest.raises(ValueError, match="malformed"):
        StreamHead.from_wire({"epoch": "e", "seq": -1, "floor": 1})


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 120))
def test_lossy_broker_every_operation_once_in_order(tmp_path_factory: pytest.TempPathFactory, seed: int,
                                                   n: int) -> None:
    rng = random.Random(seed)
    d = tmp_path_factory.mktemp("sim")
    sconn, rconn = _conn(d / "s.sqlite3"), _conn(d / "r.sqlite3")
    out, rx = OutStream(sconn), InStreams()
    rx.load(rconn, now=0.0)
    queue: list[tuple[str, object]] = []  # what the broker holds for the receiver, in order
    got: list[int] = []
    now = 0.0

    def publish(item: tuple[str, object]) -> None:
        if rng.random() < 0.1:
            return  # acknowledged, then lost with a crashed broker
        queue.append(item)
        if rng.random() < 0.05:
            queue.append(item)  # redelivered

    def serve(start: int) -> None:
        first, lost, rows = out.replay(sconn, start, since=rx.joined)
        publish(("header", (first, lost)))
        for _t, p in rows:
            publish(("op", p))

    def receive() -> None:
        nonlocal now
        while queue:
            kind, body = queue.pop(0)
            now += 0.3
            if kind == "op":
                assert isinstance(body, bytes)
                op = json.loads(body)
                epoch, seq = op["stream"]
                verdict = rx.judge("s", epoch, seq)
                if verdict == "deliver":
                    got.append(op["data"]["i"])
                    rx.advance(rconn, "s", seq)
            elif kind == "header":
                first, lost = body  # type: ignore[misc]
                rx.on_replay_start(rconn, "s", out.epoch, first, lost)
            else:
                assert isinstance(body, StreamHead)
                rx.on_head("s", body)
            start = rx.to_request(now, "s")
            if start is not None:
                serve(start)

    for i in range(n):
        _send(out, sconn, i, ts=1.0 + i)
        publish(("op", sconn.execute("SELECT payload FROM mqtt_sent WHERE seq=?", (i + 1,)).fetchone()[0]))
        if rng.random() < 0.3:
            receive()
    for _ in range(200):  # the sender's head on each reconnect / after each burst
        receive()
        if got == list(range(n)):
            break
        publish(("head", out.head(sconn)))
        now += 2.0
    assert got == list(range(n))
    assert rx.lost == 0
