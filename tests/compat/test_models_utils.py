"""``pydoover.models``, ``pydoover.utils`` and ``pydoover.rpc`` on doover_fsm, differential against pydoover.

Each differential test runs the same script in the pydoover oracle and here (``run_here``, with
``pydoover`` answered by doover_fsm) on generated inputs and compares the JSON results.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import textwrap
from typing import Any

import pytest

from doover_fsm.agent.memory import MemoryAgent
from doover_fsm.agent.models import ChannelID
from doover_fsm.utils import apply_async_kalman_filter, apply_kalman_filter
from doover_fsm.utils.pid import PID
from tests.compat._oracle import run_here, run_in_oracle

RNG_SEED = 20261129


def _same(code: str, cases: list[Any], version: str = "1.18") -> None:
    code = textwrap.dedent(code)
    theirs = run_in_oracle(code, cases, version)
    ours = run_here(code, cases)
    for case, a, b in zip(cases, theirs, ours, strict=True):
        assert a == b, f"case {case!r}: pydoover {a!r} != doover_fsm {b!r}"


# --- utils ---------------------------------------------------------------------------------------
KALMAN = """
import asyncio
from pydoover.utils import apply_kalman_filter, apply_async_kalman_filter

def run(case):
    params, readings = case["params"], case["readings"]

    class Sensor:
        def __init__(self):
            self.value = None

        @apply_kalman_filter(**params)
        def read(self, **kw):
            return self.value

        @apply_async_kalman_filter(**params)
        async def aread(self, **kw):
            return self.value

    s = Sensor()
    out = []
    for value, dt, mv in readings:
        s.value = value
        out.append(s.read(kf_dt=dt, kf_measurement_variance=mv))
        out.append(asyncio.run(s.aread(kf_dt=dt, kf_measurement_variance=mv)))
    return [None if v is None else round(v, 9) for v in out]
"""


def _kalman_cases(n: int) -> list[dict[str, Any]]:
    rng = random.Random(RNG_SEED)
    cases = []
    for _ in range(n):
        params = {k: v for k, v in {
            "process_variance": rng.choice([None, 0.05, 0.5, 2.0]),
            "outlier_threshold": rng.choice([None, 0.5, 5]),
            "outlier_protection": rng.choice([None, True, False]),
            "initial_estimate": rng.choice([None, 10.0]),
        }.items() if v is not None}
        base = rng.uniform(-50, 50)
        readings = [[rng.choice([None, round(base + rng.gauss(0, 3), 3), round(base * 4, 3)]),
                     rng.choice([0.5, 1.0, 2.0]), rng.choice([None, 0.1, 1.0])] for _ in range(12)]
        cases.append({"params": params, "readings": readings})
    return cases


def test_kalman_filter_matches_pydoover() -> None:
    _same(KALMAN, _kalman_cases(60))


def test_kalman_overrides_are_not_passed_to_the_method() -> None:
    """pydoover hands ``kf_*`` keywords to the decorated method too (a TypeError unless it takes **kw)."""

    class Sensor:
        @apply_kalman_filter()
        def read(self) -> float:
            return 4.0

        @apply_async_kalman_filter()
        async def aread(self) -> float:
            return 4.0

    s = Sensor()
    assert s.read(kf_dt=1.0) == 4.0
    assert asyncio.run(s.aread(kf_dt=1.0, kf_measurement_variance=0.2)) == 4.0


def test_kalman_uses_the_owners_clock_for_dt() -> None:
    """With no ``kf_dt``, time comes from the owner's doover_fsm clock (virtual in test mode), not the wall."""
    from doover_fsm.clock import VirtualClock

    class Sensor:
        def __init__(self) -> None:
            self.clock = VirtualClock()
            self.value = 0.0

        @apply_kalman_filter(process_variance=1.0)
        def read(self) -> float:
            return self.value

    a, b = Sensor(), Sensor()
    for s, step in ((a, 1.0), (b, 100.0)):
        s.read()
        s.clock.advance(step)
        s.value = 10.0
        s.read()
    # A longer gap lets the estimate move further towards the new reading.
    assert a._kf_instances and 0 < a.read() < b.read() < 10.0  # type: ignore[attr-defined]


