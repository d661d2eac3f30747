"""The C tag table and tag ring through their typed wrapper (real C core, single thread)."""

from __future__ import annotations

import math

import pytest

from doover_fsm._core import tagring as c
from doover_fsm.errors import InternalError


def test_table_change_detection_by_type_and_value() -> None:
    t = c.TagTable(8, 8)
    assert t.get(0) == (c.ABSENT, 0)
    assert t.set_i64(0, c.INT, 0, 1, 42) is True
    assert t.set_i64(0, c.INT, 0, 2, 42) is False
    assert t.set_i64(0, c.INT, c.FORCE, 3, 42) is True
    assert t.set_i64(0, c.BOOL, 0, 4, 1) is True  # 42 -> True is a change of type
    assert t.get(0) == (c.BOOL, 1)
    assert t.set_f64(1, 0, 5, 0.0) is True
    assert t.set_f64(1, 0, 6, -0.0) is True  # compared by bit pattern
    typ, v = t.get(1)
    assert typ == c.DOUBLE and math.copysign(1.0, v) == -1.0
    assert t.set_f64(1, 0, 7, math.nan) is True
    assert t.set_f64(1, 0, 8, math.nan) is False  # the same NaN is not a change
    assert t.set_i64(2, c.REF, 0, 9, 5) is True
    assert t.set_i64(2, c.REF, 0, 9, 5) is True  # REF: the caller compares, C always marks


def test_table_collect_changed_order_and_clearing() -> None:
    t = c.TagTable(8, 8)
    b = c.TagBatch(8)
    for tag_id in (5, 2, 7):
        t.set_i64(tag_id, c.INT, 0, tag_id, tag_id * 10)
    t.set_i64(5, c.INT, 0, 99, 51)  # already pending: keeps its place, newest value
    t.set_i64(3, c.INT, c.QUIET, 0, 1)  # quiet: not collected
    assert t.statistics().pending == 3
    n = t.collect_changed(b)
    ids, types, iv, _ = b.unpack(n)
    assert ids == [5, 2, 7] and iv == [51, 20, 70] and types == [c.INT] * 3
    assert b.unpack_ts(n) == [99, 2, 7]
    assert t.collect_changed(b) == 0
    assert t.statistics().present == 4


def test_table_collect_changed_partial_batch_keeps_the_rest() -> None:
    t = c.TagTable(8, 8)
    small = c.TagBatch(2)
    for tag_id in range(5):
        t.set_i64(tag_id, c.INT, 0, 0, tag_id)
    assert t.collect_changed(small) == 2 and small.unpack(2)[0] == [0, 1]
    assert t.collect_changed(small) == 2 and small.unpack(2)[0] == [2, 3]
    assert t.collect_changed(small) == 1 and small.unpack(1)[0] == [4]


def test_log_ring_keeps_order_and_counts_drops() -> None:
    t = c.TagTable(4, 3)
    b = c.TagBatch(8)
    t.set_i64(0, c.INT, c.LOG, 10, 1)
    t.set_i64(0, c.INT, c.LOG, 11, 1)  # unchanged: not logged
    t.set_f64(1, c.LOG, 12, 2.5)
    t.set_i64(0, c.INT, c.LOG | c.FORCE, 13, 1)
    t.set_i64(2, c.REF, c.LOG, 14, 7)  # log full: dropped
    s = t.statistics()
    assert (s.log_depth, s.log_peak, s.log_drops) == (3, 3, 1)
    n = t.collect_logged(b)
    ids, types, _iv, fv = b.unpack(n)
    assert ids == [0, 1, 0] and b.unpack_ts(n) == [10, 12, 13]
    assert types == [c.INT, c.DOUBLE, c.INT] and fv[1] == 2.5
    assert t.statistics().log_depth == 0


def test_batch_set_is_all_or_nothing_on_bad_input() -> None:
    t = c.TagTable(4, 4)
    b = c.TagBatch(4)
    b.fill([0, 9], [c.INT, c.INT], [1, 2], [0.0, 0.0])
    with pytest.raises(ValueError, match="EINVAL"):
        t.set_batch(b, 0, 1)
    assert t.get(0) == (c.ABSENT, 0)
    b.fill([0, 1, 2], [c.INT, c.DOUBLE, c.BOOL], [1, 0, 5], [0.0, 1.5, 0.0])
    assert t.set_batch(b, 0, 1) == 3
    assert t.get(1) == (c.DOUBLE, 1.5) and t.get(2) == (c.BOOL, 1)
    assert t.set_batch(b, 0, 2) == 0


