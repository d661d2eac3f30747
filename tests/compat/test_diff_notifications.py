"""Declared notifications against pydoover 1.18 itself: generated declarations and sends, signatures.

Each case is a ``Notifications`` subclass written as pydoover source (sometimes over a base
class with its own declarations) and a list of operations on it: the class's templates and
their ``to_schema()``, the instance's schema, ``repr``/``len``/iteration, ``get``/``[]``/
``topic_for`` by attribute or event name, sends with every argument form (message, ``title=``,
``severity=`` as member, name, alias or int, extra keywords passed on to ``send_notification``),
sends on an instance with no app key or no application, and ``export()`` over an existing
``doover_config.json``. The same script runs in the pydoover 1.18 oracle and here; the
application is a recorder whose ``send_notification`` is the real ``Application.send_notification``
of each side (pydoover's writes through ``device_agent.create_message``, doover_fsm's through
``Application.create_message``; the recorder is both). Compared: every result, every error, and
every message body written to the ``notifications`` channel.

The one normalisation is docs/compat/notif.md D1: an error raised at class creation names the
class and attribute first (``N.lowBattery: …``); the rest is pydoover's message. The generator
keeps out of D2-D4, which have their own tests below.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from compat._oracle import oracle_signatures, run_here, run_in_oracle
from compat._signatures import SIGNATURES

N_CASES = 160

_CODE = textwrap.dedent(
    '''
    import asyncio, json, os, pathlib, tempfile
    from pydoover.docker import Application
    from pydoover.notifications import (BoundNotification, Notification, NotificationPolicy,
                                        NotificationSeverity, Notifications)

    class Recorder:
        """The app a Notifications instance sends through; records what reaches the channel."""
        def __init__(self, app_key):
            self.app_key = app_key
            self.device_agent = self      # pydoover's send_notification writes here
            self.calls = []
        async def create_message(self, channel_name, data, files=None, timestamp=None, **kw):
            self.calls.append([channel_name, json.loads(json.dumps(data))])
            return len(self.calls)
        send_notification = Application.send_notification

    def err(e):
        return type(e).__name__ + ": " + str(e)

    async def op(cls, inst, o):
        kind = o[0]
        if kind == "templates":
            return [[a, repr(getattr(cls, a)), getattr(cls, a).to_schema()] for a in o[1]]
        if kind == "schema":
            return inst.to_schema()
        if kind == "listing":
            return [repr(inst), len(inst), [[repr(b), b.name] for b in inst]]
        if kind == "get":
            b = inst.get(o[1])
            return None if b is None else [repr(b), b.name, repr(b.template)]
        if kind == "item":
            return repr(inst[o[1]])
        if kind == "topic_for":
            t = inst.topic_for(o[1])
            return [t, type(t).__name__]
        if kind == "topic":
            return str(getattr(inst, o[1]).topic)
        if kind == "send":
            how, name, args, kwargs = o[1], o[2], o[3], dict(o[4])
            if "severity_member" in kwargs:
                kwargs["severity"] = NotificationSeverity[kwargs.pop("severity_member")]
            bound = {"attr": lambda: getattr(inst, name), "item": lambda: inst[name],
                     "get": lambda: inst.get(name)}[how]()
            return await bound.send(*args, **kwargs)
        if kind == "send_all":
            return [await b.send() for b in inst]
        if kind == "template_send":
            return await getattr(cls, o[1]).send()
        if kind == "export":
            with tempfile.TemporaryDirectory() as d:
                fp = pathlib.Path(d) / "doover_config.json"
                if o[1] is not None:
                    fp.write_text(json.dumps(o[1]))
                cls.export(fp, o[2])
                return fp.read_text()
        raise AssertionError(kind)

    async def main(case):
        ns = {"Notification": Notification, "Notifications": Notifications,
              "NotificationPolicy": NotificationPolicy, "NotificationSeverity": NotificationSeverity}
        try:
            exec(case["source"], ns)
        except Exception as e:
            return {"class_error": err(e)}
        cls = ns["N"]
        app = Recorder(case["app_key"])
        if case["attach"] == "app":
            inst = cls(case["app_key"], app)
        elif case["attach"] == "none":
            inst = cls(case["app_key"])
        else:
            inst = cls()
        out = []
        for o in case["ops"]:
            try:
                out.append({"ok": await op(cls, inst, o)})
            except Exception as e:
                out.append({"error": err(e)})
        return {"ops": out, "calls": app.calls}

    def run(case):
        return asyncio.run(main(case))
    '''
)

# -- the generator ------------------------------------------------------------------------------

_ATTRS_OK = ["low_battery", "pump_fault", "a", "x9", "door_open", "high_temp", "tank_2_full", "comms_lost",
             "maintenance_due", "over_pressure"]
_ATTRS_BAD = ["lowBattery", "_hidden", "Pump"]
_EVENTS_OK = ["pump.fault", "a-b", "9lives", "gate_1.open", "z", "battery-low"]
_EVENTS_BAD = ["Bad", "-dash", "has space", "dot/slash"]
_MESSAGES = ["The battery is low", "Pump {n} tripped", "Tank full — stopping", "x", "Gate open 🚪", "  padded  "]
_SEVERITIES = ["NotificationSeverity.Warn", "NotificationSeverity.Critical", "'warn'", "'warning'", "'ERROR'",
               "'crit'", "'Info'", "'trace'", "3", "4", "5", "6", "7"]
_SEVERITIES_BAD = ["8", "'loud'", "None"]
_POLICIES = ["NotificationPolicy.opt_in", "NotificationPolicy.default", "'opt-in'", "'default'"]
_POLICIES_BAD = ["'opt_in'", "'x'"]


def _declaration(rng: random.Random, *, allow_bad: bool) -> str:
    bad = allow_bad and rng.random() < 0.15
    args = [repr(rng.choice(_MESSAGES))]
    if bad and rng.random() < 0.3:
        args = [rng.choice(["''", "'   '", "5", "None"])]
    if rng.random() < 0.5:
        args.append(f"severity={rng.choice(_SEVERITIES_BAD if bad and rng.random() < 0.4 else _SEVERITIES)}")
    if rng.random() < 0.35:
        args.append(f"policy={rng.choice(_POLICIES_BAD if bad and rng.random() < 0.4 else _POLICIES)}")
    if rng.random() < 0.3:
        args.append(f"title={rng.choice(['Alert', 'Pump station', ''])!r}")
    if rng.random() < 0.3:
        args.append(f"display_name={rng.choice(['Low battery!', 'Pump', ''])!r}")
    if rng.random() < 0.25:
        args.append(f"description={rng.choice(['Sent when the pump trips.', ''])!r}")
    if rng.random() < 0.3:
        pool = _EVENTS_BAD if bad and rng.random() < 0.5 else [*_EVENTS_OK, ""]
        args.append(f"name={rng.choice(pool)!r}")
    return f"Notification({', '.join(args)})"


def _class_source(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """pydoover source defining ``N`` (maybe over ``B``); its attribute names; its event names."""
    allow_bad = rng.random() < 0.3
    lines: list[str] = []
    attrs: list[str] = []
    events: list[str] = []

    def body(cls_name: str, base: str, n: int) -> None:
        lines.append(f"class {cls_name}({base}):")
        pool = _ATTRS_OK + (_ATTRS_BAD if allow_bad and rng.random() < 0.3 else [])
        chosen = rng.sample(pool, n)
        if not chosen:
            lines.append("    pass")
        for attr in chosen:
            decl = _declaration(rng, allow_bad=allow_bad)
            lines.append(f"    {attr} = {decl}")
            if attr not in attrs:
                attrs.append(attr)
            m = re.search(r"name='([^']*)'", decl.replace("display_name=", "dn="))
            events.append(m.group(1) if m and m.group(1) else attr)
        if rng.random() < 0.2:
            lines.append("    not_a_notification = 5")

    if rng.random() < 0.3:
        body("B", "Notifications", rng.randint(1, 3))
        body("N", "B", rng.randint(0, 3))
    else:
        body("N", "Notifications", rng.randint(0, 5))
    return "\n".join(lines) + "\n", attrs, events


def _send_kwargs(rng: random.Random) -> tuple[list[Any], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    r = rng.random()
    if r < 0.3:
        args.append(rng.choice(["Battery at 10.2 V", "Custom body", "", 5]))
    elif r < 0.45:
        kwargs["message"] = rng.choice(["Keyword body", "   "])
    if rng.random() < 0.3:
        kwargs["title"] = rng.choice(["Override title", "", 7])
    if rng.random() < 0.4:
        s = rng.random()
        if s < 0.3:
            kwargs["severity_member"] = rng.choice(["Trace", "Debug", "Info", "Warn", "Critical"])
        elif s < 0.7:
            kwargs["severity"] = rng.choice(["warn", "Warning", "error", "fatal", "CRITICAL", "debug", "bogus"])
        else:
            kwargs["severity"] = rng.choice([3, 5, 7, 9])
    if rng.random() < 0.08:
        kwargs["event"] = "clash"
    if rng.random() < 0.06:
        kwargs["notification_policy"] = "opt-in"
    if rng.random() < 0.04:
        kwargs["files"] = []
    return args, kwargs


def _case(rng: random.Random) -> dict[str, Any]:
    source, attrs, events = _class_source(rng)
    names = attrs + events + ["missing"]
    ops: list[list[Any]] = [["templates", attrs], ["schema"], ["listing"]]
    for _ in range(rng.randint(2, 6)):
        name = rng.choice(names)
        ops.append(["send", rng.choice(["attr", "item", "get"]) if name in attrs else rng.choice(["item", "get"]),
                    name, *_send_kwargs(rng)])
    for name in rng.sample(names, min(3, len(names))):
        ops.append([rng.choice(["get", "item", "topic_for"]), name])
    if attrs:
        ops.append(["topic", rng.choice(attrs)])
        ops.append(["template_send", rng.choice(attrs)])
    if rng.random() < 0.3:
        ops.append(["send_all"])
    if rng.random() < 0.3:
        existing = rng.choice([None, {}, {"my_app": {"config_schema": {"type": "object"}}},
                               {"other": {"ui_schema": {}}, "my_app": {"notification_schema": {"old": {}}}}])
        ops.append(["export", existing, "my_app"])
    app_key = rng.choices(["pump_controller_1", "gate-2", "Bad Key", None, ""], [12, 3, 1, 1, 1])[0]
    attach = rng.choices(["app", "none", "bare"], [10, 1, 1])[0]
    return {"source": source, "app_key": app_key, "attach": attach, "ops": ops}


def _cases() -> list[dict[str, Any]]:
    rng = random.Random(20261129)
    return [_case(rng) for _ in range(N_CASES)]


_CLASS_PREFIX = re.compile(r"^(\w+): [BN](?:\.\w+)?: ")


def _normalise(result: dict[str, Any]) -> dict[str, Any]:
    """D1: an error at class creation names the class (``B``/``N``) and attribute first; the rest must be pydoover's."""
    ok = result.get("ok")
    if isinstance(ok, dict) and "class_error" in ok:
        return {"ok": {"class_error": _CLASS_PREFIX.sub(r"\1: ", ok["class_error"])}}
    return result


