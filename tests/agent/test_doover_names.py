"""pydoover's DeviceAgentInterface names on doover_fsm's agents (local SQLite, MQTT-less memory, mock).

Every test drives an agent the way a pydoover app or app test does (the exact call forms), and
the signatures are compared with pydoover 1.18's (and 0.4's for the 0.4 names).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from doover_fsm.agent.base import Agent, ChannelEvent
from doover_fsm.agent.doover_events import (
    AggregateUpdateEvent,
    ChannelSyncEvent,
    MessageCreateEvent,
    MessageUpdateEvent,
    OneShotMessage,
)
from doover_fsm.agent.interface import DeviceAgentInterface, MockDeviceAgentInterface, unbound_interface
from doover_fsm.agent.local import LocalAgent
from doover_fsm.agent.memory import MemoryAgent
from doover_fsm.agent.models import Aggregate, ChannelID, EventSubscription, Message, NotFoundError
from doover_fsm.errors import AgentError, ChannelMessageError
from tests._mosquitto import Mosquitto
from tests.compat._oracle import run_in_oracle


@pytest.fixture(params=["local", "memory", "mock", pytest.param("mqtt", marks=pytest.mark.integration)])
async def agent(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Agent]:
    broker = None
    if request.param == "local":
        a: Agent = LocalAgent(tmp_path / "ch.db")
    elif request.param == "memory":
        a = MemoryAgent()
    elif request.param == "mock":
        a = MockDeviceAgentInterface("test_app", "localhost:50051")
    else:
        from doover_fsm.agent.mqtt import MqttAgent

        broker = Mosquitto(tmp_path)
        broker.start()
        a = MqttAgent(broker.url, store_path=tmp_path / "mqtt.sqlite3", device_id="dev1", agent_id="names")
    await a.start()
    if broker is not None:
        for _ in range(1500):
            if a.is_online:
                break
            await asyncio.sleep(0.01)
    yield a
    await a.close()
    if broker is not None:
        broker.stop()


async def until(pred: Any, timeout: float = 15.0) -> None:
    """Wait until ``pred()`` holds: callbacks reach the loop from agent threads (the machine may be busy)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not pred():
        assert loop.time() < deadline, "timed out waiting for the agent's callbacks"
        await asyncio.sleep(0.005)


async def settle(n: int = 5) -> None:
    """Let already-due callbacks run (used only where nothing more should arrive)."""
    for _ in range(n):
        await asyncio.sleep(0.01)


# --- aggregates ----------------------------------------------------------------------------------
async def test_update_and_fetch_channel_aggregate_return_pydoover_aggregates(agent: Agent) -> None:
    got = await agent.update_channel_aggregate("state", {"pump": {"on": True, "rpm": 1200}, "mode": "auto"})
    assert isinstance(got, Aggregate) and got.data == {"pump": {"on": True, "rpm": 1200}, "mode": "auto"}
    await agent.update_channel_aggregate("state", {"pump": {"rpm": None}, "mode": "manual"})
    fetched = await agent.fetch_channel_aggregate("state")
    assert isinstance(fetched, Aggregate) and fetched.attachments == []
    assert fetched.data == {"pump": {"on": True}, "mode": "manual"}  # deep merge, None deletes
    assert await agent.update_channel_aggregate("state", {"x": 1}, replace_data=True, return_aggregate=False) is None
    assert (await agent.fetch_channel_aggregate("state")).data == {"x": 1}
    assert (await agent.fetch_channel_aggregate("never_written")).data == {}


async def test_update_channel_aggregate_replace_keys_swaps_a_subtree_in_one_write(agent: Agent) -> None:
    await agent.update_channel_aggregate("ui_state", {"state": {"children": {"app": {"a": 1, "b": 2}}, "keep": 1}})
    seen: list[ChannelEvent] = []
    agent.add_listener("ui_state", seen.append)
    await until(lambda: [e.kind for e in seen] == ["sync"])
    seen.clear()
    new = await agent.update_channel_aggregate("ui_state", {"state": {"children": {"app": {"c": 3}}}},
                                               replace_keys=["state.children.app"])
    assert new is not None and new.data == {"state": {"children": {"app": {"c": 3}}, "keep": 1}}
    await until(lambda: bool(seen))
    await settle()
    assert [e.kind for e in seen] == ["aggregate"]  # one write, never a cleared state in between