def test_read_does_not_touch_change_flags() -> None:
    t = c.TagTable(4, 4)
    b = c.TagBatch(4)
    t.set_i64(1, c.INT, 0, 0, 3)
    assert t.read(0, b) == 4
    assert b.unpack(4)[1] == [c.ABSENT, c.INT, c.ABSENT, c.ABSENT]
    assert t.read(3, b) == 1 and t.read(4, b) == 0
    assert t.statistics().pending == 1


def test_bad_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError):
        c.TagTable(0, 1)
    with pytest.raises(ValueError):
        c.TagRing(0)
    t = c.TagTable(2, 2)
    with pytest.raises(ValueError, match="id=2"):
        t.set_i64(2, c.INT, 0, 0, 1)
    with pytest.raises(ValueError):
        t.set_i64(0, c.DOUBLE, 0, 0, 1)
    with pytest.raises(ValueError):
        t.get(5)


def test_ring_overflow_drops_and_counts_never_blocks() -> None:
    r = c.TagRing(3)
    assert r.post_i64(1, c.INT, 0, 1, 10)
    assert r.post_f64(2, c.LOG, 2, 2.5)
    assert r.post_i64(3, c.BOOL, 0, 3, 7)
    assert not r.post_i64(4, c.INT, 0, 4, 11)
    assert not r.post_f64(4, 0, 4, 1.0)
    s = r.statistics()
    assert (s.capacity, s.depth, s.peak, s.posted, s.dropped, s.consumed) == (3, 3, 3, 3, 2, 0)
    assert r.pop() == c.Record(1, c.INT, 0, 1, 10)
    assert r.pop() == c.Record(2, c.DOUBLE, c.LOG, 2, 2.5)
    assert r.pop() == c.Record(3, c.BOOL, 0, 3, 1)
    assert r.pop() is None
    s = r.statistics()
    assert (s.depth, s.peak, s.consumed) == (0, 3, 3)
    with pytest.raises(ValueError):
        r.post_i64(1, c.DOUBLE, 0, 0, 1)


def test_ring_wraps_around() -> None:
    r = c.TagRing(5)
    for k in range(1000):
        assert r.post_i64(k % 7, c.INT, 0, k, k)
        rec = r.pop()
        assert rec is not None and (rec.id, rec.ts_ns, rec.value) == (k % 7, k, k)
    assert r.statistics().peak == 1


def test_drain_applies_in_order_and_holds_back_refs() -> None:
    r = c.TagRing(8)
    t = c.TagTable(8, 8)
    r.post_i64(1, c.INT, 0, 1, 10)
    r.post_i64(1, c.INT, 0, 2, 11)
    r.post_i64(2, c.REF, c.LOG, 3, 77)
    r.post_f64(3, c.LOG, 4, 0.5)
    n, held = r.drain_into(t, 100)
    assert n == 3 and held == c.Record(2, c.REF, c.LOG, 3, 77)
    assert t.get(1) == (c.INT, 11) and t.get(3) == (c.ABSENT, 0)
    n, held = r.drain_into(t, 100)
    assert n == 1 and held is None and t.get(3) == (c.DOUBLE, 0.5)
    assert t.statistics().log_depth == 1  # the drained LOG record went into the log ring
    r.post_i64(1, c.INT, 0, 5, 12)
    r.post_i64(1, c.INT, 0, 6, 13)
    assert r.drain_into(t, 1) == (1, None) and t.get(1) == (c.INT, 12)  # bounded by max


def test_contract_violation_becomes_internal_error() -> None:
    t = c.TagTable(2, 2)
    before = c.contract_violations()
    t.close()
    with pytest.raises(InternalError, match=r"dfsm_tagring #100"):
        t.set_i64(0, c.INT, 0, 0, 1)  # NULL handle: a broken invariant, not bad input
    assert c.contract_violations() == before + 1
    r = c.TagRing(4)
    t2 = c.TagTable(2, 2)
    r.post_i64(7, c.INT, 0, 0, 1)  # an id the table does not have
    with pytest.raises(InternalError, match=r"#102"):
        r.drain_into(t2, 10)


def test_is_pending_follows_the_change_flag() -> None:
    from doover_fsm._core.tagring import TagTable

    t = TagTable(8, 8)
    assert t.is_pending(3) is False
    t.set_i64(3, 3, 0, 1, 42)  # type INT, no flags
    assert t.is_pending(3) is True
    from doover_fsm._core.tagring import TagBatch

    t.collect_changed(TagBatch(8))
    assert t.is_pending(3) is False
    import pytest

    with pytest.raises(ValueError):
        t.is_pending(99)
    t.close()
