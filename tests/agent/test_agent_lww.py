"""The LWW document behind cross-process aggregate merges: sequential equivalence and convergence."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from doover_fsm.agent.lww import HybridClock, LwwDoc
from doover_fsm.agent.merge import merge_patch

keys = st.sampled_from(["a", "b", "c"])
scalars = st.one_of(st.integers(0, 3), st.text(max_size=1), st.lists(st.integers(0, 2), max_size=2))
patches = st.recursive(scalars | st.none(), lambda inner: st.dictionaries(keys, inner, max_size=3),
                       max_leaves=8)
ops = st.lists(st.tuples(patches, st.booleans()), max_size=8)


@given(ops)
@settings(max_examples=150, deadline=None)
def test_sequential_patches_equal_merge_patch(seq: list[tuple[object, bool]]) -> None:
    doc, expected = LwwDoc(), None
    for i, (patch, replace) in enumerate(seq):
        doc.apply_patch(patch, (i + 1, "x"), replace=replace)
        expected = merge_patch(None if replace else expected, patch)
        assert doc.value() == expected
        doc.compact()
        assert doc.value() == expected
        assert LwwDoc.from_wire(doc.to_wire()) == doc


@given(ops, ops, ops)
@settings(max_examples=60, deadline=None)
def test_merge_converges_whatever_the_order(o1: list, o2: list, o3: list) -> None:
    replicas = []
    stamp = itertools.count(1)
    for agent, seq in zip("ABC", (o1, o2, o3), strict=True):
        d = LwwDoc()
        for patch, replace in seq:
            d.apply_patch(patch, (next(stamp), agent), replace=replace)
        replicas.append(d)
    results = []
    for order in itertools.permutations(range(3)):
        m = LwwDoc()
        for i in order:
            m.merge(LwwDoc.from_wire(replicas[i].to_wire()))
            m.compact()
        results.append(m.value())
    assert all(r == results[0] for r in results)
    # Merging is idempotent.
    m = LwwDoc.from_wire(replicas[0].to_wire())
    assert not m.merge(replicas[0])


def test_concurrent_writers_of_different_keys_both_survive() -> None:
    base = LwwDoc.from_value({"app": {"x": 1}}, (1, "A"))
    a = LwwDoc.from_wire(base.to_wire())
    b = LwwDoc.from_wire(base.to_wire())
    a.apply_patch({"app": {"y": 2}}, (2, "A"))
    b.apply_patch({"app": {"x": None}, "shutdown_requested": True}, (3, "B"))
    a.merge(b)
    b.merge(a)
    assert a.value() == b.value() == {"app": {"y": 2}, "shutdown_requested": True}


def test_hybrid_clock_is_monotonic_and_observes() -> None:
    c = HybridClock("A", time_fn=lambda: 100.0)
    s1, s2 = c.now(), c.now()
    assert s2 > s1
    c.observe((500_000_000, "B"))
    assert c.now()[0] > 500_000_000