async def test_update_channel_aggregate_rejects_what_pydoover_rejects(agent: Agent) -> None:
    with pytest.raises(ValueError, match="must be a dict"):
        await agent.update_channel_aggregate("c", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'bad key'"):
        await agent.update_channel_aggregate("c", {"ok": {"bad key": 1}})
    with pytest.raises(AgentError, match="agent_id"):
        await agent.update_channel_aggregate("c", {"a": 1}, agent_id=42)
    with pytest.raises(ValueError, match="qos"):
        await agent.update_channel_aggregate("c", {"a": 1}, qos=5)


# --- messages ------------------------------------------------------------------------------------
async def test_create_update_fetch_list_messages_in_pydoover_forms(agent: Agent) -> None:
    mid = await agent.create_message("alarms", {"text": "high", "level": 1},
                                     timestamp=datetime(2026, 1, 1, tzinfo=UTC))
    assert isinstance(mid, str) and len(mid) == 26
    updated = await agent.update_message("alarms", mid, {"level": 2})
    assert isinstance(updated, Message) and updated.id == mid and updated.data == {"text": "high", "level": 2}
    assert updated.channel.name == "alarms" and updated.attachments == []
    replaced = await agent.update_message("alarms", mid, {"only": True}, replace_data=True)
    assert replaced.data == {"only": True}
    fetched = await agent.fetch_message("alarms", mid)
    assert fetched.data == {"only": True} and fetched.timestamp is not None
    with pytest.raises(NotFoundError):
        await agent.fetch_message("alarms", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    second = await agent.create_message("alarms", {"text": "low", "n": 2})
    listed = await agent.list_messages("alarms")
    assert [m.id for m in listed] == [mid, second] and all(isinstance(m, Message) for m in listed)
    assert [m.data for m in await agent.list_messages("alarms", limit=1)] == [{"text": "low", "n": 2}]
    assert [m.id for m in await agent.list_messages("alarms", after=mid)] == [second]
    assert [m.id for m in await agent.list_messages("alarms", before=second)] == [mid]
    assert [m.data for m in await agent.list_messages("alarms", field_names="n")] == [{}, {"n": 2}]


async def test_doover_fsm_forms_of_the_shared_names_still_work(agent: Agent) -> None:
    mid = await agent.create_message("log", {"i": 1}, author="me")
    await agent.update_message("log", mid, {"i": 2}, replace=True, author="me")
    record = await agent.get_message("log", mid)
    assert record is not None and record.data == {"i": 2} and record.author == "me"
    assert [m.data for m in await agent.list_messages("log", limit=10)] == [{"i": 2}]


async def test_files_and_other_agents_are_refused_clearly(agent: Agent) -> None:
    with pytest.raises(NotImplementedError, match="attachments"):
        await agent.create_message("c", {"a": 1}, files=[object()])  # type: ignore[list-item]
    with pytest.raises(AgentError, match="agent_id"):
        await agent.fetch_channel_aggregate("c", agent_id=7)
    with pytest.raises(TypeError, match="timestamp"):
        await agent.create_message("c", {"a": 1}, timestamp=12345)  # type: ignore[arg-type]


async def test_send_oneshot_message_returns_true_and_stores_nothing(agent: Agent) -> None:
    got: list[Any] = []

    async def cb(event: Any) -> None:
        got.append(event)

    agent.add_event_callback("live", cb, EventSubscription.oneshot_message)
    await settle()
    assert await agent.send_oneshot_message("live", {"v": 1}) is True
    await until(lambda: bool(got))
    assert len(got) == 1 and isinstance(got[0], OneShotMessage) and isinstance(got[0], MessageCreateEvent)
    assert got[0].message.data == {"v": 1}
    assert await agent.list_messages("live") == []


# --- event callbacks -----------------------------------------------------------------------------
async def test_add_event_callback_delivers_pydoover_shaped_events_by_flag(agent: Agent) -> None:
    events: list[Any] = []

    async def on_event(event: Any) -> None:
        events.append(event)

    await agent.update_channel_aggregate("cmds", {"seed": 1})
    agent.add_event_callback("cmds", on_event)
    only_aggs: list[Any] = []
    agent.add_event_callback("cmds", lambda e: only_aggs.append(e), EventSubscription.aggregate_update)
    await until(lambda: len(events) == 1)
    mid = await agent.create_message("cmds", {"go": 1})
    await agent.update_message("cmds", mid, {"status": "ok"})
    await agent.update_channel_aggregate("cmds", {"b": 2})
    await until(lambda: len(events) == 4 and len(only_aggs) == 1)
    sync, create, update, agg = events
    assert isinstance(sync, ChannelSyncEvent) and sync.aggregate.data == {"seed": 1}
    assert isinstance(create, MessageCreateEvent) and not isinstance(create, OneShotMessage)
    assert create.channel.name == "cmds" and create.message.id == mid and create.message.data == {"go": 1}
    assert isinstance(update, MessageUpdateEvent) and update.message.data == {"go": 1, "status": "ok"}
    assert update.request_data == {"status": "ok"}
    assert isinstance(agg, AggregateUpdateEvent) and agg.aggregate.data == {"seed": 1, "b": 2}
    assert agg.request_data.data == {"b": 2} and not isinstance(agg, MessageCreateEvent)
    assert [type(e).__name__ for e in only_aggs] == ["ChannelEvent"] and isinstance(only_aggs[0], AggregateUpdateEvent)


async def test_add_subscription_0_4_gets_channel_name_and_aggregate(agent: Agent) -> None:
    calls: list[tuple[str, Any]] = []

    async def on_update(name: str, data: Any) -> None:
        calls.append((name, data))

    agent.add_subscription("schedules", on_update)
    await until(lambda: len(calls) == 1)
    assert await agent.publish_to_channel("schedules", {"schedules": []}) is True
    await until(lambda: len(calls) == 2)
    assert calls == [("schedules", {}), ("schedules", {"schedules": []})]
    assert await agent.get_channel_aggregate("schedules") == {"schedules": []}  # awaited …
    sync_read = agent.get_channel_aggregate("schedules")  # … or not (0.4 sync apps)
    assert sync_read == {"schedules": []} and sync_read["schedules"] == [] and isinstance(sync_read, dict)
    assert await agent.get_channel_aggregate_async("schedules") == {"schedules": []}
    assert [m.data for m in await agent.list_messages("schedules")] == [{"schedules": []}]


async def test_publish_to_channel_from_sync_code_runs_without_await(agent: Agent) -> None:
    def sync_main_loop() -> None:
        agent.publish_to_channel("notes", '{"a": 1}', record_log=False)  # JSON text of a dict merges

    sync_main_loop()
    await until(lambda: agent.get_aggregate("notes") == {"a": 1})
    await agent.publish_to_channel_async("notes", "Battery voltage is low")  # plain text replaces
    assert agent.get_aggregate("notes") == "Battery voltage is low"


async def test_status_names_and_sync_waits(agent: Agent) -> None:
    assert agent.get_is_dda_available() and agent.get_is_dda_online() and agent.get_has_dda_been_online()
    assert agent.is_dda_available and agent.is_dda_online and agent.has_dda_been_online
    assert agent.has_persistent_connection() is True
    assert await agent.wait_until_healthy() is True
    assert await agent.wait_for_channels_sync(["deployment_config", "ui_cmds"], timeout=1) is True
    assert await agent.wait_for_channels_sync_async(["deployment_config"]) is True
    assert agent.is_channel_synced("anything") is True
    assert await agent.await_dda_available() is True and await agent.await_dda_available_async(1) is True
    agent.is_dda_online = False  # a test may force it, as pydoover's mock assigns it
    assert agent.get_is_dda_online() is False
    del agent.is_dda_online
    assert agent.get_is_dda_online() is True


async def test_a_closed_agent_is_not_available(tmp_path: Path) -> None:
    a = LocalAgent(tmp_path / "x.db")
    assert a.get_is_dda_available() is False
    assert await a.wait_until_healthy(timeout=0.05) is False
    await a.start()
    assert a.get_is_dda_available() is True
    await a.close()
    assert a.get_is_dda_available() is False and a.get_is_dda_online() is False


# --- the classes ---------------------------------------------------------------------------------
def test_every_agent_is_a_device_agent_interface(tmp_path: Path) -> None:
    assert isinstance(LocalAgent(tmp_path / "a.db"), DeviceAgentInterface)
    assert isinstance(MemoryAgent(), DeviceAgentInterface)
    assert issubclass(MockDeviceAgentInterface, DeviceAgentInterface)
    assert not isinstance(object(), DeviceAgentInterface) and not issubclass(dict, Agent)


async def test_constructed_interface_waits_for_its_agent_then_forwards(tmp_path: Path) -> None:
    iface = DeviceAgentInterface("my_app", "127.0.0.1:50051")
    assert unbound_interface(iface) is iface and unbound_interface(MemoryAgent()) is None
    assert iface.get_is_dda_available() is False
    with pytest.raises(AgentError, match="binds the device's agent"):
        await iface.fetch_channel_aggregate("c")
    local = LocalAgent(tmp_path / "b.db")
    iface.bind(local)
    assert unbound_interface(iface) is None
    await iface.start()
    await iface.update_channel_aggregate("c", {"a": 1})
    assert local.get_aggregate("c") == {"a": 1}
    mid = await iface.create_message("c", {"m": 1})
    assert (await iface.update_message("c", mid, {"n": 2})).data == {"m": 1, "n": 2}
    assert [m.id for m in await iface.list_messages("c", limit=5)] == [mid]
    assert iface.agent_id == local.agent_id
    iface.agent_id = 12345  # pydoover's Application assigns the deployment's AGENT_ID
    assert iface.agent_id == 12345
    await iface.close()


async def test_subclassing_the_interface_captures_calls() -> None:
    class Capture(MockDeviceAgentInterface):
        def __init__(self) -> None:
            super().__init__("cap")
            self.sent: list[tuple[str, Any]] = []

        async def create_message(self, channel_name: str, data: Any, *args: Any, **kw: Any) -> str:  # type: ignore[override]
            self.sent.append((channel_name, data))
            return await super().create_message(channel_name, data, *args, **kw)

    cap = Capture()
    await cap.create_message("notifications", {"message": "hi"})
    assert cap.sent == [("notifications", {"message": "hi"})]


async def test_mock_test_double_views_work_without_start() -> None:
    mock = MockDeviceAgentInterface(app_key="test", dda_uri="localhost:50051")
    mock._aggregates["my_ch"] = Aggregate(data={"status": "ok"}, attachments=[], last_updated=None)
    result = await mock.fetch_channel_aggregate("my_ch")
    assert isinstance(result, Aggregate) and result.data == {"status": "ok"}
    await mock.update_channel_aggregate("my_ch", {"b": 2})
    assert mock._aggregates["my_ch"].data == {"status": "ok", "b": 2}
    mock.channels["deployment_config"] = {"applications": {}}  # 0.4 tests seed this way
    assert mock.get_channel_aggregate("deployment_config") == {"applications": {}}
    assert "deployment_config" in mock.channels and len(mock._aggregates) == 2
    assert await mock.wait_for_channels_sync(["a", "b"]) is True


async def test_mock_connection_changes_reach_listeners() -> None:
    mock = MockDeviceAgentInterface("t")
    seen: list[bool] = []
    mock.on_connection_change(seen.append)
    mock.set_online(False)
    assert seen == [False] and mock.get_is_dda_online() is False
    mock.set_online(True)
    assert seen == [False, True] and mock.get_has_dda_been_online() is True


def test_channel_event_reads_as_pydoover_event() -> None:
    ev = ChannelEvent("aggregate", "tag_values", {"a": 1}, patch={"a": 1}, author="app", ts=1_700_000_000.0)
    assert ev.channel == "tag_values" and ev.channel.name == "tag_values" and ev.channel_name == "tag_values"
    assert isinstance(ev.channel, ChannelID) and hash(ev.channel) == hash("tag_values")
    assert ev.aggregate.data == {"a": 1} and ev.aggregate.last_updated is not None
    assert ev.author_id == "app" and ev.to_dict()["request_data"]["data"] == {"a": 1}
    assert not hasattr(ev, "message")  # as pydoover's AggregateUpdateEvent
    msg = ChannelEvent("message_create", "ui_cmds", {"type": "rpc"}, message_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert msg.message.id == "01ARZ3NDEKTSV4RRFFQ69G5FAV" and msg.message.channel.name == "ui_cmds"
    assert msg.to_dict()["message"]["data"] == {"type": "rpc"} and not hasattr(msg, "aggregate")


def test_constructed_pydoover_events_keep_pydoover_shapes() -> None:
    m = Message(7, 3, ChannelID(1, "cmds"), {"x": 1}, [])
    ev = MessageCreateEvent(ChannelID(1, "cmds"), m)
    assert ev.to_dict() == {"channel": {"agent_id": 1, "name": "cmds"},
                            "message": {"id": 7, "author_id": 3, "channel": {"agent_id": 1, "name": "cmds"},
                                        "data": {"x": 1}, "attachments": []}}
    back = MessageCreateEvent.from_dict(ev.to_dict())
    assert back.message.data == {"x": 1} and back.channel.name == "cmds" and isinstance(back, MessageCreateEvent)
    assert isinstance(ChannelSyncEvent(Aggregate({}, [], None)), ChannelSyncEvent)
    assert not isinstance(ev, OneShotMessage)


def test_bad_callbacks_are_rejected_naming_the_channel() -> None:
    mock = MockDeviceAgentInterface("t")
    with pytest.raises(TypeError, match=r"'c'.*not callable"):
        mock.add_event_callback("c", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="EventSubscription"):
        mock.add_event_callback("c", lambda e: None, "all")  # type: ignore[arg-type]
    with pytest.raises(ChannelMessageError, match="invalid channel name"):
        mock.add_subscription("bad channel", lambda n, d: None)


# --- signatures against the oracles ---------------------------------------------------------------
_PARAMS_CODE = """
import importlib, inspect
def run(name):
    mod, _, attr = name.rpartition(":")
    obj = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return [[p.name, p.kind.name, repr(p.default)] for p in inspect.signature(obj).parameters.values()]
"""


def _params(obj: Any) -> list[list[str]]:
    """Parameter names, kinds and default reprs (annotations differ in spelling, not in meaning)."""
    return [[p.name, p.kind.name, repr(p.default)] for p in inspect.signature(obj).parameters.values()]


def _oracle_params(names: list[str], version: str = "1.18") -> dict[str, list[list[str]]]:
    full = [f"pydoover.docker.device_agent:DeviceAgentInterface.{n}" for n in names]
    res = run_in_oracle(_PARAMS_CODE, full, version)
    assert all("ok" in r for r in res), res
    return {n: r["ok"] for n, r in zip(names, res, strict=True)}


#: pydoover name → doover_fsm object whose signature must match (1.18).
SAME_1_18 = {
    "get_is_dda_available": DeviceAgentInterface.get_is_dda_available,
    "get_is_dda_online": DeviceAgentInterface.get_is_dda_online,
    "get_has_dda_been_online": DeviceAgentInterface.get_has_dda_been_online,
    "wait_until_healthy": DeviceAgentInterface.wait_until_healthy,
    "add_event_callback": DeviceAgentInterface.add_event_callback,
    "is_channel_synced": DeviceAgentInterface.is_channel_synced,
    "wait_for_channels_sync": DeviceAgentInterface.wait_for_channels_sync,
    "fetch_channel_aggregate": DeviceAgentInterface.fetch_channel_aggregate,
    "fetch_message": DeviceAgentInterface.fetch_message,
    "list_messages": DeviceAgentInterface.list_messages,
    "has_persistent_connection": DeviceAgentInterface.has_persistent_connection,
    "close": DeviceAgentInterface.close,
}
#: Shared names: pydoover's parameters first, then doover_fsm's keyword-only extras.
EXTENDED_1_18 = {
    "__init__": (DeviceAgentInterface.__init__, ["is_async"]),
    "create_message": (DeviceAgentInterface.create_message, ["author"]),
    "update_message": (DeviceAgentInterface.update_message, ["replace", "author"]),
    "update_channel_aggregate": (DeviceAgentInterface.update_channel_aggregate, ["author"]),
    "send_oneshot_message": (DeviceAgentInterface.send_oneshot_message, ["author"]),
}
SAME_0_4 = {
    "add_subscription": DeviceAgentInterface.add_subscription,
    "get_channel_aggregate_async": DeviceAgentInterface.get_channel_aggregate_async,
    "await_dda_available_async": DeviceAgentInterface.await_dda_available_async,
    "wait_for_channels_sync_async": DeviceAgentInterface.wait_for_channels_sync_async,
}


def test_signatures_match_pydoover_1_18() -> None:
    oracle = _oracle_params([*SAME_1_18, *EXTENDED_1_18])
    for name, obj in SAME_1_18.items():
        assert _params(obj) == oracle[name], name
    for name, (obj, extras) in EXTENDED_1_18.items():
        ours, theirs = _params(obj), oracle[name]
        assert ours[:len(theirs)] == theirs, name
        assert [p[0] for p in ours[len(theirs):]] == extras, name
        assert all(p[1] == "KEYWORD_ONLY" for p in ours[len(theirs):]), name
    mock_init = run_in_oracle(_PARAMS_CODE, ["pydoover.docker.device_agent:MockDeviceAgentInterface.__init__"])
    assert _params(MockDeviceAgentInterface.__init__) == mock_init[0]["ok"]
    # The same methods on the agents themselves (adapted from doover_fsm's form).
    for name in ("create_message", "update_message", "list_messages"):
        assert _params(getattr(LocalAgent, name)) == _params(getattr(DeviceAgentInterface, name)), name


def test_signatures_match_pydoover_0_4() -> None:
    sync_names = ["get_channel_aggregate", "await_dda_available"]
    extended = ["publish_to_channel", "publish_to_channel_async"]  # + keyword-only author=
    oracle = _oracle_params([*SAME_0_4, *sync_names, *extended], version="0.4")
    for name, obj in SAME_0_4.items():
        assert _params(obj) == oracle[name], name
    for name in sync_names:
        assert _params(getattr(DeviceAgentInterface, name)) == oracle[name], name
    for name in extended:
        ours = _params(getattr(DeviceAgentInterface, name))
        assert ours[:-1] == oracle[name] and ours[-1][:2] == ["author", "KEYWORD_ONLY"], name


# --- documented differences (docs/compat/agentutil.md), one test each ------------------------------
async def test_difference_mock_merges_and_stores_like_the_real_agent() -> None:
    """pydoover's mock does a shallow ``dict.update`` and returns 0 from create_message; ours behaves as an agent."""
    mock = MockDeviceAgentInterface("t")
    await mock.update_channel_aggregate("c", {"a": {"x": 1, "y": 2}, "b": 1})
    await mock.update_channel_aggregate("c", {"a": {"y": None}, "b": None})
    assert (await mock.fetch_channel_aggregate("c")).data == {"a": {"x": 1}}
    mid = await mock.create_message("c", {"m": 1})
    assert mid != 0 and [m.data for m in await mock.list_messages("c")] == [{"m": 1}]


async def test_difference_0_4_mock_publish_merges_into_the_aggregate() -> None:
    """pydoover 0.4's mock replaced ``channels[name]`` with each message; the 0.4 agent merged it, as ours does."""
    mock = MockDeviceAgentInterface("t")
    await mock.publish_to_channel("c", {"a": 1})
    await mock.publish_to_channel("c", {"b": 2})
    assert mock.channels["c"] == {"a": 1, "b": 2}


async def test_difference_create_message_timestamp_is_validated_not_stored() -> None:
    """The stored time is the agent's clock: a local store keeps the order messages really arrived in."""
    agent = MemoryAgent(started=True)
    mid = await agent.create_message("c", {"a": 1}, timestamp=datetime(2020, 1, 1, tzinfo=UTC))
    msg = await agent.fetch_message("c", mid)
    assert msg.timestamp is not None and msg.timestamp.year >= 2026


async def test_difference_message_data_may_be_any_json() -> None:
    """pydoover's create_message demands a dict with ``[a-zA-Z0-9_-]`` keys; doover_fsm stores any JSON message."""
    agent = MemoryAgent(started=True)
    mid = await agent.create_message("log", [1, {"free text key": 2}])
    assert (await agent.fetch_message("log", mid)).data == [1, {"free text key": 2}]


def test_difference_doover_api_error_is_an_agent_error() -> None:
    from doover_fsm.agent.models import DooverAPIError, HTTPError

    err = NotFoundError("Channel not found")
    assert isinstance(err, HTTPError) and isinstance(err, DooverAPIError) and isinstance(err, AgentError)
    assert err.status == 404 and str(err) == "HTTP 404 on : Channel not found"


async def test_difference_last_updated_is_known_after_a_write_only() -> None:
    agent = MemoryAgent(started=True)
    written = await agent.update_channel_aggregate("c", {"a": 1})
    assert written is not None and written.last_updated is not None
    assert (await agent.fetch_channel_aggregate("c")).last_updated is None


# --- through an Application, as a pydoover app's own test does -------------------------------------
async def test_a_pydoover_style_app_runs_on_the_mock_agent() -> None:
    from doover_fsm import Application, run_app

    class PdApp(Application):
        async def setup(self) -> None:
            self.seen: list[tuple[str, str, Any]] = []
            self.device_agent.add_event_callback("cmds", self.on_cmd, EventSubscription.message_create)
            await self.subscribe("alarms")

        async def on_cmd(self, event: Any) -> None:
            self.seen.append(("callback", event.channel.name, event.message.data))

        async def on_message_create(self, event: Any) -> None:
            assert isinstance(event, MessageCreateEvent)
            self.seen.append(("hook", event.channel.name, event.message.data))

        async def main_loop(self) -> None:
            agg = await self.device_agent.fetch_channel_aggregate("levels")
            await self.device_agent.update_channel_aggregate("levels", {"n": agg.data.get("n", 0) + 1})

    mock = MockDeviceAgentInterface("pd_app")
    app = PdApp(app_key="pd_app", device_agent=mock, test_mode=True)
    task = asyncio.get_running_loop().create_task(run_app(app, start=False, setup_logging=False))
    try:
        await asyncio.wait_for(app.wait_until_ready(), 30)
        await mock.create_message("cmds", {"go": 1})
        await mock.create_message("alarms", {"level": 3})
        await app.next()
        await until(lambda: len(app.seen) >= 2)
        await app.next()
        assert ("callback", "cmds", {"go": 1}) in app.seen and ("hook", "alarms", {"level": 3}) in app.seen
        assert mock._aggregates["levels"].data == {"n": 2}
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 30)


async def test_callbacks_registered_before_the_loop_still_run(tmp_path: Path) -> None:
    got: list[Any] = []

    def register(agent: Agent) -> None:  # e.g. from an app's __init__, before anything runs
        agent.add_subscription("c", lambda name, data: got.append((name, data)))

    local = LocalAgent(tmp_path / "early.db")
    await asyncio.to_thread(register, local)
    await local.start()
    await until(lambda: len(got) == 1)  # the sync, from the agent's loop
    await local.update_channel_aggregate("c", {"a": 1})
    await until(lambda: len(got) == 2)
    assert got == [("c", {}), ("c", {"a": 1})]
    await local.close()


async def test_pydoover_form_overrides_take_the_runtime_keywords_too() -> None:
    class Capture(MockDeviceAgentInterface):
        def __init__(self) -> None:
            super().__init__("cap")
            self.calls: list[tuple[Any, ...]] = []

        async def create_message(self, channel_name: str, data: Any) -> int:  # type: ignore[override]
            self.calls.append(("create", channel_name, data))
            return 0

        async def update_message(self, channel_name: str, message_id: Any, data: Any,  # type: ignore[override]
                                 replace_data: bool = False) -> None:
            self.calls.append(("update", channel_name, message_id, data, replace_data))

    cap = Capture()
    assert await cap.create_message("notifications", {"m": 1}) == 0  # pydoover's form
    assert await cap.create_message("notifications", {"m": 2}, author="app") == 0  # what the runtime passes
    await cap.update_message("ui_cmds", "id1", {"status": "ok"}, replace=True, author="app")
    assert cap.calls == [("create", "notifications", {"m": 1}), ("create", "notifications", {"m": 2}),
                         ("update", "ui_cmds", "id1", {"status": "ok"}, True)]
    assert list(inspect.signature(Capture.create_message).parameters) == ["self", "channel_name", "data"]


async def test_author_names_the_writer(agent: Agent) -> None:
    seen: list[ChannelEvent] = []
    agent.add_listener("c", seen.append)
    await until(lambda: bool(seen))
    await agent.update_channel_aggregate("c", {"a": 1}, author="pump_app")
    await agent.publish_to_channel_async("c", {"b": 2}, author="pump_app")
    await agent.send_oneshot_message("c", {"ping": 1}, author="pump_app")
    await until(lambda: len(seen) == 5)
    assert [(e.kind, e.author) for e in seen[1:]] == [("aggregate", "pump_app"), ("aggregate", "pump_app"),
                                                      ("message_create", "pump_app"), ("oneshot", "pump_app")]


# --- the mock, differential against pydoover's own mock --------------------------------------------
MOCK_SCRIPT = """
import asyncio
from pydoover.docker import MockDeviceAgentInterface
from pydoover.models import Aggregate

def run(case):
    async def go():
        mock = MockDeviceAgentInterface("test_app", "localhost:50051")
        out = [mock.get_is_dda_available(), mock.get_is_dda_online(), mock.get_has_dda_been_online(),
               mock.is_dda_online, mock.has_persistent_connection()]
        for channel, seed in case["seed"].items():
            mock._aggregates[channel] = Aggregate(data=seed, attachments=[], last_updated=None)
        for channel, patch in case["updates"]:
            agg = await mock.update_channel_aggregate(channel, patch)
            out.append([type(agg).__name__, agg.data, agg.attachments])
        for channel in case["fetch"]:
            agg = await mock.fetch_channel_aggregate(channel)
            out.append([type(agg).__name__, agg.data, agg.attachments, agg.last_updated])
        out.append(await mock.wait_for_channels_sync(case["fetch"], timeout=1))
        out.append(sorted(mock._aggregates))
        out.append({k: mock._aggregates[k].data for k in mock._aggregates})
        return out
    return asyncio.run(go())
"""


def _flat_cases(n: int) -> list[dict[str, Any]]:
    """Updates whose shallow ``dict.update`` (pydoover's mock) and deep merge (an agent) agree."""
    import random

    rng = random.Random(7)
    values = [1, 2.5, "x", True, [1, 2], "", 0]
    cases = []
    for _ in range(n):
        channels = rng.sample(["a", "b", "tag_values", "ui_state"], 2)
        seed = {channels[0]: {k: rng.choice(values) for k in rng.sample("pqrs", 2)}} if rng.random() < 0.5 else {}
        updates = [[rng.choice(channels), {k: rng.choice(values) for k in rng.sample("pqrs", rng.randint(1, 3))}]
                   for _ in range(rng.randint(1, 4))]
        cases.append({"seed": seed, "updates": updates, "fetch": [*channels, "never_written"]})
    return cases


def test_mock_matches_pydoovers_mock_where_they_agree() -> None:
    from tests.compat._oracle import run_here

    cases = _flat_cases(40)
    theirs = run_in_oracle(MOCK_SCRIPT, cases)
    ours = run_here(MOCK_SCRIPT, cases)
    assert ours == theirs


MOCK_04_SCRIPT = """
import asyncio, json
from pydoover.docker import MockDeviceAgentInterface

def run(case):
    mock = MockDeviceAgentInterface("test_app")
    for channel, data in case.items():
        mock.channels[channel] = data
    out = [mock.get_is_dda_available(), mock.get_is_dda_online(), mock.get_has_dda_been_online()]
    for channel in [*case, "missing"]:
        got = mock.get_channel_aggregate(channel)  # a 0.4 app's sync call
        out.append(json.loads(json.dumps(got)))
    out.append(asyncio.run(mock.await_dda_available_async(1)))
    return out
"""


def test_0_4_mock_reads_match_pydoover_0_4() -> None:
    from tests.compat._oracle import run_here

    cases: list[Any] = [{}, {"schedules": {"schedules": []}}, {"a": {"x": 1}, "b": "text"}]
    assert run_here(MOCK_04_SCRIPT, cases) == run_in_oracle(MOCK_04_SCRIPT, cases, "0.4")


async def test_0_4_getters_work_awaited_and_not() -> None:
    from doover_fsm.agent.doover_api import awaitable_value

    for value in ({"a": 1}, [1, 2], "text"):
        plain = awaitable_value(value)
        assert plain == value and isinstance(plain, type(value))  # sync callers index/iterate it
        awaited = await awaitable_value(value)
        assert awaited == value and type(awaited) is type(value)
    for scalar in (5, None, True):
        assert awaitable_value(scalar).value == scalar and await awaitable_value(scalar) == scalar


def test_resolve_device_agent_keeps_the_apps_object(tmp_path: Path) -> None:
    from doover_fsm.agent.interface import resolve_device_agent

    made: list[Agent] = []

    def make() -> Agent:
        made.append(LocalAgent(tmp_path / f"{len(made)}.db"))
        return made[-1]

    assert resolve_device_agent(None, make) is made[0]
    mock = MockDeviceAgentInterface("t")
    assert resolve_device_agent(mock, make) is mock and len(made) == 1  # already has its agent
    iface = DeviceAgentInterface("app", "127.0.0.1:50051")
    assert resolve_device_agent(iface, make) is iface and iface.bound_agent is made[1]
    local = LocalAgent(tmp_path / "own.db")
    assert resolve_device_agent(local, make) is local and len(made) == 2


async def test_callback_runner_hands_callbacks_to_the_runtime_in_order() -> None:
    agent = MemoryAgent(started=True)
    thunks: list[Any] = []
    agent.doover_callback_runner = thunks.append
    got: list[Any] = []

    async def on_event(event: Any) -> None:
        got.append((event.kind, event.data))

    agent.add_event_callback("c", on_event, EventSubscription.aggregate_update | EventSubscription.message_create)
    await agent.update_channel_aggregate("c", {"a": 1})
    await agent.create_message("c", {"m": 1})
    assert got == [] and len(thunks) == 2  # nothing ran on its own
    for thunk in thunks:  # what a scan would do with the posted events
        await thunk()
    assert got == [("aggregate", {"a": 1}), ("message_create", {"m": 1})]
