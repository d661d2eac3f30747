"""TagStore behaviour over the real C core: values, change detection, commit layout, merge-patches."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doover_fsm.clock import VirtualClock
from doover_fsm.tags.store import Commit, LoggedPoint, TagCapacityError, TagStore

json_scalars = (st.none() | st.booleans() | st.integers() | st.text()
                | st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def same(a: Any, b: Any) -> bool:
    """Equal including types at every depth (True vs 1, 0.0 vs -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    return bool(a == b)


@given(json_values.filter(lambda v: v is not None))
@settings(max_examples=300, deadline=None)
def test_every_json_value_round_trips_exactly(value: Any) -> None:
    store = TagStore(capacity=8)
    assert store.set("app", "v", value) is True
    assert same(store.get("app", "v"), value)
    assert same(store.commit().patch, {"app": {"v": value}})
    assert store.set("app", "v", value) is False  # equal by value: no change
    assert same(store.snapshot(), {"app": {"v": value}})
    assert store.post_from_thread(None, "g", value)
    store.drain()
    assert same(store.get(None, "g"), value)


@pytest.mark.parametrize("value", [True, False, 0, -1, 2**63 - 1, -(2**63), 2**63, -(2**200), 0.0, -0.0,
                                   1.5, 1e308, "", "héllo", [], {}, [1, True, 1.0], {"a": {"b": [None]}}])
def test_scalar_edge_values_keep_their_type(value: Any) -> None:
    store = TagStore(capacity=4)
    store.set(None, "x", value)
    assert same(store.get(None, "x"), value)


def test_change_detection_is_by_type_and_value() -> None:
    store = TagStore()
    assert store.set("a", "x", 1) is True
    assert store.set("a", "x", 1) is False
    assert store.set("a", "x", True) is True  # 1 -> True
    assert store.set("a", "x", 1.0) is True
    assert store.set("a", "x", -0.0) is True
    assert store.set("a", "x", 0.0) is True
    assert store.set("a", "x", [1, {"k": 2}]) is True
    assert store.set("a", "x", [1, {"k": 2}]) is False
    assert store.set("a", "x", [1, {"k": 2.0}]) is True
    assert store.set("a", "x", [1, {"k": 2.0}], only_if_changed=False) is True
    assert store.set("a", "x", 2**70) is True and store.set("a", "x", 2**70) is False


def test_stored_containers_cannot_be_mutated_from_outside() -> None:
    store = TagStore()
    value = {"a": [1, 2]}
    store.set("app", "c", value)
    value["a"].append(3)
    got = store.get("app", "c")
    assert got == {"a": [1, 2]}
    got["a"].append(4)
    assert store.get("app", "c") == {"a": [1, 2]}
    store.set("app", "t", (1, 2))
    assert store.get("app", "t") == [1, 2]  # tuples are stored as JSON lists


def test_commit_layout_and_flags_cleared() -> None:
    store = TagStore()
    store.set("pump", "running", True)
    store.set("pump", "rate", 2.5)
    store.set(None, "shutdown_requested", False)
    store.set("gate", "pos", "open")
    c = store.commit()
    assert isinstance(c, Commit)
    assert c.patch == {"pump": {"running": True, "rate": 2.5}, "shutdown_requested": False,
                       "gate": {"pos": "open"}}
    assert c.logged == []
    assert store.commit().patch == {}
    store.set("pump", "rate", 2.5)  # unchanged
    store.set("pump", "running", True, only_if_changed=False)
    assert store.commit().patch == {"pump": {"running": True}}
    assert store.statistics().commits == 3


def test_set_none_deletes_and_commits_none() -> None:
    store = TagStore()
    store.set("a", "x", 5)
    store.commit()
    assert store.set("a", "x", None) is True
    assert store.get("a", "x", "dflt") == "dflt"
    assert store.snapshot() == {}
    assert store.commit().patch == {"a": {"x": None}}
    assert store.set("a", "x", None) is False


def test_logged_points_in_order_with_timestamps() -> None:
    clock = VirtualClock(start_time=1000.0)
    store = TagStore(clock=clock)
    store.set("a", "x", 1, log=True)
    clock.advance(0.5)
    store.set("a", "x", 1, log=True)  # unchanged: not a logged point
    store.set(None, "g", "hi", log=True)
    clock.advance(0.5)
    store.set("a", "x", 2, log=True)
    store.set("a", "y", 7)  # not logged
    store.set("a", "x", 3, log=True)
    c = store.commit()
    assert [(p.app_key, p.name, p.value, p.ts) for p in c.logged] == [
        ("a", "x", 1, 1000.0), (None, "g", "hi", 1000.5), ("a", "x", 2, 1001.0), ("a", "x", 3, 1001.0)]
    assert isinstance(c.logged[0], LoggedPoint) and c.logged[0].ts_ns == 1_000_000_000_000
    assert c.patch == {"a": {"x": 3, "y": 7}, "g": "hi"}
    assert store.commit().logged == []


def test_posted_values_apply_at_drain_with_logs() -> None:
    store = TagStore()
    assert store.post_from_thread("io", "di1", True, log=True)
    assert store.post_from_thread("io", "name", "x", log=True)
    assert store.get("io", "di1") is None  # not applied before the scan drains
    assert store.drain() == 2
    assert store.get("io", "di1") is True and store.get("io", "name") == "x"
    c = store.commit()
    assert c.patch == {"io": {"di1": True, "name": "x"}}
    assert [p.value for p in c.logged] == [True, "x"]


def test_ring_overflow_drops_and_counts() -> None:
    store = TagStore(ring_capacity=4)
    results = [store.post_from_thread("io", "v", k) for k in range(6)]
    assert results == [True] * 4 + [False] * 2
    s = store.statistics()
    assert (s.ring_depth, s.ring_peak, s.ring_posted, s.ring_drops) == (4, 4, 4, 2)
    assert store.commit().patch == {"io": {"v": 3}}
    assert store.statistics().ring_depth == 0


def test_load_seeds_without_marking() -> None:
    store = TagStore()
    store.load({"pump": {"rate": 1.5, "mode": "auto"}, "shutdown_at": 0, "gone": None})
    assert store.get("pump", "rate") == 1.5 and store.get(None, "shutdown_at") == 0
    assert store.commit().patch == {}
    assert store.snapshot() == {"pump": {"rate": 1.5, "mode": "auto"}, "shutdown_at": 0}
    assert store.set("pump", "rate", 1.5) is False


def test_apply_remote_merge_patch_semantics() -> None:
    store = TagStore()
    store.load({"pump": {"rate": 1.5, "cfg": {"a": 1, "b": {"c": 2}}}, "flag": True})
    changes = store.apply_remote({
        "pump": {"rate": 1.5, "cfg": {"b": {"c": None, "d": 4}, "e": 5}, "new": [1]},
        "flag": None,
        "other": {"z": 1},
    })
    assert sorted(changes, key=repr) == sorted([
        ("pump", "cfg", {"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"d": 4}, "e": 5}),
        ("pump", "new", None, [1]),
        (None, "flag", True, None),
        ("other", "z", None, 1),
    ], key=repr)
    assert store.get(None, "flag", "missing") == "missing"
    assert store.commit().patch == {}  # remote changes are not marked for commit
    assert store.apply_remote({"pump": None}) == [
        ("pump", "rate", 1.5, None), ("pump", "cfg", {"a": 1, "b": {"d": 4}, "e": 5}, None),
        ("pump", "new", [1], None)]
    assert store.snapshot() == {"other": {"z": 1}}
    assert store.apply_remote({"other": {"z": 1}}) == []


def test_global_dict_tag_merges_and_namespaces_do_not_collide() -> None:
    store = TagStore()
    store.set(None, "settings", {"a": 1})
    store.commit()  # committed: remote patches merge into it (an uncommitted write would win)
    assert store.apply_remote({"settings": {"b": 2}}) == [(None, "settings", {"a": 1}, {"a": 1, "b": 2})]
    with pytest.raises(ValueError, match="settings"):
        store.set("settings", "x", 1)
    store.set("app", "x", 1)
    with pytest.raises(ValueError, match="app"):
        store.set(None, "app", 1)


@pytest.mark.parametrize("app_key,name", [("bad key", "x"), ("a", "x.y"), ("a", ""), ("", "x"), ("a", 5)])
def test_bad_keys_are_value_errors_naming_them(app_key: Any, name: Any) -> None:
    store = TagStore()
    with pytest.raises(ValueError, match="invalid"):
        store.set(app_key, name, 1)
    with pytest.raises(ValueError, match="invalid"):
        store.post_from_thread(app_key, name, 1)
    # A stored aggregate never fails the load (issue 11): the bad key is set aside, named.
    aside = store.load({"bad key": 1})
    assert [(a.name, a.value) for a in aside] == [("'bad key'", 1)] and "bad key" in aside[0].reason
    assert store.snapshot() == {}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, [1, math.nan], {"a": math.inf}])
def test_nan_and_infinity_are_rejected_naming_the_tag(value: Any) -> None:
    store = TagStore()
    with pytest.raises(ValueError, match="app/x"):
        store.set("app", "x", value)
    assert store.get("app", "x") is None


@pytest.mark.parametrize("value", [object(), {1: "a"}, b"bytes", {1, 2}])
def test_non_json_values_are_type_errors(value: Any) -> None:
    with pytest.raises(TypeError, match="app/x"):
        TagStore().set("app", "x", value)


def test_capacity_exhaustion_names_the_tag() -> None:
    store = TagStore(capacity=2)
    store.set("a", "one", 1)
    store.set("a", "two", 2)
    with pytest.raises(TagCapacityError, match="a/three"):
        store.set("a", "three", 3)
    store.set("a", "one", None)  # deleting does not free the slot (ids are never reused)
    with pytest.raises(TagCapacityError):
        store.set("a", "three", 3)
    assert store.statistics().tags == 2 and store.statistics().present == 1


def test_statistics_and_close() -> None:
    store = TagStore(capacity=10, ring_capacity=8, log_capacity=2)
    store.set("a", "x", 1, log=True)
    store.set("a", "x", 2, log=True)
    store.set("a", "x", 3, log=True)
    s = store.statistics()
    assert (s.tags, s.present, s.capacity, s.pending, s.ring_capacity) == (1, 1, 10, 1, 8)
    assert (s.log_capacity, s.log_depth, s.log_peak, s.log_drops) == (2, 2, 2, 1)
    store.close()
    from doover_fsm.errors import InternalError
    with pytest.raises(InternalError):
        store.set("a", "x", 4)


def test_virtual_clock_timestamps_and_bad_sizes() -> None:
    with pytest.raises(ValueError, match="capacity"):
        TagStore(capacity=0)
    with pytest.raises(ValueError, match="ring_capacity"):
        TagStore(ring_capacity=-1)


def test_apply_remote_never_overwrites_an_uncommitted_local_write() -> None:
    store = TagStore()
    store.load({"app": {"boots": 1, "mode": "auto"}})
    store.set("app", "boots", 2)  # written locally (e.g. in setup), not committed yet
    changes = store.apply_remote({"app": {"boots": 1, "mode": "manual"}})  # a stale sync
    assert store.get("app", "boots") == 2 and store.get("app", "mode") == "manual"
    assert changes == [("app", "mode", "auto", "manual")]
    assert store.commit().patch == {"app": {"boots": 2}}
    store.apply_remote({"app": {"boots": 7}})  # once committed, remote updates apply again
    assert store.get("app", "boots") == 7
