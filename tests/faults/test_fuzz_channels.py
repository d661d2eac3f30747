"""Fuzz: payloads for every well-known channel, through the store every writer uses, and into an app's tags.

Issue 11 acceptance: inputs tried are reported, 0 tracebacks (only ChannelMessageError, naming the
channel), 0 invalid values accepted (checked against the channel shapes written out again here,
independently of ``doover_fsm.agent.wellknown``), and a stored aggregate never fails ``TagStore.load``.
Remote tag patches: 0 tracebacks, every declared tag keeps a value of its declared type, every
refusal names channel, app and tag.

Examples per test: ``DFSM_FUZZ_EXAMPLES`` (default 60; CI stays well under a minute).
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doover_fsm.agent.store import LocalStore
from doover_fsm.errors import ChannelMessageError
from doover_fsm.tags.store import TagStore
from tests.faults._fuzzreport import show

EXAMPLES = int(os.environ.get("DFSM_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CHANNELS = ["tag_values", "deployment_config", "ui_state", "ui_cmds", "notifications"]
SEVERITIES = {3, 4, 5, 6, 7, "Trace", "Debug", "Info", "Warn", "Critical"}
TALLY: Counter[str] = Counter()


def fail(kind: str, message: str) -> None:
    """Count a finding (``tracebacks``, ``invalid``, ``unnamed``) for the report, then fail the test."""
    TALLY[kind] += 1
    pytest.fail(message)

# --- payload strategies ---------------------------------------------------------------------------
keys = st.one_of(st.sampled_from(["pump", "tank", "applications", "state", "cmds", "level", "message", "method",
                                  "type", "app_key", "severity", "title", "topic", "shutdown_requested"]),
                 st.from_regex(r"[a-zA-Z0-9_-]{1,8}", fullmatch=True))
bad_keys = st.sampled_from(["bad key", "", "a.b", "é", "x/y"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(keys, inner, max_size=3)), max_leaves=12)
nasty = st.one_of(st.just(math.nan), st.just(math.inf), st.just({1: "a"}), st.just({"k": {1, 2}}),
                  st.builds(lambda k: {k: 1}, bad_keys))


def shaped(channel: str) -> st.SearchStrategy[Any]:
    """Payloads near the channel's shape (valid ones and near misses)."""
    if channel == "tag_values":
        return st.dictionaries(keys, st.one_of(json_values, st.dictionaries(keys, json_values, max_size=3)), max_size=4)
    if channel == "deployment_config":
        return st.fixed_dictionaries({"applications": st.one_of(
            json_values, st.dictionaries(keys, st.one_of(json_values, st.dictionaries(keys, json_values))))})
    if channel in ("ui_state", "ui_cmds"):
        member = "state" if channel == "ui_state" else "cmds"
        return st.one_of(st.fixed_dictionaries({member: json_values}),
                         st.fixed_dictionaries({"type": st.sampled_from(["rpc", "log", 5]),
                                                "method": st.one_of(st.text(max_size=6), json_values),
                                                "request": json_values,
                                                "app_key": st.one_of(st.none(), st.text(max_size=5), json_values)}))
    return st.fixed_dictionaries({"message": st.one_of(st.text(max_size=10), json_values)},
                                 optional={"title": json_values, "topic": json_values,
                                           "severity": st.one_of(st.sampled_from(sorted(SEVERITIES, key=str)),
                                                                 st.sampled_from(["info", "warning", "error", 9, True]),
                                                                 json_values)})


def valid(channel: str) -> st.SearchStrategy[Any]:
    """Payloads of the channel's shape (as an aggregate patch or as a message, by channel)."""
    objects = st.dictionaries(keys, json_values, max_size=3)
    if channel == "tag_values":
        return st.dictionaries(keys, st.one_of(objects, scalars.filter(lambda v: v is not None)), max_size=3)
    if channel == "deployment_config":
        return st.fixed_dictionaries({"applications": st.dictionaries(keys, objects, max_size=2)})
    if channel in ("ui_state", "ui_cmds"):
        member = "state" if channel == "ui_state" else "cmds"
        return st.one_of(st.fixed_dictionaries({member: objects}),
                         st.fixed_dictionaries({"type": st.just("rpc"), "method": st.text(min_size=1, max_size=6),
                                                "request": json_values, "app_key": keys}))
    return st.fixed_dictionaries({"message": st.text(min_size=1, max_size=10).filter(str.strip)},
                                 optional={"title": st.text(max_size=5),
                                           "severity": st.sampled_from(sorted(SEVERITIES, key=str))})