# -- the differential tests ---------------------------------------------------------------------


def test_generated_declarations_and_sends_equal_pydoovers() -> None:
    cases = _cases()
    theirs = run_in_oracle(_CODE, cases)
    ours = run_here(_CODE, cases)
    for case, t, o in zip(cases, theirs, ours, strict=True):
        assert "error" not in t, t  # the harness itself never fails
        assert _normalise(o) == t, f"\n{case['source']}\nops={case['ops']}\napp_key={case['app_key']!r}"
    # What the corpus covers (so a generator that drifts into trivia fails here, not silently).
    built = [t["ok"] for t in theirs if "ops" in t["ok"]]
    bodies = [c for r in built for c in r["calls"]]
    assert len(built) >= 100 and len(bodies) >= 200
    assert {c[0] for c in bodies} == {"notifications"}
    assert {b.get("severity") for _, b in bodies} >= {3, 4, 5, 6, 7}
    assert any("dev/applications/opt-in/" in b.get("topic", "") for _, b in bodies)
    assert any("title" in b for _, b in bodies) and any("title" not in b for _, b in bodies)
    rejected = [t["ok"]["class_error"] for t in theirs if "class_error" in t["ok"]]
    assert any("Duplicate notification event name" in e for e in rejected)
    assert any("notification topic name must match" in e for e in rejected)
    op_errors = {r["error"].split(":")[0] for b in built for r in b["ops"] if "error" in r}
    assert op_errors >= {"KeyError", "RuntimeError", "ValueError", "TypeError"}


