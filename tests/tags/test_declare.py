"""Declarative tags with pydoover 1.18's semantics, through ``pydoover.tags`` as apps import it."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from doover_fsm import compat
from doover_fsm.tags import Array, Integer, Object, TagManager, TagStore

compat.install()

from pydoover.tags import (  # noqa: E402  (after the import hook)
    AnyChange,
    Boolean,
    BoundTag,
    Cross,
    Delta,
    Enter,
    Exit,
    Fall,
    NotSet,
    Number,
    RemoteTag,
    Rise,
    String,
    Tag,
    Tags,
)


class FakeManager:
    """pydoover's own test double shape: ``get_tag`` sync, ``set_tag`` async."""

    def __init__(self, initial: dict[tuple[str | None, str], Any] | None = None) -> None:
        self.values = dict(initial or {})
        self.get_calls: list[tuple[Any, ...]] = []
        self.set_calls: list[tuple[Any, ...]] = []
        self.subscriptions: list[tuple[Any, ...]] = []

    def get_tag(self, key: str, default: Any = None, app_key: str | None = None, raise_key_error: bool = False) -> Any:
        self.get_calls.append((key, default, app_key))
        return self.values.get((app_key, key), default)

    async def set_tag(self, key: str, value: Any, app_key: str | None = None, **kw: Any) -> None:
        self.set_calls.append((key, value, app_key, kw))
        self.values[(app_key, key)] = value

    def subscribe_to_tag(self, key: str, callback: Any, app_key: str | None = None) -> None:
        self.subscriptions.append((key, callback, app_key))


class FlowTags(Tags):
    flow_rate = Tag("number", default=0.0, live=True)
    totaliser = Tag("number", default=0.0, live=True)
    raw = Tag("number", default=None)
    voltage = Tag("number")
    count = Tag("integer", default=0)
    ok = Tag("boolean", default=True)
    label = Tag("string", default="")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_class_attributes_are_the_declarations() -> None:
    assert isinstance(FlowTags.flow_rate, Tag)
    assert FlowTags.flow_rate.live is True and FlowTags.raw.live is False  # apps' tests check this
    assert FlowTags.voltage.name is None and FlowTags.voltage.key == "voltage"
    assert repr(FlowTags.count) == "Tag(name=None, tag_type='integer', default=0)"
    with pytest.raises(RuntimeError, match="not runtime values"):
        FlowTags.flow_rate.get()
    with pytest.raises(RuntimeError, match="not runtime values"):
        bool(FlowTags.ok)


def test_bound_tags_read_defaults_and_write_through_our_manager() -> None:
    manager = TagManager(app_key="meter")
    tags = FlowTags("meter", manager, None)
    assert isinstance(tags.flow_rate, BoundTag) and tags.flow_rate.name == "flow_rate"
    assert tags.flow_rate.get() == 0.0 and tags.raw.get() is None and tags.voltage.get() is NotSet
    assert tags.voltage.is_set() is False and tags.count.value == 0
    tags.flow_rate.set(12.5)  # not awaited: applied at once (D3)
    run(_await(tags.totaliser.set(3.25)))
    tags.ok = False  # attribute assignment writes (D3)
    assert manager._tag_values == {"meter": {"flow_rate": 12.5, "totaliser": 3.25, "ok": False}}
    assert tags.values == {"flow_rate": 12.5, "totaliser": 3.25, "raw": None, "count": 0, "ok": False, "label": ""}


async def _await(x: Any) -> Any:
    return await x


def test_reads_coerce_like_pydoover() -> None:
    manager = TagManager(app_key="a")
    tags = FlowTags("a", manager, None)
    tags.count.set(6.0)  # JSON ints arrive as floats
    tags.ok.set(0)
    assert tags.count.get() == 6 and type(tags.count.get()) is int
    assert tags.ok.get() is False
    assert manager.get_tag("count", app_key="a") == 6.0  # stored as written


def test_increment_decrement_and_their_errors() -> None:
    tags = FlowTags("a", TagManager(app_key="a"), None)
    assert tags.count.increment().value == 1  # sync form returns the new value at once
    assert run(_await(tags.count.increment(2))) == 3
    assert run(_await(tags.count.decrement(1))) == 2
    with pytest.raises(TypeError, match="non-numeric tag 'label'"):
        tags.label.increment()
    with pytest.raises(ValueError, match="unset tag 'voltage'"):
        tags.voltage.increment()
    with pytest.raises(TypeError):
        tags.raw.increment()  # None + 1, as in pydoover


def test_value_dunders() -> None:
    tags = FlowTags("a", TagManager(app_key="a"), None)
    tags.flow_rate.set(12.7)
    assert str(tags.flow_rate) == "12.7" and float(tags.flow_rate) == 12.7 and int(tags.count) == 0
    assert bool(tags.ok) is True and tags.flow_rate > 10 and tags.flow_rate >= 12.7 and tags.flow_rate == 12.7
    assert copy.deepcopy(tags.flow_rate) is tags.flow_rate
    assert repr(tags.flow_rate) == "BoundTag(name='flow_rate', value=12.7)"


