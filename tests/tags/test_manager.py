"""The tag manager (``app.tag_manager``): reads, writes, one commit per scan, logged points.

The ``test_d*`` tests pin each deliberate difference from pydoover 1.18 listed in
docs/compat/tags.md (the differential suite in tests/compat/test_diff_tags.py covers the rest).
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from doover_fsm.clock import VirtualClock
from doover_fsm.tags import Boolean, KeyPath, Number, Tag, TagCommit, TagManager, Tags, TagStore


class Agent:
    """Records pydoover device-agent calls (the manager's ``client``)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def update_channel_aggregate(self, channel: str, data: Any, max_age_secs: Any = None, **kw: Any) -> None:
        self.calls.append(("aggregate", channel, data, max_age_secs))

    async def create_message(self, channel: str, data: Any, timestamp: Any = None) -> None:
        self.calls.append(("message", channel, data, timestamp))

    async def send_oneshot_message(self, channel: str, data: Any) -> None:
        self.calls.append(("oneshot", channel, data))


def bound(clock: VirtualClock | None = None) -> tuple[TagManager, list[TagCommit]]:
    """A manager over a store with a sink, as the app runtime wires it."""
    sink: list[TagCommit] = []
    manager = TagManager.over_store(TagStore(), app_key="app", clock=clock or VirtualClock(start_time=1e9))
    manager.bind_sink(sink.append)
    return manager, sink


def test_one_commit_per_scan_with_pydoover_messages() -> None:
    clock = VirtualClock(start_time=1e9)
    manager, sink = bound(clock)
    manager.set_tag("speed", 1.5, app_key="app")
    manager.set_tag("speed", 2.5, app_key="app")
    manager.set_tag("alarm", True, log=True, app_key="app")
    manager.set_tag("x", 7, app_key="other")
    manager.set_tag("mode", "storm")  # a global tag
    commit = manager.commit_now()
    assert sink == [commit]
    assert commit.patch == {"app": {"speed": 2.5, "alarm": True}, "other": {"x": 7}, "mode": "storm"}
    # the log=True writes, then (first commit) everything else that changed: pydoover's two messages
    assert [m.data for m in commit.messages] == [{"app": {"alarm": True}},
                                                 {"app": {"speed": 2.5}, "other": {"x": 7}, "mode": "storm"}]
    assert all(m.timestamp is None for m in commit.messages)
    manager.set_tag("speed", 3.5, app_key="app")
    assert manager.commit_now().messages == []  # the periodic log waits tag_log_interval (15 min)
    clock.advance(900)
    manager.set_tag("speed", 4.5, app_key="app")
    assert [m.data for m in manager.commit_now().messages] == [{"app": {"speed": 4.5}}]
    assert manager.commit_now() == TagCommit({}, [], None) and len(sink) == 3  # nothing: nothing handed over


def test_commit_tags_writes_to_a_pydoover_client_without_a_sink() -> None:
    agent = Agent()
    manager = TagManager(client=agent, app_key="app")
    manager.set_tag("v", 1, log=True, app_key="app")
    asyncio.run(manager.commit_tags())
    assert agent.calls == [("aggregate", "tag_values", {"app": {"v": 1}}, 900),
                           ("message", "tag_values", {"app": {"v": 1}}, None)]


def test_flush_logs_log_history_and_flush_true() -> None:
    agent = Agent()
    manager = TagManager(client=agent, app_key="app")
    manager.set_tag("a", 1, app_key="app")
    asyncio.run(manager.commit_tags())
    manager.set_tag("a", 2, app_key="app")
    asyncio.run(manager.flush_logs())  # the message now; the aggregate patch waits for the commit
    assert agent.calls[-1] == ("message", "tag_values", {"app": {"a": 2}}, None)
    asyncio.run(manager.commit_tags())
    assert agent.calls[-1] == ("aggregate", "tag_values", {"app": {"a": 2}}, 900)
    stamp = datetime(2024, 1, 1, tzinfo=UTC)
    assert asyncio.run(manager.log_history([(stamp, {"h": 1}), (stamp, {})])) == 1
    assert agent.calls[-1] == ("message", "tag_values", {"app": {"h": 1}}, stamp)
    asyncio.run(_await(manager.set_tag("b", 3, flush=True, app_key="app")))
    assert agent.calls[-1] == ("aggregate", "tag_values", {"app": {"b": 3}}, 900)
    assert manager.get_tag("h", app_key="app") is None  # history does not touch current values


async def _await(x: Any) -> Any:
    return await x


def test_get_tag_paths_sections_and_missing() -> None:
    manager, _ = bound()
    manager.set_tag("cfg", {"a": {"b": 1}}, app_key="app")
    manager.set_tag("x", 1, app_key="other")
    assert manager.get_tag(["cfg", "a", "b"], app_key="app") == 1
    assert manager.get_tag("other") == {"x": 1}  # an app's whole section
    assert manager.get_tag(KeyPath("x", app_key="other")) == 1
    assert manager.get_tag("nope", default=5, app_key="app") == 5
    with pytest.raises(KeyError):
        manager.get_tag("nope", app_key="app", raise_key_error=True)
    copy_ = manager.get_tag("cfg", app_key="app")
    copy_["a"]["b"] = 99
    assert manager.get_tag("cfg", app_key="app") == {"a": {"b": 1}}


def test_set_tags_layout_and_list_keys() -> None:
    manager, _ = bound()
    manager.set_tags({"app": {"a": 1}, "site": "x"})
    manager.set_tag(["cfg", "k"], 5, app_key="app")
    assert manager._tag_values == {"app": {"a": 1, "cfg": {"k": 5}}, "site": "x"}


def test_live_tags_are_sent_while_someone_watches_them() -> None:
    clock = VirtualClock(start_time=1e9)
    manager, _ = bound(clock)

    class T(Tags):
        rate = Number(default=0.0, live=True)
        other = Number(default=0.0, live=True)

    tags = T("app", manager, None)
    manager.set_live_tags(tags.get_live_tag_keys())
    tags.rate.set(3.5)
    tags.other.set(1.0)
    assert manager.commit_now().live is None  # nobody watching
    now_ms = clock.time() * 1000
    asyncio.run(manager.on_ui_sub_update({"live_tag_open": {"u1": {"ts": now_ms, "tags": ["app.rate"]}},
                                          "app_open": {"u1": {"ts": now_ms, "apps": ["app"]}}}))
    assert manager.is_live_tag_open("rate") and not manager.is_live_tag_open("other")
    assert manager.is_app_open and manager.is_being_observed and manager.max_age_secs == 3
    assert manager.commit_now().live == {"app": {"rate": 3.5}}  # every commit while watched
    tags.rate.set(4.5)
    commit = manager.commit_now()
    assert commit.live == {"app": {"rate": 4.5}} and commit.max_age_secs == 3  # the patch is urgent now
    clock.advance(121)
    assert manager.commit_now().live is None and manager.max_age_secs == 900


def test_subscriptions_fire_on_agent_updates() -> None:
    manager, _ = bound()
    seen: list[tuple[str, Any]] = []

    async def second(key: str, value: Any) -> None:
        seen.append(("async", value))

    manager.subscribe_to_tag("speed", lambda k, v: seen.append((k, v)), app_key="app")
    manager.subscribe_to_tag("speed", second, app_key="app")  # D11: both stay subscribed
    asyncio.run(manager._on_tag_update({"app": {"speed": 3}}))
    assert seen == [("speed", 3), ("async", 3)] and manager.get_tag("speed", app_key="app") == 3
    assert manager.subscribers("app", "speed")


def test_agent_sync_keeps_local_writes_not_committed_yet() -> None:
    manager, _ = bound()
    manager.set_tag("count", 4, app_key="app")
    asyncio.run(manager._on_tag_sync({"app": {"count": 1, "other": 2}, "g": 1}))
    assert manager._tag_values == {"app": {"count": 4, "other": 2}, "g": 1}
    assert manager.commit_now().patch == {"app": {"count": 4}}


def test_v04_apps_log_every_change() -> None:
    manager, _ = bound()
    manager.log_all_changes = True
    manager.set_tag("a", 1, app_key="app")
    manager.commit_now()
    manager.set_tag("a", 2, app_key="app")
    assert [m.data for m in manager.commit_now().messages] == [{"app": {"a": 2}}]


# ---- documented differences (docs/compat/tags.md) ----------------------------------------------
def test_d1_a_deleted_tag_reads_its_default_at_once() -> None:
    manager, _ = bound()

    class T(Tags):
        level = Number(default=5)

    tags = T("app", manager, None)
    tags.level.set(8)
    manager.commit_now()
    tags.level.delete()
    assert tags.level.get() == 5  # pydoover: None until the agent's next update
    assert manager._tag_values == {}  # pydoover: {"app": {"level": None}}
    assert manager.commit_now().patch == {"app": {"level": None}}  # the aggregate drops it either way


def test_d2_change_detection_is_type_exact() -> None:
    manager, _ = bound()
    manager.set_tag("v", 1, app_key="app")
    manager.commit_now()
    manager.set_tag("v", 1.0, app_key="app")
    assert manager.commit_now().patch == {"app": {"v": 1.0}}  # pydoover: 1 == 1.0, nothing sent
    manager.set_tag("v", True, app_key="app")
    assert manager.commit_now().patch == {"app": {"v": True}}


def test_d3_sync_writes_and_attribute_assignment_apply() -> None:
    manager, _ = bound()

    class T(Tags):
        ready = Boolean(default=False)

    tags = T("app", manager, None)
    tags.ready.set(True)  # pydoover: an un-awaited coroutine, nothing written
    assert tags.ready.get() is True
    tags.ready = False  # pydoover: silently dropped
    assert manager.get_tag("ready", app_key="app") is False


def test_d4_tag_values_is_a_copy_and_assignment_replaces_it() -> None:
    manager, _ = bound()
    manager.set_tag("a", 1, app_key="app")
    view = manager._tag_values
    view["app"]["a"] = 2
    assert manager.get_tag("a", app_key="app") == 1
    manager._tag_values = {"shutdown_at": 123.0}  # as pydoover's own tests seed it
    assert manager._tag_values == {"shutdown_at": 123.0} and manager.get_tag("a", app_key="app") is None


def test_d5_values_are_copied_on_the_way_in() -> None:
    manager, _ = bound()
    value = {"a": [1]}
    manager.set_tag("cfg", value, app_key="app")
    value["a"].append(2)
    assert manager.get_tag("cfg", app_key="app") == {"a": [1]}


def test_d6_strict_json_and_keys() -> None:
    manager, _ = bound()
    with pytest.raises(ValueError, match="NaN"):
        manager.set_tag("v", math.nan, app_key="app")
    with pytest.raises(ValueError, match="bad key"):
        manager.set_tag("bad key", 1, app_key="app")


def test_d9_keypath_equality_is_a_prefix_test_without_side_effects() -> None:
    other = ["app", "speed"]
    assert KeyPath("speed", app_key="app") == other and other == ["app", "speed"]
    assert KeyPath(["a", "b"]) != ["a"]  # pydoover: IndexError


def test_d10_set_tags_with_an_app_key() -> None:
    manager, _ = bound()
    manager.set_tags({"a": 1, "b": 2}, app_key="app")  # pydoover raises TypeError (KeyPath(None))
    assert manager._tag_values == {"app": {"a": 1, "b": 2}}


def test_d12_clear_without_a_default_deletes() -> None:
    manager, _ = bound()

    class T(Tags):
        x = Tag("number")

    tags = T("app", manager, None)
    tags.x.set(3)
    tags.x.clear()  # pydoover writes its NotSet sentinel as the value
    assert manager._tag_values == {}


def test_subscriptions_can_go_to_the_runtime_registry() -> None:
    registered: list[tuple[Any, ...]] = []

    def subscribe(key: tuple[str | None, str], callback: Any) -> Any:
        registered.append((key, callback))
        return lambda: registered.remove((key, callback))

    manager = TagManager.over_store(TagStore(), app_key="app", subscribe=subscribe)
    unsubscribe = manager.subscribe_to_tag("shutdown_at", print)
    manager.subscribe_to_tag("speed", print, app_key="pump")
    assert registered == [((None, "shutdown_at"), print), (("pump", "speed"), print)]
    unsubscribe()
    assert registered == [(("pump", "speed"), print)]