_CLASSES = ["pydoover.notifications:Notification", "pydoover.notifications:BoundNotification",
            "pydoover.notifications:Notifications"]


def test_signatures_equal_pydoovers() -> None:
    """Every public method and ``__init__`` of the three classes: names, kinds and defaults."""
    theirs = run_in_oracle(SIGNATURES, _CLASSES)
    ours = run_here(SIGNATURES, _CLASSES)
    for name, t, o in zip(_CLASSES, theirs, ours, strict=True):
        assert o == t, name


def test_module_names_and_free_signatures_equal_pydoovers() -> None:
    code = textwrap.dedent(
        """
        import importlib
        def run(case):
            mod = importlib.import_module("pydoover.notifications")
            if case == "__all__":
                return sorted(mod.__all__)
            return [getattr(mod, n).__name__ for n in sorted(mod.__all__)] + [
                mod.NotificationTopic.__name__, sorted(m.name for m in mod.NotificationSeverity),
                sorted(m.value for m in mod.NotificationPolicy)]
        """
    )
    assert run_here(code, ["__all__", "types"]) == run_in_oracle(code, ["__all__", "types"])
    names = ["pydoover.notifications:NotificationTopic.application", "pydoover.docker:Application.send_notification"]
    theirs = oracle_signatures(names)
    from doover_fsm.app.application import Application
    from doover_fsm.notifications import NotificationTopic

    ours = [NotificationTopic.application, Application.send_notification]
    for name, func in zip(names, ours, strict=True):
        assert _param_names(theirs[name]) == _param_names_here(func), name


