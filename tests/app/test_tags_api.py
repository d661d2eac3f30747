"""Tags through the Application API: immediate reads, one commit per scan, awaited or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from _apptest import make, started

from doover_fsm import Application, tags


class T(tags.Tags):
    level = tags.Number(default=1.5)
    count = tags.Integer(default=0)
    name = tags.String()
    on = tags.Boolean(default=False)
    blob = tags.Object()
    items = tags.Array()


class TagApp(Application):
    tags_cls = T

    def setup(self) -> None:
        self.scans = 0

    def main_loop(self) -> None:
        self.scans += 1


async def test_set_tag_is_visible_at_once_and_committed_once_per_scan(data_dir: Path) -> None:
    app = make(TagApp, data_dir, app_key="pump")
    async with started(app):
        app.set_tag("speed", 12.5)  # not awaited: still applied (pydoover dropped these)
        await app.set_tag("dir", "fwd")  # awaited works too
        assert app.get_tag("speed") == 12.5 and app.get_tag("dir") == "fwd"
        assert "speed" not in (app.get_channel_aggregate("tag_values") or {}).get("pump", {})
        await app.next()
        agg = app.get_channel_aggregate("tag_values")
        assert agg["pump"]["speed"] == 12.5 and agg["pump"]["dir"] == "fwd"


async def test_get_tag_default_other_app_and_global(data_dir: Path) -> None:
    app = make(TagApp, data_dir, app_key="pump")
    async with started(app):
        assert app.get_tag("missing") is None
        assert app.get_tag("missing", default=7) == 7
        app.set_tag("x", 1, app_key="other-app")
        app.set_global_tag("site_mode", "storm")
        assert app.get_tag("x", "other-app") == 1
        assert app.get_global_tag("site_mode") == "storm"
        assert app.get_global_tag("nope", default="d") == "d"
        await app.next()
        agg = app.get_channel_aggregate("tag_values")
        assert agg["other-app"] == {"x": 1}
        assert agg["site_mode"] == "storm"


async def test_set_tags_many_and_bad_input(data_dir: Path) -> None:
    app = make(TagApp, data_dir, app_key="pump")
    async with started(app):
        await app.set_tags({"a": 1, "b": [1, 2], "c": {"d": None}})
        assert app.get_tag("b") == [1, 2]
        with pytest.raises(ValueError, match="bad key"):
            app.set_tags({"bad key": 1})
        with pytest.raises(TypeError):
            app.set_tags([("a", 1)])  # type: ignore[arg-type]
        await app.next()
        assert app.get_channel_aggregate("tag_values")["pump"]["a"] == 1


async def test_only_if_changed_and_log_points(data_dir: Path) -> None:
    app = make(TagApp, data_dir, app_key="pump")
    async with started(app):
        app.set_tag("v", 1, log=True)
        await app.next()
        app.set_tag("v", 1, log=True)  # unchanged: no new point
        await app.next()
        app.set_tag("v", 1, only_if_changed=False, log=True)  # forced
        app.set_tag("v", 2, log=True)
        await app.next()
        msgs = await app.device_agent.list_messages("tag_values", limit=10)
        points = [m.data["pump"]["v"] for m in msgs if "pump" in m.data and "v" in m.data["pump"]]
        # pydoover: one log message per commit holding the last logged value of each tag, no "ts" key
        # (the message's own timestamp says when); the forced 1 and then 2 in one scan log 2.
        assert points == [1, 2]
        assert not any("ts" in m.data for m in msgs)


async def test_declared_tags_typed_defaults_and_attribute_assignment(data_dir: Path) -> None:
    app = make(TagApp, data_dir, app_key="pump")
    async with started(app):
        assert app.tags.level.value == 1.5 and app.tags.count.get() == 0 and app.tags.name.value is tags.NotSet
        app.tags.count.set(3)
        await app.tags.count.set(4)  # awaited form
        app.tags.on = True  # attribute assignment writes (pydoover silently dropped it)
        app.tags.count.increment()
        app.tags.count.set(6.0)  # JSON ints arrive as floats
        assert app.tags.count.value == 6 and isinstance(app.tags.count.value, int)
        app.tags.on.set(1)  # stored as written (pydoover does not check types); reads coerce to bool
        assert app.tags.on.value is True
        app.tags.on.set(True)
        app.tags.blob.set({"a": [1, {"b": None}]})
        app.tags.items.set((1, 2))
        await app.next()
        agg = app.get_channel_aggregate("tag_values")["pump"]
        assert agg["on"] is True and agg["count"] == 6
        assert agg["items"] == [1, 2]
        assert T.declarations().keys() >= {"level", "count", "on"}


async def test_subscribe_to_tag_several_subscribers_all_fire(data_dir: Path) -> None:
    app = make(TagApp, data_dir, app_key="pump")
    seen: list[tuple[str, str, object]] = []

    async def async_cb(key: str, value: object) -> None:
        seen.append(("async", key, value))

    async with started(app):
        app.subscribe_to_tag("speed", lambda k, v: seen.append(("sync", k, v)))
        app.subscribe_to_tag("speed", async_cb)
        unsub = app.subscribe_to_tag("mode", lambda k, v: seen.append(("global", k, v)), global_tag=True)
        # A change from another process/app arrives through the agent:
        await app.device_agent.update_aggregate("tag_values", {"pump": {"speed": 3}, "mode": "x"}, author="other")
        app.device_agent.poll()
        await app.next()
        assert ("sync", "speed", 3) in seen and ("async", "speed", 3) in seen and ("global", "mode", "x") in seen
        assert app.get_tag("speed") == 3
        # Our own writes reach the subscribers too (in the next scan).
        seen.clear()
        unsub()
        app.set_tag("speed", 4)
        await app.next()
        await app.next()
        assert ("sync", "speed", 4) in seen and ("async", "speed", 4) in seen
        app.set_global_tag("mode", "y")
        await app.next()
        await app.next()
        assert not any(s[0] == "global" for s in seen)


async def test_a_failing_subscriber_does_not_starve_the_others(data_dir: Path) -> None:
    app = make(TagApp, data_dir, app_key="pump")
    seen: list[object] = []

    def bad(k: str, v: object) -> None:
        raise RuntimeError("subscriber bug")

    async with started(app):
        app.subscribe_to_tag("x", bad)
        app.subscribe_to_tag("x", lambda k, v: seen.append(v))
        await app.device_agent.update_aggregate("tag_values", {"pump": {"x": 1}}, author="other")
        with pytest.raises(RuntimeError, match="subscriber bug"):
            await app.next()
        assert seen == [1]
        await app.next()  # the app keeps scanning
        assert app.scans >= 2


class BootCounter(Application):
    tags_cls = T

    def setup(self) -> None:
        self.tags.count.set(self.tags.count.value + 1)  # written before the first scan


async def test_tags_written_in_setup_survive_the_first_sync_and_restarts(data_dir: Path) -> None:
    for boot in (1, 2, 3):
        app = make(BootCounter, data_dir, app_key="boots")
        async with started(app):
            await app.next()
            await app.next()
            assert app.tags.count.value == boot
            assert app.get_channel_aggregate("tag_values")["boots"]["count"] == boot