def test_a_foreign_manager_is_used_as_pydoover_uses_it() -> None:
    manager = FakeManager({("app", "voltage"): 12.7})
    tags = FlowTags("app", manager, None)
    assert tags.voltage.get() == 12.7
    assert manager.get_calls == [("voltage", NotSet, "app")]
    run(_await(tags.voltage.set(13.1, log=True)))
    assert manager.set_calls == [("voltage", 13.1, "app", {"log": True})]
    with pytest.raises(TypeError, match=r"use `await tags\.voltage\.set"):
        tags.voltage = 1.0  # cannot be done synchronously with an async manager (D14)


def test_no_manager_reads_defaults_and_refuses_writes() -> None:
    tags = FlowTags("app", None, None)
    assert tags.flow_rate.get() == 0.0
    with pytest.raises(RuntimeError, match="manager has not been registered"):
        tags.flow_rate.set(1.0)


def test_a_tag_store_is_accepted_as_the_manager() -> None:
    store = TagStore()
    tags = FlowTags("app", store, None)
    tags.flow_rate.set(2.5)
    assert store.get("app", "flow_rate") == 2.5 and isinstance(tags.tag_manager, TagManager)


def test_runtime_declarations_lookup_and_schema() -> None:
    class Configured(FlowTags):
        async def setup(self) -> None:
            self.remove_tag("raw")
            if self.config["extra"]:
                self.add_tag("extra_sensor", Tag("number", default=1))

    tags = Configured("app", TagManager(app_key="app"), {"extra": True})
    run(tags.setup())
    assert "raw" not in {t.name for t in tags} and tags.find_tag("raw") is None and tags.get("raw") is None
    assert tags.extra_sensor.get() == 1 and tags["extra_sensor"].tag_type == "number"
    tags.extra_sensor = 4  # runtime-added tags are written by assignment too
    assert tags.get_tag("extra_sensor").value == 4
    with pytest.raises(KeyError):
        tags.get_tag("nope")
    with pytest.raises(ValueError, match="already exists"):
        tags.add_tag("count", Tag("number"))
    assert tags.to_schema()["flow_rate"] == {"type": "number", "default": 0.0, "live": True}
    assert tags.to_schema()["voltage"] == {"type": "number"}
    assert len(tags) == 7 and tags.get_live_tag_keys() == [("app", "flow_rate"), ("app", "totaliser")]
    assert FlowTags.declarations()["count"] is FlowTags.count


def test_explicit_names_store_under_that_name() -> None:
    class Named(Tags):
        speed = Number(default=0, name="motor_speed")

    manager = TagManager(app_key="m")
    tags = Named("m", manager, None)
    tags.speed.set(3)
    assert manager._tag_values == {"m": {"motor_speed": 3}}
    assert tags.motor_speed.get() == 3  # found by stored name too


# ---- log triggers -------------------------------------------------------------------------------
def test_typed_helpers_are_keyword_only_and_check_their_triggers() -> None:
    with pytest.raises(TypeError):
        Number(0.0)  # type: ignore[misc]
    with pytest.raises(TypeError, match="Number log_on accepts Cross, Rise, Fall, Delta"):
        Number(log_on=AnyChange())
    with pytest.raises(TypeError, match="Boolean log_on accepts AnyChange, Enter, Exit"):
        Boolean(log_on=Rise(1))
    with pytest.raises(TypeError, match="not supported for tag_type 'object'"):
        Tag("object", log_on=AnyChange())
    with pytest.raises(ValueError, match="exactly one"):
        Delta()
    with pytest.raises(ValueError, match="at least one threshold"):
        Cross()
    assert repr(Rise(80, 10, deadband=4)) == "Rise([10.0, 80.0], deadband=4.0)"
    assert String(log_on=Enter("on")).log_on[0].value == "on"


def _logged(tags_cls: type[Tags], writes: list[Any], attr: str = "x") -> list[Any]:
    """Values of ``attr`` in the log messages, one commit per write."""
    sink: list[Any] = []
    manager = TagManager(app_key="a")
    manager.bind_sink(sink.append)
    manager.tag_log_interval = 10**12  # only the log=True message, never the periodic one
    tags = tags_cls("a", manager, None)
    manager.commit_now()  # the first commit flushes the periodic log; start clean
    sink.clear()
    out = []
    for value in writes:
        getattr(tags, attr).set(value)
        commit = manager.commit_now()
        out.append([m.data["a"][attr] for m in commit.messages])
    return out


def test_rise_with_deadband_logs_once_per_excursion() -> None:
    class T(Tags):
        x = Number(default=0, log_on=Rise(80, deadband=4))

    assert _logged(T, [79, 81, 82, 90, 79, 77, 83, 84]) == [[], [], [82], [], [], [], [83], []]


def test_fall_cross_and_several_thresholds() -> None:
    class F(Tags):
        x = Number(log_on=Fall(10))

    class C(Tags):
        x = Number(log_on=Cross(10, 20))

    assert _logged(F, [5, 15, 9, 12]) == [[], [], [9], []]  # every threshold starts "below"
    assert _logged(C, [15, 25, 5, 5.5]) == [[15], [25], [5], []]