def test_one_copy_of_each_shared_type() -> None:
    """The enums and the topic are the ones ``pydoover.models`` has; the declaration is not the payload."""
    from doover_fsm import compat

    compat.install()
    import pydoover.models as models
    import pydoover.notifications as n

    import doover_fsm.notifications as ours

    assert n.NotificationSeverity is models.NotificationSeverity
    assert n.NotificationPolicy is models.NotificationPolicy
    assert n.NotificationTopic is models.NotificationTopic
    assert n.Notification is not models.Notification
    for name in ours.__all__:
        assert getattr(ours, name) is getattr(n, name, getattr(models, name, None)), name


def _param_names(sig: str | None) -> list[str]:
    assert sig is not None
    inner = sig[1: sig.rindex(")")]
    depth, parts, cur = 0, [], ""
    for ch in inner:
        depth += (ch in "[(") - (ch in "])")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip().split(":")[0].split("=")[0].strip() for p in parts if p.strip()]


def _param_names_here(func: Any) -> list[str]:
    import inspect

    names: list[str] = []
    params = list(inspect.signature(func).parameters.values())
    for p in params:
        if p.kind is p.KEYWORD_ONLY and not any(q.kind is q.VAR_POSITIONAL for q in params) and "*" not in names:
            names.append("*")  # the bare star str(signature) shows
        names.append(("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name)
    return names


# -- the documented differences (docs/compat/notif.md), one test each ------------------------------


def _here(source: str) -> dict[str, Any]:
    from doover_fsm import compat

    compat.install()
    import pydoover.notifications as n

    ns: dict[str, Any] = {"Notification": n.Notification, "Notifications": n.Notifications}
    exec(source, ns)
    return ns


def test_d1_class_creation_errors_name_the_class_and_attribute() -> None:
    sources = ["class N(Notifications):\n    lowBattery = Notification('low')\n",
               "class N(Notifications):\n    a = Notification('x')\n    b = Notification('y', name='a')\n"]
    theirs = run_in_oracle(_CODE, [{"source": s, "app_key": "k", "attach": "app", "ops": []} for s in sources])
    with pytest.raises(ValueError) as bad_name:
        _here(sources[0])
    assert str(bad_name.value).startswith("N.lowBattery: notification topic name must match")
    assert "ValueError: " + str(bad_name.value).removeprefix("N.lowBattery: ") == theirs[0]["ok"]["class_error"]
    with pytest.raises(ValueError) as duplicate:
        _here(sources[1])
    assert str(duplicate.value) == ("N: Duplicate notification event name 'a' declared by both 'a' and 'b'.")
    assert "ValueError: " + str(duplicate.value).removeprefix("N: ") == theirs[1]["ok"]["class_error"]


@pytest.mark.parametrize("keyword, value", [("title", 5), ("display_name", ["x"]), ("description", 1.5),
                                            ("name", 0)])
def test_d2_declaration_arguments_are_type_checked(keyword: str, value: Any) -> None:
    """pydoover takes these; a non-str title fails only at the first send, the others reach the schema."""
    code = textwrap.dedent(
        """
        from pydoover.notifications import Notification
        def run(case):
            return Notification("m", **{case[0]: case[1]}).to_schema()
        """
    )
    theirs = run_in_oracle(code, [[keyword, value]])[0]
    assert "ok" in theirs  # pydoover accepts it
    from doover_fsm.notifications import Notification

    with pytest.raises(TypeError, match=f"notification {'topic ' if keyword == 'name' else ''}{keyword} must be a str"):
        Notification("m", **{keyword: value})


def test_d3_one_template_under_two_attributes_keeps_each_event_name() -> None:
    """pydoover's schema files the first attribute's entry under the last attribute's event name."""
    source = "class N(Notifications):\n    a = Notification('same body')\n    b = a\n"
    theirs = run_in_oracle(_CODE, [{"source": source, "app_key": "k", "attach": "app", "ops": [["schema"]]}])
    assert theirs[0]["ok"]["ops"][0]["ok"]["a"]["event"] == "b"  # pydoover's defect
    schema = _here(source)["N"]().to_schema()
    assert schema["a"]["event"] == "a" and schema["a"]["display_name"] == "A"
    assert schema["b"]["event"] == "b" and schema["b"]["display_name"] == "B"


def test_d4_export_takes_a_str_path(tmp_path: Path) -> None:
    """pydoover's ``export`` needs a ``pathlib.Path`` (a str raises AttributeError)."""
    code = textwrap.dedent(
        """
        from pydoover.notifications import Notification, Notifications
        class N(Notifications):
            low = Notification("low")
        def run(path):
            N.export(path, "app")
        """
    )
    theirs = run_in_oracle(code, [str(tmp_path / "theirs.json")])[0]
    assert theirs["error"].startswith("AttributeError")
    ns = _here("class N(Notifications):\n    low = Notification('low')\n")
    fp = tmp_path / "doover_config.json"
    ns["N"].export(str(fp), "app")
    assert json.loads(fp.read_text()) == {"app": {"notification_schema": {"low": {
        "event": "low", "display_name": "Low", "message": "low", "severity": "Info", "policy": "default"}}}}


# -- through a doover_fsm Application ---------------------------------------------------------------


def test_sent_through_the_applications_create_message() -> None:
    """The send path: ``BoundNotification.send`` -> ``Application.send_notification`` ->
    ``Application.create_message("notifications", body)``, on a real doover_fsm Application."""
    from doover_fsm.app.application import Application
    from doover_fsm.notifications import Notification, Notifications

    class N(Notifications):
        low_battery = Notification("The battery is low", severity="warn", title="Battery")

    class App(Application):
        pass

    app = App(app_key="pump_1", test_mode=True)
    written: list[tuple[str, dict[str, Any]]] = []

    async def create_message(channel_name: str, data: dict[str, Any], *args: Any, **kwargs: Any) -> str:
        written.append((channel_name, data))
        return "m1"

    app.create_message = create_message  # type: ignore[method-assign]
    notifications = N(app.app_key, app)
    assert asyncio.run(notifications.low_battery.send("Battery at 10.2 V")) == "m1"
    assert written == [("notifications", {"message": "Battery at 10.2 V", "title": "Battery", "severity": 6,
                                          "topic": "dev/applications/default/pump_1/low_battery"})]


async def test_sent_on_the_notifications_channel_of_a_running_app(tmp_path: Path) -> None:
    """A pydoover app sends from ``main_loop``; the body lands on its agent's ``notifications`` channel."""
    from doover_fsm import compat, run_app

    compat.install()
    from pydoover.docker import Application
    from pydoover.notifications import Notification, NotificationPolicy, Notifications

    class PumpNotifications(Notifications):
        pump_tripped = Notification("Pump tripped", severity="critical", title="Pump station")
        maintenance_due = Notification("Maintenance is due", policy=NotificationPolicy.opt_in)

    class PumpApp(Application):
        async def setup(self) -> None:
            self.alerts = PumpNotifications(self.app_key, self)
            self.scans = 0

        async def main_loop(self) -> None:
            self.scans += 1
            if self.scans == 1:
                await self.alerts.pump_tripped.send()
                await self.alerts.maintenance_due.send("Service in 3 days", severity="warning")

    app = PumpApp(app_key="pump_station_1", test_mode=True, data_dir=tmp_path)
    task = asyncio.get_running_loop().create_task(run_app(app, start=False, setup_logging=False))
    try:
        await asyncio.wait_for(app.wait_until_ready(), 30)
        await app.next()
        messages = await app.device_agent.list_messages("notifications", limit=10)
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 30)
    assert sorted((m.data for m in messages), key=lambda d: d["message"]) == [
        {"message": "Pump tripped", "title": "Pump station", "severity": 7,
         "topic": "dev/applications/default/pump_station_1/pump_tripped"},
        {"message": "Service in 3 days", "severity": 6,
         "topic": "dev/applications/opt-in/pump_station_1/maintenance_due"},
    ]


async def test_application_declares_notifications_cls(tmp_path: Path) -> None:
    """pydoover's wiring: ``notifications_cls`` class attribute, ``self.notifications`` built in
    ``__init__`` as ``notifications_cls(app_key, app)``, its ``setup()`` run before the app's."""
    from doover_fsm import compat, run_app

    compat.install()
    from pydoover.docker import Application
    from pydoover.notifications import Notification, Notifications

    order: list[str] = []

    class N(Notifications):
        low_battery = Notification("The battery is low")

        async def setup(self) -> None:
            order.append("notifications")

    class App(Application):
        notifications_cls = N

        async def setup(self) -> None:
            order.append("app")

        async def main_loop(self) -> None:
            if len(order) == 2:
                order.append("sent")
                await self.notifications.low_battery.send()

    assert Application.notifications_cls is Notifications
    app = App(app_key="pump_1", test_mode=True, data_dir=tmp_path)
    assert type(app.notifications) is N
    assert app.notifications.app_key == "pump_1" and app.notifications._application is app
    task = asyncio.get_running_loop().create_task(run_app(app, start=False, setup_logging=False))
    try:
        await asyncio.wait_for(app.wait_until_ready(), 30)
        await app.next()
        messages = await app.device_agent.list_messages("notifications", limit=10)
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 30)
    assert order == ["notifications", "app", "sent"]
    assert [m.data for m in messages] == [{"message": "The battery is low", "severity": 5,
                                           "topic": "dev/applications/default/pump_1/low_battery"}]