PID_CODE = """
from pydoover.utils import PID

def run(case):
    pid = PID(*case["gains"], setpoint=case["setpoint"], output_limits=tuple(case["limits"]))
    out = []
    for fb, dt in case["steps"]:
        out.append(round(pid.update(fb, dt=dt), 9))
    pid.set_integral_output(case["integral"])
    out.append(round(pid.update(case["steps"][0][0], dt=0.5), 9))
    pid.reset()
    out.append(pid.update(1.0, dt=1.0))
    return out
"""


def test_pid_matches_pydoover() -> None:
    rng = random.Random(RNG_SEED + 1)
    cases = [{"gains": [rng.uniform(0, 3), rng.choice([0, rng.uniform(0, 1)]), rng.uniform(0, 1)],
              "setpoint": rng.uniform(-10, 10), "limits": rng.choice([[None, None], [-5, 5], [0, None]]),
              "integral": rng.uniform(-3, 3),
              "steps": [[rng.uniform(-20, 20), rng.choice([0.1, 1.0, 0.0, -1.0])] for _ in range(8)]}
             for _ in range(50)]
    _same(PID_CODE, cases)


def test_pid_times_steps_with_an_injected_clock() -> None:
    now = [0.0]
    pid = PID(1.0, 1.0, 0.0, setpoint=10, now=lambda: now[0])
    assert pid.update(0.0) == 0
    now[0] = 2.0
    assert pid.update(0.0) == pytest.approx(10 + 20)  # P 10 + I 10*2


HELPERS = """
from pydoover.utils import (map_reading, find_object_with_key, find_path_to_key, apply_diff, generate_diff,
                            maybe_load_json, CaseInsensitiveDict, generate_snowflake_id_at,
                            get_datetime_from_snowflake)
from datetime import datetime, timezone

def run(case):
    kind, args = case
    if kind == "map":
        v = map_reading(*args)
        return None if v is None else round(v, 9)
    if kind == "find":
        return [find_object_with_key(args[0], args[1]), find_path_to_key(args[0], args[1])]
    if kind == "diff":
        old, new, do_delete = args
        d = generate_diff(old, new, do_delete=do_delete)
        return [d, apply_diff(old, d, do_delete=do_delete), old]
    if kind == "json":
        return maybe_load_json(args)
    if kind == "cid":
        d = CaseInsensitiveDict(args)
        return [sorted(d), d.get("KEY"), len(d), d.to_dict()]
    if kind == "snow":
        at = datetime.fromtimestamp(args, tz=timezone.utc)
        sid = generate_snowflake_id_at(at, type_id=2, region_id=1, instance_id=3)
        return [sid, get_datetime_from_snowflake(sid).isoformat()]
"""