def test_delta_amount_and_percent() -> None:
    class A(Tags):
        x = Number(log_on=Delta(amount=5))

    class P(Tags):
        x = Number(log_on=Delta(percent=10))

    assert _logged(A, [1, 3, 6, 7, 0.5]) == [[1], [], [6], [], [0.5]]
    assert _logged(P, [0, 1, 1.05, 1.2, 1.25]) == [[0], [1], [], [1.2], []]


def test_state_triggers() -> None:
    class B(Tags):
        x = Boolean(default=False, log_on=[Enter(True), Exit(True)])

    class S(Tags):
        x = String(log_on=AnyChange())

    class E(Tags):
        x = String(default="idle", log_on=Exit("idle"))

    assert _logged(B, [False, True, True, False]) == [[], [True], [], [False]]
    assert _logged(S, ["a", "a", "b"]) == [["a"], [], ["b"]]
    assert _logged(E, ["idle", "run", "idle", "stop"]) == [[], ["run"], [], ["stop"]]


def test_triggers_keep_state_per_tags_instance() -> None:
    class T(Tags):
        x = Number(log_on=Rise(10))

    one, two = TagManager(app_key="a"), TagManager(app_key="a")
    t1, t2 = T("a", one, None), T("a", two, None)
    t1.x.set(20)
    t2.x.set(20)
    assert one._pending_immediate_log == two._pending_immediate_log == {"a": {"x": 20}}


# ---- remote tags --------------------------------------------------------------------------------
class _Field:
    def __init__(self, value: Any) -> None:
        self.value = value
        self._value = value


class TagRef:
    """Duck-typed stand-in for ``config.TagRef`` (the config area provides the real one)."""

    def __init__(self, reference_name: str, app_name: str, tag_name: str, agent_id: Any = None) -> None:
        self.reference_name = _Field(reference_name)
        self.app_name = _Field(app_name)
        self.tag_name = _Field(tag_name)
        self.agent_id = _Field(agent_id)


class _Config:
    def __init__(self, **elements: Any) -> None:
        self._element_map = elements


class Remote(Tags):
    upstream = RemoteTag("boolean", reference_name="pump_status", default=False)


def test_remote_tag_reads_writes_and_mirrors_the_upstream_tag() -> None:
    manager = TagManager(app_key="me")
    manager.set_tag("running", True, app_key="pump")
    tags = Remote("me", manager, _Config(ref=TagRef("pump_status", "pump", "running")))
    with pytest.raises(RuntimeError, match="not been resolved"):
        tags.upstream.get()
    run(tags._resolve_remote_tags())
    assert tags.upstream.get() is True
    assert manager.get_tag("pump_status", app_key="me") is True  # mirrored locally
    tags.upstream.set(False)
    assert manager.get_tag("running", app_key="pump") is False


def test_remote_tag_errors_and_optional() -> None:
    with pytest.raises(ValueError, match="reference_name='pump_status'"):
        run(Remote("me", TagManager(), _Config())._resolve_remote_tags())

    class Optional(Tags):
        up = RemoteTag("number", reference_name="nope", optional=True)

    tags = Optional("me", TagManager(), _Config())
    run(tags._resolve_remote_tags())
    assert tags.up.get() is None
    tags.up.set(3)  # silently nothing, as in pydoover
    cross = Remote("me", TagManager(), _Config(ref=TagRef("pump_status", "pump", "running", agent_id="42")))
    run(cross._resolve_remote_tags())
    with pytest.raises(NotImplementedError, match="Cross-agent RemoteTag"):
        cross.upstream.get()


# ---- doover_fsm's extras ------------------------------------------------------------------------
def test_extra_typed_helpers() -> None:
    class X(Tags):
        n = Integer(default=1, log_on=Rise(5))
        o = Object(default=None)
        a = Array()

    assert X.n.tag_type == "integer" and X.o.tag_type == "object" and X.a.tag_type == "array"
    tags = X("a", TagManager(app_key="a"), None)
    tags.o.set({"a": 1})
    tags.o.set({"b": 2})  # dicts merge, as in Doover's aggregate
    tags.a.value = (1, 2)
    assert tags.o.get() == {"a": 1, "b": 2} and tags.a.get() == [1, 2]


def test_declaration_errors_name_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="tag_type must be a str"):
        Tag(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name 'bad name'"):
        Tag("number", name="bad name")


def test_remote_tags_with_the_config_tag_ref() -> None:
    from pydoover import config

    class Cfg(config.Schema):
        upstream_pump = config.TagRef("Upstream Pump")

    filled = Cfg()
    filled._inject_deployment_config({"upstream_pump": {
        "reference_name": "pump_status", "agent_id": None, "app_name": "pump", "tag_name": "running"}})
    manager = TagManager(app_key="me")
    manager.set_tag("running", True, app_key="pump")
    tags = Remote("me", manager, filled)
    run(tags._resolve_remote_tags())
    assert tags.upstream.get() is True and manager.get_tag("pump_status", app_key="me") is True
    with pytest.raises(ValueError, match="no TagRef with that reference_name"):
        run(Remote("me", manager, Cfg())._resolve_remote_tags())  # a blank TagRef matches nothing
