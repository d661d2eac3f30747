"""Merge-patch semantics, validation and message ids (pure, no I/O)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doover_fsm.agent.ids import new_message_id
from doover_fsm.agent.merge import (
    copy_json,
    diff_patch,
    merge_patch,
    parse_json_text,
    validate_aggregate_patch,
    validate_channel,
    validate_json,
)
from doover_fsm.errors import ChannelMessageError

keys = st.sampled_from(["a", "b", "c", "d", "x_1", "y-2"])
scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.text(max_size=3),
                    st.floats(allow_nan=False, allow_infinity=False, width=32))
values = st.recursive(scalars | st.lists(scalars, max_size=3),
                      lambda inner: st.dictionaries(keys, inner, max_size=4), max_leaves=12)
patches = st.recursive(scalars | st.none(),
                       lambda inner: st.dictionaries(keys, inner, max_size=4), max_leaves=12)
docs = st.dictionaries(keys, values, max_size=4)


def test_merge_patch_examples() -> None:
    assert merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]}) == {
        "a": 1, "b": {"d": 3, "e": 4}, "f": [1]}
    assert merge_patch({"a": {"b": 1}}, {"a": 5}) == {"a": 5}
    assert merge_patch({"a": 5}, {"a": {"b": None}}) == {"a": {}}
    assert merge_patch(7, {"a": 1}) == {"a": 1}
    assert merge_patch({"a": 1}, [1, 2]) == [1, 2]
    assert merge_patch({"a": 1}, None) is None
    assert merge_patch(None, {"a": None, "b": {"c": None}}) == {"b": {}}


@given(docs, patches)
def test_merge_patch_does_not_alias_or_mutate(target: dict, patch: object) -> None:
    t0, p0 = copy_json(target), copy_json(patch)
    out = merge_patch(target, patch)
    assert target == t0 and patch == p0
    if isinstance(out, dict):
        out["__new__"] = 1
        for v in out.values():
            if isinstance(v, dict):
                v["__new__"] = 1
    assert target == t0 and patch == p0


@given(docs, patches)
def test_merge_patch_is_idempotent(target: dict, patch: object) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once


@given(docs, docs)
def test_diff_patch_rebuilds_new(old: dict, new: dict) -> None:
    assert merge_patch(old, diff_patch(old, new)) == new


@given(docs, st.dictionaries(keys, patches, max_size=4), st.dictionaries(keys, patches, max_size=4))
@settings(max_examples=200)
def test_patches_on_disjoint_keys_commute(doc: dict, p1: dict, p2: dict) -> None:
    p2 = {k: v for k, v in p2.items() if k not in p1}
    assert merge_patch(merge_patch(doc, p1), p2) == merge_patch(merge_patch(doc, p2), p1)


@pytest.mark.parametrize("name", ["", "a b", "tag/values", "é", None, 3])
def test_bad_channel_names_are_named_in_the_error(name: object) -> None:
    with pytest.raises(ChannelMessageError, match="invalid channel name"):
        validate_channel(name)


def test_bad_keys_name_channel_and_path() -> None:
    with pytest.raises(ChannelMessageError, match=r"channel 'tag_values'.*'bad key'.*app1"):
        validate_aggregate_patch("tag_values", {"app1": {"bad key": 1}})
    with pytest.raises(ChannelMessageError, match="keys must be strings"):
        validate_aggregate_patch("tag_values", {1: 2})
    # Keys inside list elements are data, not aggregate keys.
    validate_aggregate_patch("tag_values", {"a": [{"any key!": 1}]})


@pytest.mark.parametrize("bad", [math.nan, math.inf, {1, 2}, b"x", object()])
def test_non_json_values_rejected(bad: object) -> None:
    with pytest.raises(ChannelMessageError, match=r"channel 'c'.*a/b"):
        validate_json("c", {"a": {"b": bad}}, check_keys=True)


def test_parse_json_text_error_names_channel() -> None:
    assert parse_json_text("ui_cmds", '{"a": 1}') == {"a": 1}
    with pytest.raises(ChannelMessageError, match=r"channel 'ui_cmds'.*not valid JSON"):
        parse_json_text("ui_cmds", "{not json")
    with pytest.raises(ValueError):  # ChannelMessageError is also a ValueError
        parse_json_text("ui_cmds", "")


@pytest.mark.parametrize("text", ["{" + "x" * 80, b"{" + b"x" * 80, b"\\xff" * 80])
def test_parse_json_text_long_bad_text_is_shortened(text: str | bytes) -> None:
    # str and bytes alike: a ChannelMessageError showing the first 57 characters/bytes + "..."
    # (long bytes used to raise TypeError: bytes + "...").
    shown = text[:57] + ("..." if isinstance(text, str) else b"...")
    with pytest.raises(ChannelMessageError, match="not valid JSON") as info:
        parse_json_text("c", text)
    assert str(info.value).endswith(f"got {shown!r}")


def test_message_ids_unique_and_time_ordered() -> None:
    ids = [new_message_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(len(i) == 26 for i in ids)
