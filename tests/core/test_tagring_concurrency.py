"""The C ring under a real producer thread while the scan thread drains (real C core, no mocks).

Every record carries its sequence number in three fields (id, timestamp, value), so a torn
record is detectable; every accepted record must arrive exactly once and in order.
"""

from __future__ import annotations

import threading

from doover_fsm._core import tagring as c
from doover_fsm.tags.store import TagStore

N = 200_000


def _produce(ring: c.TagRing, n: int, accepted: list[int], dropped: list[int]) -> None:
    for k in range(n):
        if ring.post_i64(k % 16, c.INT, 0, 3 * k, k):
            accepted.append(k)
        else:
            dropped.append(k)


def test_pop_under_concurrent_producer_loses_and_tears_nothing() -> None:
    ring = c.TagRing(1024)
    accepted: list[int] = []
    dropped: list[int] = []
    got: list[int] = []
    th = threading.Thread(target=_produce, args=(ring, N, accepted, dropped))
    th.start()
    while True:
        rec = ring.pop()
        if rec is None:
            if not th.is_alive() and ring.statistics().depth == 0:
                break
            continue
        assert rec.id == rec.value % 16 and rec.ts_ns == 3 * rec.value and rec.type == c.INT
        got.append(int(rec.value))
    th.join()
    s = ring.statistics()
    assert len(accepted) + len(dropped) == N
    assert got == accepted  # exactly the accepted ones, in order, once each
    assert (s.posted, s.dropped, s.consumed, s.depth) == (len(accepted), len(dropped), len(got), 0)
    assert 0 < s.peak <= 1024


def test_drain_into_table_under_concurrent_producer() -> None:
    ring = c.TagRing(256)
    table = c.TagTable(16, 16)
    accepted: list[int] = []
    dropped: list[int] = []
    th = threading.Thread(target=_produce, args=(ring, N, accepted, dropped))
    th.start()
    consumed = 0
    while th.is_alive():
        n, held = ring.drain_into(table, 10_000)
        assert held is None
        consumed += n
    th.join()
    consumed += ring.drain_into(table, 10_000)[0]
    assert consumed == len(accepted) and len(accepted) + len(dropped) == N
    assert ring.statistics().dropped == len(dropped)
    last = {}
    for k in accepted:
        last[k % 16] = k
    for tag_id, k in last.items():
        assert table.get(tag_id) == (c.INT, k)  # the newest accepted value of each tag


def test_store_post_from_thread_counts_every_value() -> None:
    store = TagStore(capacity=64, ring_capacity=512)
    n = 50_000
    results: list[bool] = []

    def producer() -> None:
        for k in range(n):
            value = f"s{k}" if k % 5 == 0 else k  # strings travel through the side table
            results.append(store.post_from_thread("io", f"t{k % 8}", value))

    th = threading.Thread(target=producer)
    th.start()
    patches = []
    while th.is_alive():
        patches.append(store.commit().patch)
    th.join()
    patches.append(store.commit().patch)
    s = store.statistics()
    ok = sum(results)
    assert ok + results.count(False) == n
    assert (s.ring_posted, s.ring_drops, s.ring_depth) == (ok, n - ok, 0)
    final = store.snapshot()["io"]
    last: dict[str, object] = {}
    for k, accepted in enumerate(results):
        if accepted:
            last[f"t{k % 8}"] = f"s{k}" if k % 5 == 0 else k
    assert final == last