payloads = st.sampled_from(CHANNELS).flatmap(
    lambda ch: st.tuples(st.just(ch), st.one_of(valid(ch), shaped(ch), json_values, nasty)))
ops = st.sampled_from(["patch", "replace", "patch_json", "post", "post_json", "oneshot", "update_message"])
junk_text = st.one_of(st.text(max_size=20), st.just("[" * 3000 + "]" * 3000), st.just('{"a": NaN}'),
                      st.just("{'single': 1}"), st.just('{"a": 1} trailing'))


# --- independent shape checks (what the issue says each channel must hold) -------------------------
def aggregate_ok(channel: str, data: Any, before: Any) -> str | None:
    """Why ``data`` (stored after a write; ``before`` was stored before it) is not a valid aggregate, or None."""
    if data is None:
        return None
    if not isinstance(data, dict):
        return "aggregate not an object"
    if channel == "tag_values" and isinstance(before, dict):
        for key, old in before.items():
            if isinstance(old, dict) and key in data and not isinstance(data[key], dict):
                return f"app section {key!r} replaced by {data[key]!r}"
    if channel == "deployment_config" and "applications" in data:
        apps = data["applications"]
        if not isinstance(apps, dict) or any(not isinstance(v, dict) for v in apps.values()):
            return "applications not an object of objects"
    member = {"ui_state": "state", "ui_cmds": "cmds"}.get(channel)
    if member is not None and member in data and not isinstance(data[member], dict):
        return f"{member} not an object"
    return None


def message_ok(channel: str, data: Any) -> str | None:
    if channel not in CHANNELS:
        return None
    if not isinstance(data, dict):
        return "message not an object"
    if channel == "ui_cmds" and data.get("type", "rpc") == "rpc":
        if not isinstance(data.get("method"), str) or not data["method"]:
            return "rpc command without a method"
        if data.get("app_key") is not None and not isinstance(data["app_key"], str):
            return "app_key not a string"
    if channel == "notifications":
        if not isinstance(data.get("message"), str) or not data["message"].strip():
            return "notification without a message"
        sev = data.get("severity")
        if sev is not None and (isinstance(sev, bool) or sev not in SEVERITIES):
            return f"bad severity {sev!r}"
        for k in ("title", "topic"):
            if data.get(k) is not None and not isinstance(data[k], str):
                return f"{k} not a string"
    return None


@pytest.fixture(scope="module", autouse=True)
def report(request: pytest.FixtureRequest) -> Iterator[None]:
    TALLY.clear()
    yield
    line = (f"fuzz channels: {TALLY['tried']} inputs tried: {TALLY['accepted'] + TALLY['refused']} writes "
            f"({TALLY['accepted']} accepted, {TALLY['refused']} refused with an error naming the channel), "
            f"{TALLY['remote']} remote tag patches "
            f"({TALLY['remote_refused']} values refused naming channel/app/tag), {TALLY['loads']} stored aggregates "
            f"loaded; {TALLY['tracebacks']} tracebacks, {TALLY['invalid']} invalid values accepted, "
            f"{TALLY['unnamed']} errors not naming where")
    show(request, line)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    with LocalStore(tmp_path / "agent.sqlite3") as s:
        yield s


@FUZZ
@given(steps=st.lists(st.tuples(ops, payloads, junk_text), min_size=1, max_size=6))
def test_writes_to_well_known_channels(store: LocalStore, steps: list[tuple[str, tuple[str, Any], str]]) -> None:
    last_message: dict[str, str] = {}
    for op, (channel, payload), text in steps:
        if op == "update_message" and channel not in last_message:
            continue
        TALLY["tried"] += 1
        before = store.get_aggregate(channel)
        try:
            if op == "patch":
                store.update_aggregate(channel, payload)
            elif op == "replace":
                store.update_aggregate(channel, payload, replace=True)
            elif op == "patch_json":
                store.update_aggregate_json(channel, text if len(text) % 2 else json.dumps(payload, default=str))
            elif op == "post":
                last_message[channel] = store.post_message(channel, payload)
            elif op == "post_json":
                last_message[channel] = store.post_message_json(channel, text)
            elif op == "oneshot":
                store.send_oneshot(channel, payload)
            else:
                store.update_message(channel, last_message[channel], payload, replace=len(text) % 2 == 0)
        except ChannelMessageError as exc:
            TALLY["refused"] += 1
            if f"channel {channel!r}" not in str(exc) and not str(exc).startswith("store "):
                fail("unnamed", f"error does not name the channel {channel!r}: {exc}")
            if store.get_aggregate(channel) != before:
                fail("invalid", f"refused {op} on {channel} changed the aggregate")
            continue
        except Exception as exc:  # a traceback: the defect this suite exists to find
            fail("tracebacks", f"{op} on {channel} with {payload!r}/{text!r} raised {type(exc).__name__}: {exc}")
        TALLY["accepted"] += 1
        after = store.get_aggregate(channel)
        problem = aggregate_ok(channel, after, before if op != "replace" else None)
        if problem is not None:
            fail("invalid", f"accepted an invalid {channel}: {problem} after {op} {payload!r}")
        for message in store.list_messages(channel, limit=3):
            if op in ("post", "post_json") and message.id == last_message.get(channel):
                problem = message_ok(channel, message.data)
                if problem is not None:
                    fail("invalid", f"accepted an invalid {channel} message: {problem}: {message.data!r}")
    # Whatever the store holds, an app's tags load from it without failing.
    tags = TagStore()
    TALLY["loads"] += 1
    tags.load(store.get_aggregate("tag_values"))
    tags.close()