def _tree(rng: random.Random, depth: int = 0) -> Any:
    if depth > 2 or rng.random() < 0.3:
        return rng.choice([1, "x", None, True, [1, 2], 2.5])
    return {rng.choice("abcdK"): _tree(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def test_helpers_match_pydoover() -> None:
    rng = random.Random(RNG_SEED + 2)
    cases: list[Any] = []
    for _ in range(60):
        raw = sorted(rng.sample(range(0, 30), rng.randint(2, 4)))
        out = [round(rng.uniform(-100, 100), 2) for _ in raw]
        cases.append(["map", [round(rng.uniform(-5, 35), 2), out, raw, rng.choice([-10, 3])]])
    cases += [["map", [12, [0, 100]]], ["map", [2, [0, 100]]], ["map", [25, [0, 100]]]]
    for _ in range(60):
        cases.append(["find", [_tree(rng), rng.choice("abcdK")]])
    for _ in range(80):
        old, new = _tree(rng), _tree(rng)
        cases.append(["diff", [old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {},
                               rng.choice([True, False])]])
    cases += [["json", '{"a": 1}'], ["json", "not json"], ["json", "[1, 2]"]]
    cases += [["cid", {"Key": 1, "other": 2}], ["cid", {}]]
    cases += [["snow", t] for t in (1735689600.0, 1767225600.5, 1800000000.123)]
    _same(HELPERS, cases)


def test_map_reading_rejects_mismatched_breakpoints() -> None:
    from doover_fsm.utils import map_reading

    with pytest.raises(ValueError, match="breakpoints"):
        map_reading(10, [0], [4, 20])


def test_utils_signatures_match_pydoover() -> None:
    import doover_fsm.utils as ours

    names = ["apply_kalman_filter", "apply_async_kalman_filter", "map_reading", "find_object_with_key",
             "find_path_to_key", "apply_diff", "generate_diff", "maybe_load_json", "call_maybe_async",
             "get_is_async", "maybe_async", "wrap_try_except", "wrap_try_except_async", "on_change",
             "setup_logging", "deprecated", "create_alarm", "generate_snowflake_id", "generate_snowflake_id_at",
             "get_datetime_from_snowflake", "CaseInsensitiveDict"]
    code = textwrap.dedent("""
        import inspect, pydoover.utils as u
        def run(name):
            return [[p.name, p.kind.name, repr(p.default)]
                    for p in inspect.signature(getattr(u, name)).parameters.values()]
    """)
    theirs = run_in_oracle(code, names)
    for name, res in zip(names, theirs, strict=True):
        params = inspect.signature(getattr(ours, name)).parameters.values()
        mine = [[p.name, p.kind.name, repr(p.default)] for p in params]
        assert mine == res["ok"], name
    # PID and the filter: pydoover's parameters, then a keyword-only ``now`` clock.
    pid_theirs = run_in_oracle(code.replace("getattr(u, name)", "getattr(u, name).__init__"), ["PID"])[0]["ok"]
    pid_mine = [[p.name, p.kind.name, repr(p.default)] for p in inspect.signature(PID.__init__).parameters.values()]
    assert pid_mine[:-1] == pid_theirs and pid_mine[-1][:2] == ["now", "KEYWORD_ONLY"]


# --- models --------------------------------------------------------------------------------------
MODELS = """
from pydoover.models import (Aggregate, Attachment, ConnectionConfig, ConnectionType, EventSubscription, Message,
                             MessageCreateEvent, NotificationSeverity, Notification, NotFoundError, HTTPError)
from pydoover.models.data import ChannelID, AggregateUpdateEvent, MessageUpdateEvent
from datetime import datetime, timezone

def run(case):
    kind, arg = case
    if kind == "sev":
        try:
            s = NotificationSeverity(arg)
        except ValueError as e:
            return ["ValueError"]
        return [s.name, int(s), s.wire]
    if kind == "sev_list":
        return [[m.name, int(m)] for m in NotificationSeverity]
    if kind == "notification":
        return Notification(**arg).to_dict()
    if kind == "agg":
        a = Aggregate(arg, [Attachment("f.txt", "text/plain", 3, "http://x/f")],
                      datetime(2026, 1, 2, tzinfo=timezone.utc))
        back = Aggregate.from_dict(a.to_dict())
        return [a.to_dict(), back.data, back.last_updated.isoformat()]
    if kind == "msg_event":
        m = Message(arg, 2, ChannelID(5, "cmds"), {"type": "rpc"}, [])
        ev = MessageCreateEvent(m.channel, m)
        back = MessageCreateEvent.from_dict(ev.to_dict())
        return [ev.to_dict(), back.message.data, back.channel.name, back.channel.agent_id]
    if kind == "agg_event":
        d = {"author_id": 1, "channel": {"agent_id": 2, "name": "c"}, "organisation_id": 3,
             "aggregate": {"data": arg, "attachments": [], "last_updated": 1700000000000},
             "request_data": {"data": arg, "attachments": [], "last_updated": None}}
        ev = AggregateUpdateEvent.from_dict(d)
        return [ev.to_dict(), ev.aggregate.data, ev.channel.name]
    if kind == "upd_event":
        d = {"channel": {"agent_id": 2, "name": "c"}, "author_id": 4, "organisation_id": None,
             "message": {"id": 9, "author_id": 4, "channel": {"agent_id": 2, "name": "c"}, "data": arg},
             "request_data": arg}
        return MessageUpdateEvent.from_dict(d).to_dict()
    if kind == "flags":
        f = EventSubscription.message_create | EventSubscription.aggregate_update
        return [EventSubscription.channel_sync in EventSubscription.all, EventSubscription.oneshot_message in f,
                sorted(m.name for m in EventSubscription if m in f)]
    if kind == "conn":
        c = ConnectionConfig(connection_type=ConnectionType(arg), expected_interval=60, offline_after=300)
        return [c.to_dict(), ConnectionConfig.from_dict(c.to_dict()) == c, ConnectionType.from_v1("constant").value]
    if kind == "errors":
        e = NotFoundError("Channel not found")
        h = HTTPError(500, "boom", "http://x")
        return [str(e), e.status, str(h), isinstance(e, HTTPError)]
"""


def test_models_match_pydoover() -> None:
    cases: list[Any] = [["sev", v] for v in (3, 4, 5, 6, 7, "Info", "info", "WARN", "warning", "error", "crit",
                                              "fatal", "Critical", "nope", 9)]
    cases += [["sev_list", None]]
    cases += [["notification", n] for n in (
        {"message": "Tank low"}, {"message": "m", "title": "T", "severity": "warning"},
        {"message": "m", "severity": 7, "topic": "dev/x"}, {"message": "m", "severity": 5, "title": None})]
    cases += [["agg", d] for d in ({}, {"a": {"b": [1, 2]}}, {"x": None})]
    cases += [["msg_event", i] for i in (1, 123456789)]
    cases += [["agg_event", d] for d in ({"a": 1}, {})]
    cases += [["upd_event", {"status": {"code": "success"}}], ["flags", None], ["errors", None]]
    cases += [["conn", t] for t in ("Continuous", "PeriodicContinuous", "Periodic")]
    _same(MODELS, cases)


def test_notification_validation_matches_pydoover() -> None:
    code = textwrap.dedent("""
        from pydoover.models import Notification
        def run(case):
            try:
                Notification(**case)
            except (TypeError, ValueError) as e:
                return type(e).__name__
            return "ok"
    """)
    _same(code, [{"message": ""}, {"message": "  "}, {"message": 5}, {"message": "m", "title": 3},
                 {"message": "m", "severity": "loud"}, {"message": "m", "topic": 1}, {"message": "ok"}])


def test_notification_severity_keeps_doover_fsm_spellings() -> None:
    from doover_fsm.app.notifications import NotificationSeverity, parse_severity

    assert NotificationSeverity.INFO is NotificationSeverity.Info and NotificationSeverity.WARN.name == "Warn"
    assert [s.name for s in NotificationSeverity] == ["Trace", "Debug", "Info", "Warn", "Critical"]
    assert parse_severity("Warning") is NotificationSeverity.Warn and parse_severity(7).name == "Critical"
    with pytest.raises(ValueError, match="unknown notification severity"):
        parse_severity("loud")


def test_message_ids_are_doover_fsm_ulids_with_a_time() -> None:
    """Documented difference: ids are ULID strings, not int snowflakes; ``timestamp`` still works."""
    agent = MemoryAgent(started=True)

    async def go() -> Any:
        mid = await agent.create_message("c", {"a": 1})
        return mid, await agent.fetch_message("c", mid)

    mid, msg = asyncio.run(go())
    assert isinstance(mid, str) and msg.id == mid and msg.timestamp is not None
    assert msg.to_dict()["channel"] == {"agent_id": None, "name": "c"}
    assert ChannelID(None, "c") == "c"


# --- rpc -----------------------------------------------------------------------------------------
RPC = """
import re
from pydoover import rpc

def run(case):
    if case == "errors":
        e = rpc.RPCError("INVALID_PARAMS", "need a value")
        t = rpc.RPCTimeoutError("go", 2.5)
        c = rpc.RPCCancelled("go")
        return [str(e), e.code, e.message, str(t), t.code, str(c), c.code, isinstance(t, rpc.RPCError)]
    if case == "consts":
        return [rpc.DEFAULT_CHANNEL, rpc.RPC_KEY, repr(rpc.NOT_GIVEN)]
    if case == "handler":
        class App:
            @rpc.handler("set_value", parser=int, channel="cmds")
            async def set_value(self, ctx, payload):
                return payload
            @rpc.handler(re.compile("get_.*"))
            async def getter(self, ctx, payload):
                return None
        f, g = App.set_value, App.getter
        return [f._is_rpc_handler, f._rpc_method, f._rpc_channel, f._rpc_parser is int, g._rpc_method.pattern,
                g._rpc_channel, g._rpc_parser]
"""


def test_rpc_vocabulary_matches_pydoover() -> None:
    _same(RPC, ["errors", "consts", "handler"])


RPC_MANAGER = """
import asyncio, re
from pydoover import rpc
from pydoover.models import EventSubscription
from pydoover.models.data import ChannelID, Message, MessageCreateEvent, MessageUpdateEvent, OneShotMessage

class FakeApi:
    def __init__(self):
        self.writes, self.subs, self.created = [], [], []
    def add_event_callback(self, channel, cb, events):
        self.subs.append([channel, sorted(m.name for m in EventSubscription if m in events)])
    async def update_message(self, channel, message_id, data):
        self.writes.append([channel, message_id, data])
    async def create_message(self, channel, data):
        self.created.append([channel, data])
        return 77

class App:
    @rpc.handler("set_value", parser=float, channel="cmds")
    async def set_value(self, ctx, payload):
        if payload < 0:
            raise rpc.RPCError("INVALID_PARAMS", "must be >= 0")
        await ctx.progress("setting", step=1)
        return {"value": payload, "method": ctx.method, "reason": ctx.reason}

    @rpc.handler(re.compile("get_.*"), channel="cmds")
    async def getter(self, ctx, payload):
        return None

    @rpc.handler("boom")
    async def boom(self, ctx, payload):
        raise KeyError("nope")

    @property
    def explodes(self):
        raise RuntimeError("registration must not call properties")

def msg(i, channel, data):
    return Message(i, 1, ChannelID(2, channel), data, [])

def run(case):
    api = FakeApi()
    mgr = rpc.RPCManager(api, "my_app")
    mgr.register_handlers(App())
    mgr.subscribe("dv-rpc")
    async def go():
        for i, (kind, channel, data) in enumerate(case):
            m = msg(i + 1, channel, data)
            ev = {"create": MessageCreateEvent, "oneshot": OneShotMessage}[kind](m.channel, m) if kind != "update" \\
                else MessageUpdateEvent(m.channel, 1, None, m, data)
            await mgr._on_event(ev)
        return api.writes
    writes = asyncio.run(go())
    for w in writes:
        st = w[2].get("status", {})
        if isinstance(st.get("message"), dict):
            st["message"].pop("timestamp", None)
    return [api.subs, writes]
"""


def test_rpc_manager_serves_requests_like_pydoover() -> None:
    def req(method: str, request: Any, **extra: Any) -> dict[str, Any]:
        return {"type": "rpc", "method": method, "request": request, "status": {"code": "sent"}, "response": {},
                **extra}

    cases = [
        [["create", "cmds", req("set_value", "2.5", reason="ops")]],
        [["create", "cmds", req("set_value", -1)]],
        [["create", "cmds", req("get_level", {})], ["create", "cmds", req("unknown", {})]],
        [["create", "dv-rpc", req("boom", {})], ["create", "cmds", req("boom", {})]],
        [["create", "cmds", req("set_value", 1, app_key="other_app")],
         ["create", "cmds", req("set_value", 3, app_key="my_app")]],
        [["oneshot", "cmds", req("set_value", 4)]],
        [["create", "cmds", {"type": "not_rpc", "method": "set_value", "request": 1}],
         ["create", "cmds", {"type": "rpc", "method": "set_value"}]],
        [["create", "cmds", req("set_value", 5, status={"code": "error", "message": {"info": "Command cancelled"}})]],
        [["update", "cmds", {"status": {"code": "success"}, "response": {"x": 1}}]],
    ]
    _same(RPC_MANAGER, cases)


async def test_rpc_call_round_trip_between_two_apps_on_one_agent() -> None:
    from doover_fsm.agent.interface import MockDeviceAgentInterface
    from doover_fsm.agent.rpc import RPCCancelled, RPCError, RPCManager, RPCTimeoutError, handler

    class Server:
        @handler("add")
        async def add(self, ctx: Any, payload: dict[str, int]) -> dict[str, int]:
            await ctx.acknowledge()
            if payload.get("a") is None:
                raise RPCError("INVALID_PARAMS", "a is required")
            return {"sum": payload["a"] + payload["b"]}

        @handler("slow")
        async def slow(self, ctx: Any, payload: Any) -> None:
            await ctx.wait_cancelled()
            ctx.raise_if_cancelled()

    agent = MockDeviceAgentInterface("shared")
    server, client = RPCManager(agent, "server"), RPCManager(agent, "client")
    server.register_handlers(Server())
    server.subscribe("dv-rpc")
    assert await client.call("add", {"a": 2, "b": 3}, app_key="server", timeout=2) == {"sum": 5}
    with pytest.raises(RPCError) as err:
        await client.call("add", {"b": 3}, app_key="server", timeout=2)
    assert err.value.code == "INVALID_PARAMS"
    with pytest.raises(RPCTimeoutError):
        await client.call("add", {"a": 1, "b": 1}, app_key="nobody", timeout=0.2)
    mid = await client.call("slow", {}, app_key="server", wait_for_response=False)
    await asyncio.sleep(0.05)
    cancel = {"status": {"code": "error", "message": {"info": "Command cancelled", "cancelled_at": 1}}}
    waiter = asyncio.ensure_future(client.call("slow", {}, app_key="server", timeout=2))
    await agent.update_message("dv-rpc", mid, cancel)
    await asyncio.sleep(0.05)
    assert (await agent.fetch_message("dv-rpc", mid)).data["status"] == cancel["status"]  # the cancel stands
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert RPCCancelled("x").code == "CANCELLED"


SEND_NOTIFICATION = """
import asyncio
from pydoover.docker import Application, MockDeviceAgentInterface

class Capture(MockDeviceAgentInterface):
    async def create_message(self, channel_name, data, **kw):
        self.sent = [channel_name, data]
        return 1

def run(case):
    agent = Capture(case["app_key"] or "x")
    app = Application(app_key=case["app_key"], device_agent=agent, test_mode=True)
    asyncio.run(app.send_notification(case["message"], **case["kw"]))
    return agent.sent
"""


def test_build_notification_matches_pydoover_send_notification() -> None:
    from doover_fsm.app.notifications import build_notification

    cases: list[dict[str, Any]] = [
        {"app_key": "pump_1", "message": "Tank low", "kw": {}},
        {"app_key": "pump_1", "message": "Tank low", "kw": {"title": "Tank", "severity": "warning"}},
        {"app_key": "pump_1", "message": "m", "kw": {"severity": 7, "topic": "custom/x"}},
        {"app_key": "pump_1", "message": "m", "kw": {"event": "low_level"}},
        {"app_key": "pump_1", "message": "m", "kw": {"event": "low_level", "notification_policy": "opt-in",
                                                     "severity": "Info"}},
        {"app_key": "pump_1", "message": "m", "kw": {"event": "Bad Event"}},
        {"app_key": "pump_1", "message": "m", "kw": {"event": "e", "topic": "t"}},
        {"app_key": "pump_1", "message": "", "kw": {}},
        {"app_key": None, "message": "m", "kw": {"event": "e"}},
    ]
    theirs = run_in_oracle(textwrap.dedent(SEND_NOTIFICATION), cases)
    for case, res in zip(cases, theirs, strict=True):
        try:
            mine: Any = {"ok": ["notifications", build_notification(case["app_key"], case["message"], **case["kw"])]}
        except Exception as exc:
            mine = {"error": type(exc).__name__}
        if "error" in res:
            res = {"error": res["error"].split(":")[0]}
        assert mine == res, case


async def test_alarm_fires_after_the_grace_period_on_an_injected_clock() -> None:
    from doover_fsm.utils.alarm import Alarm

    now = [0.0]
    fired: list[float] = []
    alarm = Alarm(lambda v: v > 20, callback=lambda: fired.append(now[0]), grace_period=15, min_inter_alarm=60,
                  now=lambda: now[0])
    assert await alarm.check_value(25) is False  # the grace period starts
    now[0] = 16
    assert await alarm.check_value(25) is True and fired == [16]
    now[0] = 30
    assert await alarm.check_value(25) is False  # within min_inter_alarm
    assert await alarm.check_value(5) is False and alarm.initial_trigger_time is None


async def test_rpc_call_round_trip_on_the_local_sqlite_agent(tmp_path: Any) -> None:
    from doover_fsm.agent.local import LocalAgent
    from doover_fsm.agent.rpc import RPCManager, handler

    class Server:
        @handler("echo", channel="cmds")
        async def echo(self, ctx: Any, payload: Any) -> Any:
            await ctx.progress("working", step=1)
            return {"echo": payload, "channel": ctx.channel.name}

    agent = LocalAgent(tmp_path / "rpc.db")
    await agent.start()
    try:
        server, client = RPCManager(agent, "server"), RPCManager(agent, "client")
        server.register_handlers(Server())
        for i in range(5):
            assert await client.call("echo", {"i": i}, channel="cmds", app_key="server", timeout=10) == \
                {"echo": {"i": i}, "channel": "cmds"}
        last = (await agent.list_messages("cmds"))[-1]
        assert last.data["status"]["code"] == "success"  # (the patch's "message": None deletes, as merge-patches do)
    finally:
        await agent.close()
