"""Values from outside the app (the stored aggregate, remote patches) against the store's shape and declared types."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from doover_fsm import tags
from doover_fsm.tags.manager import TagManager
from doover_fsm.tags.store import TagStore
from doover_fsm.tags.types import declared_types, describe_type, fits


@pytest.mark.parametrize("tag_type,good,bad", [
    ("number", [1, 2.5, -0.0, 10**30], [True, "1", [1], {"a": 1}]),
    ("float", [1, 2.5], [False, "x"]),
    ("integer", [3, 3.0, -7], [3.5, True, "3", [3]]),
    ("boolean", [True, False], [0, 1, "true", None.__class__]),
    ("string", ["", "x"], [1, ["x"], {"s": 1}]),
    ("object", [{}, {"a": [1]}], [[], "x", 1]),
    ("array", [[], [1, "a"]], [{}, "x", 1]),
    ("Number", [1.5], ["x"]),
    ("anything", [1, "x", [1], {"a": 1}, True], []),
])
def test_fits(tag_type: str, good: list[Any], bad: list[Any]) -> None:
    assert fits(tag_type, None)
    for value in good:
        assert fits(tag_type, value), (tag_type, value)
    for value in bad:
        assert not fits(tag_type, value), (tag_type, value)
    assert describe_type("number") == "a number" and describe_type("weird") == "weird"


class T(tags.Tags):
    level = tags.Number(default=1.0)
    mode = tags.String(name="run_mode")
    upstream = tags.RemoteTag("number", reference_name="upstream_level", optional=True)


def test_declared_types_follow_the_instance_and_its_changes() -> None:
    t = T("pump", None, None)
    table = declared_types(t)
    assert table() == {("pump", "level"): "number", ("pump", "run_mode"): "string"}
    t.add_tag("count", tags.Integer())
    assert table()[("pump", "count")] == "integer"
    t.remove_tag("count")
    t.add_tag("flag", tags.Boolean())
    assert ("pump", "count") not in table() and table()[("pump", "flag")] == "boolean"
    t._remote_tag_targets = {"upstream": {"agent_id": None, "app_key": "tank", "tag_name": "level"}}
    assert table()[("tank", "level")] == "number"
    assert declared_types(None)() == {}


def test_tags_bound_to_a_manager_guard_its_store_and_reserve_the_section(caplog: pytest.LogCaptureFixture) -> None:
    store = TagStore()
    t = T("pump", TagManager.over_store(store, app_key="pump"), None)
    t.level.set(4.0)
    store.commit()
    with caplog.at_level(logging.WARNING, logger="doover_fsm.tags"):
        changes = store.apply_remote({"pump": {"level": "high", "run_mode": "auto", "free": [1]}, "site": 1})
    assert sorted(changes, key=str) == sorted([("pump", "run_mode", None, "auto"), ("pump", "free", None, [1]),
                                               (None, "site", None, 1)], key=str)
    assert t.level.value == 4.0
    assert "channel 'tag_values' (remote write), app 'pump', tag 'level': value \"high\" set aside: the tag is " \
           "declared 'number' and takes a number" in caplog.text
    # the app's key is a section even before it has tags: a scalar there is not taken as a global tag
    store2 = TagStore()
    T("tank", TagManager.over_store(store2, app_key="tank"), None)
    assert [(a.app_key, a.value) for a in store2.load({"tank": 5, "g": 1})] == [("tank", 5)]
    assert store2.snapshot() == {"g": 1}


@pytest.mark.parametrize("patch", [5, [1], "x", None, {"bad key": 1}, {"pump": 7}, {"pump": {"bad name": 1}}])
def test_remote_patches_of_a_bad_shape_are_refused_without_raising(patch: Any) -> None:
    store = TagStore()
    store.set("pump", "level", 1.0)
    store.commit()
    assert store.apply_remote(patch) == []
    assert store.snapshot() == {"pump": {"level": 1.0}}
    assert len(store.set_aside) == 1 and store.statistics().set_aside == 1
    assert store.set_aside[0].source == "channel 'tag_values' (remote write)"


def test_an_uncommitted_local_write_still_wins_over_a_refusal_or_a_remote_value() -> None:
    store = TagStore()
    store.declare_types(lambda: {("pump", "level"): "number"})
    store.set("pump", "level", 2.0)
    assert store.apply_remote({"pump": {"level": 9.0}}) == []
    assert store.apply_remote({"pump": {"level": "x"}}) == []
    assert store.get("pump", "level") == 2.0
    assert store.commit().patch == {"pump": {"level": 2.0}}


@pytest.mark.parametrize("stored,kept,aside", [
    (5, {}, [(None, None)]),
    ({"pump": [1]}, {}, [("pump", None)]),
    ({"pump": {"level": "x", "other": 1}}, {"pump": {"other": 1}}, [("pump", "level")]),
    ({"g": 1, "bad key": 2}, {"g": 1}, [(None, "'bad key'")]),
])
def test_load_sets_aside_what_it_cannot_take(stored: Any, kept: dict[str, Any], aside: list[Any]) -> None:
    store = TagStore()
    store.reserve_section("pump")  # as the app's Tags do
    store.declare_types(lambda: {("pump", "level"): "number"})
    records = store.load(stored)
    assert [(r.app_key, r.name) for r in records] == aside
    assert store.snapshot() == kept
    assert store.commit().patch == {}  # nothing loaded is marked for commit


def test_load_past_capacity_sets_aside_the_rest() -> None:
    store = TagStore(capacity=2)
    records = store.load({"a": {"x": 1, "y": 2, "z": 3}})
    assert store.snapshot() == {"a": {"x": 1, "y": 2}}
    assert [(r.name, "full" in r.reason) for r in records] == [("z", True)]


def test_replace_keeps_a_tag_whose_new_value_is_refused() -> None:
    store = TagStore()
    store.declare_types(lambda: {("pump", "level"): "number"})
    store.load({"pump": {"level": 1.0, "x": 1}})
    aside = store.replace({"pump": {"level": [1]}})
    assert [(a.name, a.value) for a in aside] == [("level", [1])]
    assert store.snapshot() == {"pump": {"level": 1.0}}
    assert store.replace(7)[0].reason == "tag_values must be a JSON object"
    assert store.snapshot() == {"pump": {"level": 1.0}}


def test_a_broken_type_table_is_logged_and_values_are_taken(caplog: pytest.LogCaptureFixture) -> None:
    store = TagStore()

    def broken() -> dict[tuple[str | None, str], str]:
        raise RuntimeError("declaration bug")

    store.declare_types(broken)
    with caplog.at_level(logging.ERROR, logger="doover_fsm.tags"):
        store.load({"pump": {"level": 1}})
    assert store.get("pump", "level") == 1 and "tag types could not be read" in caplog.text


def test_a_refusal_names_the_source_it_is_given() -> None:
    from doover_fsm.tags.store import SYNC

    store = TagStore()
    store.declare_types(lambda: {("pump", "level"): "number"})
    store.apply_remote({"pump": {"level": "x"}}, source=SYNC)
    assert store.set_aside[-1].describe().startswith("channel 'tag_values' (sync), app 'pump', tag 'level'")