@FUZZ
@given(stored=st.one_of(json_values, nasty, shaped("tag_values")))
def test_any_stored_tag_values_loads(stored: Any) -> None:
    TALLY["tried"] += 1
    TALLY["loads"] += 1
    tags = TagStore()
    tags.reserve_section("pump")
    tags.declare_types(lambda: {("pump", "level"): "number", ("pump", "on"): "boolean", ("pump", "n"): "integer"})
    try:
        aside = tags.load(stored)
    except Exception as exc:
        fail("tracebacks", f"TagStore.load({stored!r}) raised {type(exc).__name__}: {exc}")
    for record in aside:
        if not record.source.startswith("channel 'tag_values'"):
            fail("unnamed", record.describe())
    level, on, n = tags.get("pump", "level"), tags.get("pump", "on"), tags.get("pump", "n")
    if not (level is None or type(level) in (int, float)) or not (on is None or type(on) is bool) \
            or not (n is None or type(n) is int or (type(n) is float and n.is_integer())):
        fail("invalid", f"loaded a value of the wrong declared type from {stored!r}")
    tags.close()


DECLARED = {("pump", "level"): "number", ("pump", "count"): "integer", ("pump", "on"): "boolean",
            ("pump", "mode"): "string", ("pump", "blob"): "object", ("pump", "items"): "array"}
remote_patches = st.one_of(
    st.dictionaries(st.sampled_from(["pump", "other", "site_mode"]),
                    st.one_of(st.dictionaries(st.sampled_from(["level", "count", "on", "mode", "blob", "items", "x"]),
                                              st.one_of(json_values, nasty)), json_values), max_size=3),
    json_values, nasty)


@FUZZ
@given(patches=st.lists(remote_patches, min_size=1, max_size=5))
def test_remote_tag_patches_keep_declared_types(patches: list[Any]) -> None:
    tags = TagStore()
    tags.reserve_section("pump")
    tags.declare_types(lambda: DECLARED)
    for (app, name), kind in DECLARED.items():
        tags.set(app, name, {"number": 1.5, "integer": 1, "boolean": False, "string": "s", "object": {"a": 1},
                             "array": [1]}[kind])
    tags.commit()
    for patch in patches:
        TALLY["remote"] += 1
        TALLY["tried"] += 1
        seen = len(tags.set_aside)
        try:
            tags.apply_remote(patch)
        except Exception as exc:
            fail("tracebacks", f"apply_remote({patch!r}) raised {type(exc).__name__}: {exc}")
        for record in list(tags.set_aside)[seen:]:
            TALLY["remote_refused"] += 1
            text = record.describe()
            if not text.startswith("channel 'tag_values' (remote write)") or (
                    record.app_key is not None and record.name is not None
                    and f"app {record.app_key!r}, tag {record.name!r}" not in text):
                fail("unnamed", text)
        for (app, name), kind in DECLARED.items():
            value = tags.get(app, name)
            ok = {"number": lambda v: type(v) in (int, float), "integer": lambda v: type(v) is int or (
                type(v) is float and v.is_integer()), "boolean": lambda v: type(v) is bool,
                  "string": lambda v: type(v) is str, "object": lambda v: type(v) is dict,
                  "array": lambda v: type(v) is list}[kind]
            if not (value is None or ok(value)):
                fail("invalid", f"{app}/{name} ({kind}) holds {value!r} after {patch!r}")
    tags.close()
