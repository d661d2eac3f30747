"""Differential: UI declarations run as pydoover source in pydoover 1.18 (and 0.4) and on doover_fsm.

Each case is a UI declaration generated from a seed (element kinds, keywords, nesting in
containers/tabs/submodules, tag and config references); both sides build it and report the
``to_schema()`` JSON (both ``resolve_config`` values), the ``get_interactions()`` names and what a
handler dispatch writes back. Any difference fails (documented differences have their own tests in
tests/ui/).
"""

from __future__ import annotations

import json
import random
import textwrap
from typing import Any

import pytest

from tests.compat._oracle import oracle_signatures, run_here, run_in_oracle

N_CASES = 240
N_LEGACY = 60

# ---------------------------------------------------------------------------------------------
# Generated 1.x declarations
# ---------------------------------------------------------------------------------------------
_TAGS = ["flow", "ready", "label", "count"]
_WORDS = ["Flow Rate", "Pump", "Level", "Gate Open", "Speed (Hz)", "Mode", "Total", "Battery %", "Run", "Alarm"]


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.n = 0

    def ident(self) -> str:
        self.n += 1
        return f"e{self.n}"

    def common(self) -> list[str]:
        r = self.r
        out = []
        if r.random() < 0.3:
            out.append(f"position={r.randint(0, 30)}")
        if r.random() < 0.2:
            out.append(r.choice(["hidden=True", "hidden=MyTags.ready", "hidden='$tag.app().h:boolean:true'"]))
        if r.random() < 0.2:
            out.append(f"help_str={r.choice(['help', 'More info'])!r}")
        if r.random() < 0.15:
            out.append(f"icon={r.choice(['gauge', 'bolt'])!r}")
        if r.random() < 0.15:
            out.append(r.choice(["colour=ui.Colour.red", "colour='tomato'"]))
        if r.random() < 0.1:
            out.append("units='L'")
        if r.random() < 0.1:
            out.append("verbose_str='v'")
        if r.random() < 0.1:
            out.append("show_activity=False")
        if r.random() < 0.05:
            out.append(r.choice(["conditions={'mode': 'auto'}", "is_available=False", "graphic='g'", "layout='row'",
                                 "component_url='https://x'", "custom_attr=3"]))
        return out

    def value(self) -> str:
        r = self.r
        return r.choice([f"MyTags.{r.choice(_TAGS)}", "3.5", "None", "'text'", "True",
                         "ui.tag_ref('other', 'number', 2)", "'$config.app().limit:number:5'"])

    def name_kw(self) -> list[str]:
        return [f"name={self.ident()!r}"] if self.r.random() < 0.7 else []

    def display(self) -> str:
        return repr(self.r.choice(_WORDS) + f" {self.n}")

    def ranges(self) -> str:
        r = self.r
        items = [f"ui.Range({r.choice(['Low', 'High', None])!r}, {i * 10}, {i * 10 + 10}, ui.Colour.{c})"
                 for i, c in enumerate(r.sample(["red", "green", "blue", "yellow"], r.randint(1, 3)))]
        return "[" + ", ".join(items) + "]"

    def variable(self) -> str:
        r = self.r
        kind = r.choice(["NumericVariable", "TextVariable", "BooleanVariable", "DateTimeVariable", "Timestamp"])
        args = [self.display()]
        kw = self.name_kw() + self.common()
        if kind in ("TextVariable", "BooleanVariable", "DateTimeVariable") or r.random() < 0.6:
            kw.append(f"value={self.value()}")
        if kind == "NumericVariable":
            if r.random() < 0.5:
                kw.append(f"precision={r.randint(0, 3)}")
            if r.random() < 0.4:
                kw.append(f"ranges={self.ranges()}")
            if r.random() < 0.3:
                kw.append(r.choice(["form=ui.Widget.radial", "form=ui.Widget.linear"]))
            if r.random() < 0.2:
                kw.append("thresholds=[ui.Threshold('max', 90, ui.Colour.red)]")
            if r.random() < 0.2:
                kw.append("default_range_view=ui.RangeView.zone")
        if kind == "BooleanVariable" and r.random() < 0.3:
            kw.append("log_threshold=None")
        if kind == "Timestamp" and r.random() < 0.5:
            kw.append(r.choice(["precision='second'", "value=datetime(2024, 5, 1, tzinfo=timezone.utc)",
                                "absolute_format='HH:mm'"]))
        if kind == "NumericVariable" and r.random() < 0.1:
            kw.append(r.choice(["earliest_data_time=datetime(2024, 1, 1, tzinfo=timezone.utc)",
                                "earliest_data_time=1700000000", "default_zoom='1h'", "ranges=MyTags.label"]))
        if r.random() < 0.15:
            kw.append("graphable=False")
        if r.random() < 0.1:
            kw.append("default_range_since=timedelta(hours=2)")
        return f"ui.{kind}({', '.join(args + kw)})"

    def interaction(self) -> str:
        r = self.r
        kind = r.choice(["Button", "Switch", "Slider", "Select", "FloatInput", "TextInput", "WarningIndicator",
                         "DatetimeInput", "TimeInput"])
        kw = self.name_kw() + self.common()
        if r.random() < 0.3:
            kw.append(r.choice(["requires_confirm=True", "requires_confirm=False",
                                ("requires_confirm=ui.ConfirmDialog(title='Sure?', "
                                 "audit=ui.AuditConfig(required=True))")]))
        if r.random() < 0.3 and kind not in ("Button", "WarningIndicator"):
            kw.append(f"default={r.choice([1, 2.5, 'auto', True])!r}")
        if r.random() < 0.15:
            kw.append(f"command_timeout={r.choice([5, 1.5])}")
        if r.random() < 0.1:
            kw.append("command_pending_timeout=timedelta(seconds=30)")
        if r.random() < 0.1:
            kw.append("direct=True")
        if r.random() < 0.1:
            kw.append("global_interaction=True")
        if kind == "Slider":
            kw += [f"min_val={r.randint(0, 5)}", f"max_val={r.randint(10, 100)}"]
            if r.random() < 0.5:
                kw.append(f"step_size={r.choice([1, 0.5])}")
            if r.random() < 0.3:
                kw.append("dual_slider=False")
            if r.random() < 0.2:
                kw.append("colours='red,green'")
        if kind == "Select":
            opts = ", ".join(f"ui.Option({w!r})" for w in r.sample(["User Control", "Auto", "Manual", "Off"], 2))
            kw.append(f"options=[{opts}]")
        if kind == "FloatInput" and r.random() < 0.6:
            kw += [f"min_val={r.randint(-5, 0)}", f"max_val={r.randint(1, 50)}"]
        if kind == "TextInput" and r.random() < 0.5:
            kw.append("is_text_area=True")
        if kind == "Button" and r.random() < 0.3:
            kw.append("disabled=True")
        if kind == "WarningIndicator" and r.random() < 0.5:
            kw.append("can_cancel=False")
        if kind in ("DatetimeInput", "TimeInput") and r.random() < 0.5:
            kw += ["pickers=['date']", "direction='past'", "max_past=3600"]
        return f"ui.{kind}({', '.join([self.display(), *kw])})"

    def element(self, depth: int) -> str:
        r = self.r
        roll = r.random()
        if depth < 2 and roll < 0.2:
            kind = r.choice(["Container", "Submodule", "TabContainer", "RemoteComponent"])
            children = ", ".join(self.element(depth + 1) for _ in range(r.randint(1, 3)))
            kw = [*self.name_kw(), f"children=[{children}]"]
            if kind == "Submodule":
                kw += r.choice([[], ["status='ok'"], ["is_collapsed=True"], ["default_open=MyTags.ready"]])
            if kind == "TabContainer" and r.random() < 0.5:
                kw.append("default_page=1")
            args = [self.display()]
            if kind == "RemoteComponent":
                args.append("'https://example.com/c.js'")
                if r.random() < 0.5:
                    kw.append("extra_prop='x'")
            return f"ui.{kind}({', '.join(args + kw)})"
        if roll < 0.55:
            return self.variable()
        if roll < 0.95:
            return self.interaction()
        return r.choice([
            "ui.Multiplot('Plot', series=[ui.Series('Flow', MyTags.flow, data_type='number', units='L')])",
            "ui.Multiplot('Plot', series=[ui.Series('Level', ui.tag_ref('lvl'), colour='red', range=(0, 'auto'),"
            " thresholds=[ui.Threshold('hi', 9)], ranges=[ui.Range('a', 0, 1)], active=True, shared_axis='x',"
            " step_labels=['a', 'b'], icon='i')], default_zoom='1d', default_range_view='line',"
            " earliest_data_time=datetime(2024, 1, 1, tzinfo=timezone.utc))",
            "ui.ConnectionInfo(connection_type=ui.ConnectionType.periodic, connection_period=60, offline_after=600)",
            "ui.CameraLiveView('cam1', 'main', True)",
            "ui.CameraHistory('cam1', position=3)",
        ])

    def ui_class(self) -> str:
        r = self.r
        kwargs = r.choice(["", ", display_name='My App'", ", hidden=True, position=7",
                           ", display_name='$config.app().title', icon='pump'", ", colour='red', default_open=True"])
        body = "\n".join(f"    {self.ident()}_attr = {self.element(0)}" for _ in range(r.randint(1, 5)))
        return f"class CaseUI(ui.UI{kwargs}):\n{body}\n"


PRELUDE = textwrap.dedent(
    """
    import json
    from datetime import datetime, timedelta, timezone
    from pydoover import ui
    from pydoover.tags import Tags, Number, Boolean, String as StrTag, Tag

    class MyTags(Tags):
        flow = Number(default=0.0, live=True)
        ready = Boolean(default=False)
        label = StrTag(default="idle")
        count = Tag("integer")

    class _Element:  # config elements as the resolver reads them (config semantics are tested elsewhere)
        def __init__(self, value):
            self.value = value

    class DeployedConfig:
        _element_map = {"limit": _Element(12), "title": _Element("Pump Station"), "dv_app_position": _Element("7"),
                        "interpreter_hidden": _Element("yes"), "APP_KEY": _Element("app")}

    def _reset():
        ui.Element._Element__global_position_counter = 50

    def _names(ui_obj):
        return sorted(ui_obj.get_interactions())

    def run(case):
        _reset()
        ns = {"ui": ui, "MyTags": MyTags, "timedelta": timedelta, "datetime": datetime, "timezone": timezone}
        exec(case["src"], ns)
        cls = ns["CaseUI"]
        out = {}
        obj = cls(None, None, None)
        out["raw"] = json.loads(json.dumps(obj.to_schema(resolve_config=False), default=repr))
        out["resolved_no_config"] = json.loads(json.dumps(obj.to_schema(), default=repr))
        cfg = DeployedConfig()
        out["resolved"] = json.loads(json.dumps(cls(cfg, None, "app").to_schema(resolve_config=True), default=repr))
        out["interactions"] = _names(obj)
        return out
    """
)


def _cases(n: int, seed: int) -> list[dict[str, Any]]:
    return [{"src": _Gen(seed * 1000 + i).ui_class()} for i in range(n)]


@pytest.fixture(scope="module")
def ui_cases() -> list[dict[str, Any]]:
    return _cases(N_CASES, 1)


def _compare(cases: list[dict[str, Any]], theirs: list[dict[str, Any]], ours: list[dict[str, Any]]) -> None:
    bad = [(c["src"], t, o) for c, t, o in zip(cases, theirs, ours, strict=True) if t != o]
    if bad:
        src, t, o = bad[0]
        pytest.fail(f"{len(bad)} of {len(cases)} cases differ; first:\n{src}\npydoover: {json.dumps(t)[:3000]}\n"
                    f"doover_fsm: {json.dumps(o)[:3000]}")


def test_generated_declarations_match_pydoover_118(ui_cases: list[dict[str, Any]]) -> None:
    theirs = run_in_oracle(PRELUDE, ui_cases)
    assert sum("ok" in t for t in theirs) >= 200, [t for t in theirs if "error" in t][:3]
    ours = run_here(PRELUDE, ui_cases)
    _compare(ui_cases, theirs, ours)


# ---------------------------------------------------------------------------------------------
# Handler dispatch: what a ui_cmds command writes back, in pydoover 1.18 and here
# ---------------------------------------------------------------------------------------------
DISPATCH = textwrap.dedent(
    """
    import asyncio, json
    import pydoover
    from pydoover import ui

    HERE = "doover_fsm" in getattr(pydoover, "__version__", "")

    class MyUI(ui.UI):
        start = ui.Button("Start", name="start")
        speed = ui.Slider("Speed", name="speed", min_val=0, max_val=50)
        mode = ui.Select("Mode", name="mode", options=[ui.Option("Auto"), ui.Option("Manual")], default="auto")
        tabs = ui.TabContainer("Tabs", name="tabs", children=[
            ui.Container("Inner", name="inner", children=[ui.Switch("Pump", name="pump"),
                                                           ui.FloatInput("Setpoint", name="setpoint")]),
        ])
        sub = ui.Submodule("Sub", name="sub", children=[ui.Button("Reset", name="reset")])

    class App:
        def __init__(self):
            self.calls = []

        @ui.handler("start")
        async def on_start(self, ctx, value):
            self.calls.append(["start", value, ctx.method])
            return {"started": True}

        @ui.handler("speed", parser=lambda p: p["value"] if isinstance(p, dict) else p)
        async def on_speed(self, ctx, value):
            self.calls.append(["speed", value])

        @ui.handler("mode", auto_update=False)
        async def on_mode(self, ctx, value):
            self.calls.append(["mode", value])
            if value == "bad":
                raise ValueError("mode must be auto or manual")
            return "ok"

        @ui.handler("pump")
        async def on_pump(self, ctx, value):
            self.calls.append(["pump", value, ctx.interaction.name])

    class FakeApi:
        app_key = "app"
        def __init__(self):
            self.writes = []
        async def update_message(self, channel, message_id, data, **kw):
            self.writes.append(["update_message", channel, message_id, data])
        async def update_channel_aggregate(self, channel, data, **kw):
            self.writes.append(["aggregate", channel, data])
        async def create_message(self, channel, data, **kw):
            self.writes.append(["create_message", channel, data])
        def add_event_callback(self, *a, **kw):
            pass

    class Channels:  # doover_fsm's agent port, writing into the same list
        def __init__(self, api):
            self.api = api
        async def update_aggregate(self, channel, patch):
            await self.api.update_channel_aggregate(channel, patch)
        async def create_message(self, channel, data):
            await self.api.create_message(channel, data)
        async def update_message(self, channel, message_id, patch):
            await self.api.update_message(channel, message_id, patch)

    class _Obj:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    async def _run(case):
        api, app = FakeApi(), App()
        ui_obj = MyUI(None, None, "app")
        if HERE:
            from doover_fsm.ui.runtime import UIManager
            from doover_fsm.ui.manager import CommandMessage, ChannelRef
            manager = UIManager("app", Channels(api))
        else:
            manager = ui.UICommandsManager(api)
        manager.register_handlers(app)
        manager._set_interactions(ui_obj.get_interactions())
        for i, data in enumerate(case["messages"]):
            if HERE:
                try:
                    await manager.dispatch(CommandMessage(100 + i, ChannelRef("ui_cmds"), data))
                except Exception:
                    pass  # doover_fsm re-raises a failed handler to the scan after answering
            else:
                channel = _Obj(name="ui_cmds")
                msg = _Obj(id=100 + i, channel=channel, data=data, timestamp=None)
                await manager._handle_request(_Obj(message=msg, channel=channel))
        # the agent echoes the ui_cmds aggregate back (doover_fsm also reads its own writes at once)
        agg = {}
        for w in api.writes:
            if w[0] == "aggregate":
                for k, v in w[2].items():
                    agg.setdefault(k, {}).update(v)
        if HERE:
            manager.on_aggregate(agg)
        else:
            await manager._on_aggregate_update(_Obj(aggregate=_Obj(data=agg)))
        values = {}
        for name in sorted(ui_obj.get_interactions()):
            try:
                values[name] = ui_obj.get_interactions()[name].value
            except KeyError as e:
                values[name] = "KeyError"
        return {"writes": api.writes, "calls": app.calls, "values": values}

    def run(case):
        return json.loads(json.dumps(asyncio.run(_run(case)), default=repr))
    """
)


def _dispatch_cases(n: int, seed: int) -> list[dict[str, Any]]:
    r = random.Random(seed)
    methods = ["start", "speed", "mode", "pump", "setpoint", "reset", "unknown"]
    requests: list[Any] = [{}, {"value": 5}, 7, "auto", "bad", True, None, [1, 2]]
    cases = []
    for _ in range(n):
        messages = []
        for _ in range(r.randint(1, 4)):
            data: dict[str, Any] = {"type": "rpc", "method": r.choice(methods)}
            if r.random() < 0.95:
                data["request"] = r.choice(requests)
            if r.random() < 0.8:
                data["app_key"] = "app" if r.random() < 0.9 else "other"
            if r.random() < 0.05:
                data["type"] = "log"
            messages.append(data)
        cases.append({"messages": messages})
    return cases


def test_handler_dispatch_matches_pydoover_118() -> None:
    cases = _dispatch_cases(80, 7)
    theirs = run_in_oracle(DISPATCH, cases)
    assert all("ok" in t for t in theirs), [t for t in theirs if "error" in t][:3]
    ours = run_here(DISPATCH, cases)
    _compare([{"src": json.dumps(c)} for c in cases], theirs, ours)


# ---------------------------------------------------------------------------------------------
# pydoover 0.4 names: (name, display_name) elements and the UIManager that publishes them
# ---------------------------------------------------------------------------------------------
LEGACY = textwrap.dedent(
    """
    import json
    from pydoover import ui

    class _Api:  # what pydoover 0.4's UIManager asks its client before anything is sent
        def has_persistent_connection(self):
            return False

    def run(case):
        ns = {"ui": ui}
        exec(case["src"], ns)
        elements = ns["elements"]
        out = {}
        manager = ui.UIManager(app_key="app", client=_Api()) if hasattr(ui.UIManager, "push_async") \\
            else ui.UIManager("app")
        manager.add_children(*elements)
        # (after placement: an ambiguous TextVariable("a", "b") is read as 0.4 once the 0.4 manager takes it)
        out["elements"] = [e.to_dict() for e in elements]
        manager.set_display_name("My App")
        manager.set_position(3)
        out["app"] = manager._base_container.to_dict()
        out["interactions"] = sorted(i.name for i in manager.get_all_interactions())
        return json.loads(json.dumps(out, default=repr))
    """
)


def _legacy_src(seed: int) -> str:
    r = random.Random(seed)
    made = []
    for i in range(r.randint(1, 5)):
        name, disp = f"el_{i}", r.choice(_WORDS)
        kind = r.choice(["NumericVariable", "BooleanVariable", "TextVariable", "DateTimeVariable", "Action",
                         "WarningIndicator", "NumericParameter", "TextParameter", "Slider", "AlertStream",
                         "StateCommand", "HiddenValue", "Submodule"])
        kw = []
        if r.random() < 0.3:
            kw.append("hidden=True")
        if r.random() < 0.3:
            kw.append(f"position={r.randint(1, 9)}")
        if kind == "NumericVariable":
            kw += r.choice([[], ["precision=2"], ["curr_val=4.5"], ["ranges=[ui.Range('Low', 0, 10, ui.Colour.red)]"],
                            ["form=ui.Widget.radial"]])
        if kind in ("BooleanVariable", "TextVariable") and r.random() < 0.5:
            kw.append("curr_val=True" if kind == "BooleanVariable" else "curr_val='x'")
        if kind == "Action":
            kw += r.choice([[], ["colour=ui.Colour.red"], ["requires_confirm=False"], ["disabled=True"]])
        if kind == "Slider":
            kw += r.choice([[], ["min_val=5", "max_val=60"], ["icon='fan'"]])
        if kind == "NumericParameter" and r.random() < 0.5:
            kw += ["min_val=1", "max_val=9"]
        if kind == "StateCommand":
            kw.append("user_options=[ui.Option('a', 'A'), ui.Option('b', 'B')]")
        if kind == "AlertStream":
            made.append("ui.AlertStream()")
            continue
        if kind == "HiddenValue":
            made.append(f"ui.HiddenValue({name!r})")
            continue
        if kind == "Submodule":
            inner = f"ui.NumericVariable('{name}_v', 'Inner'), ui.Action('{name}_a', 'Go')"
            made.append(f"ui.Submodule({name!r}, {disp!r}, children=[{inner}], status='ok')")
            continue
        made.append(f"ui.{kind}({', '.join([repr(name), repr(disp), *kw])})")
    return "elements = [" + ", ".join(made) + "]\n"


def test_legacy_elements_and_manager_match_pydoover_04() -> None:
    cases = [{"src": _legacy_src(seed)} for seed in range(N_LEGACY)]
    theirs = run_in_oracle(LEGACY, cases, version="0.4")
    assert all("ok" in t for t in theirs), [t for t in theirs if "error" in t][:3]
    ours = run_here(LEGACY, cases)
    _compare(cases, theirs, ours)


# ---------------------------------------------------------------------------------------------
# Signatures of the public UI names apps use (parameter names, kinds and defaults)
# ---------------------------------------------------------------------------------------------
SIGNATURES = textwrap.dedent(
    """
    import importlib, inspect

    def run(name):
        mod, _, attr = name.rpartition(":")
        obj = importlib.import_module(mod)
        for part in attr.split("."):
            obj = getattr(obj, part)
        out = []
        for p in inspect.signature(obj).parameters.values():
            default = p.default
            if default is inspect.Parameter.empty:
                shown = "<required>"
            elif isinstance(default, type):
                shown = "<class " + default.__name__ + ">"   # NotSet lives in another module here
            elif type(default).__name__ in ("_MissingDefault", "_Missing"):
                shown = "<missing>"
            else:
                shown = repr(default)
            out.append([p.name, p.kind.name, shown])
        return out
    """
)

SIGNATURE_NAMES_118 = [f"pydoover.ui:{n}" for n in (
    "Element", "Variable", "NumericVariable", "TextVariable", "BooleanVariable", "DateTimeVariable", "Timestamp",
    "Interaction", "Button", "Select", "Slider", "Switch", "WarningIndicator", "FloatInput", "TextInput",
    "DatetimeInput", "TimeInput", "Container", "Submodule", "Application", "RemoteComponent", "TabContainer",
    "Range", "Threshold", "Series", "ConfirmDialog", "AuditConfig", "Multiplot", "ConnectionInfo",
    "CameraLiveView", "CameraHistory", "handler", "tag_ref", "bind_tag",
    "UI.to_schema", "UI.export", "UI.get_interactions", "UI.add_element", "UI.remove_element", "UI.bind_tags",
    "Interaction.set", "Interaction.handler", "Container.add_children", "Container.remove_children",
    "Colour.from_hex", "Colour.from_string", "Widget.from_string",
)]
SIGNATURE_NAMES_04 = [f"pydoover.ui:{n}" for n in (
    "Action", "AlertStream", "NumericParameter", "TextParameter", "DateTimeParameter", "StateCommand",
    "HiddenValue", "Camera", "callback", "action", "slider", "state_command", "hidden_value", "warning_indicator",
    "numeric_parameter", "text_parameter", "datetime_parameter",
    "UIManager.add_children", "UIManager.set_display_name", "UIManager.set_position", "UIManager.set_status_icon",
    "UIManager.send_notification_async", "UIManager.coerce_command", "UIManager.update_variable",
    "UIManager.get_interaction", "UIManager.register_callbacks", "UIManager.set_variant",
)]
@pytest.mark.parametrize(("names", "version"), [(SIGNATURE_NAMES_118, "1.18"), (SIGNATURE_NAMES_04, "0.4")])
def test_signatures_match_pydoover(names: list[str], version: str) -> None:
    theirs = run_in_oracle(SIGNATURES, names, version=version)
    ours = run_here(SIGNATURES, names)
    differ = {n: (t, o) for n, t, o in zip(names, theirs, ours, strict=True) if t != o}
    assert not differ, json.dumps(differ, indent=1)[:4000]


def test_oracle_signature_helper_agrees_on_the_display_name_first_form() -> None:
    sig = oracle_signatures(["pydoover.ui:BooleanVariable"])["pydoover.ui:BooleanVariable"]
    assert sig is not None and sig.startswith("(display_name: str, value: bool, log_threshold: float | None = 0")


# ---------------------------------------------------------------------------------------------
# Every name pydoover.ui (and its submodules) exports is there
# ---------------------------------------------------------------------------------------------
NAMES = textwrap.dedent(
    """
    import importlib, inspect

    def run(module):
        mod = importlib.import_module(module)
        return sorted(n for n, v in vars(mod).items()
                      if not n.startswith("_") and not inspect.ismodule(v)
                      and (inspect.isclass(v) or inspect.isfunction(v))
                      and (getattr(v, "__module__", "") == module
                           or (module == "pydoover.ui" and getattr(v, "__module__", "").startswith(module))))
    """
)
HAS = textwrap.dedent(
    """
    import importlib

    def run(case):
        mod = importlib.import_module(case["module"])
        return sorted(n for n in case["names"] if not hasattr(mod, n))
    """
)


@pytest.mark.parametrize(("version", "modules"), [
    ("1.18", ["pydoover.ui", "pydoover.ui.element", "pydoover.ui.interaction", "pydoover.ui.variable",
              "pydoover.ui.misc", "pydoover.ui.submodule", "pydoover.ui.declarative", "pydoover.ui.manager",
              "pydoover.ui.parameter", "pydoover.ui.camera"]),
    ("0.4", ["pydoover.ui"]),
])
def test_every_name_pydoover_ui_exports_is_here(version: str, modules: list[str]) -> None:
    theirs = run_in_oracle(NAMES, modules, version=version)
    cases = [{"module": m, "names": t["ok"]} for m, t in zip(modules, theirs, strict=True)]
    assert sum(len(c["names"]) for c in cases) > 40
    missing = {c["module"]: r["ok"] for c, r in zip(cases, run_here(HAS, cases), strict=True) if r["ok"]}
    assert not missing, missing


# ---------------------------------------------------------------------------------------------
# 0.4 commands: ui_cmds aggregate changes → element callbacks and @ui.callback methods
# ---------------------------------------------------------------------------------------------
LEGACY_COMMANDS = textwrap.dedent(
    """
    import asyncio, json, re
    from pydoover import ui

    class _Api:
        def has_persistent_connection(self):
            return False

    class App:
        def __init__(self):
            self.calls = []
            self.start = ui.Action("start", "Start")
            self.mode = ui.StateCommand("mode", "Mode", user_options=[ui.Option("a", "A"), ui.Option("m", "M")])
            self.speed = ui.Slider("speed", "Speed", callback=lambda v: self.calls.append(["speed-cb", v]))
            self.factor = ui.NumericParameter("factor", "Factor", default=2.5)
            self.note = ui.TextParameter("note", "Note")

        @ui.callback("start")
        def on_start(self, element, value):
            self.calls.append(["start", element.name, value])

        @ui.callback(re.compile(r"^(mode|factor)$"))
        async def on_some(self, element, value):
            self.calls.append(["some", element.name, value])

        @ui.callback("note", global_interaction=True)
        def on_global_note(self, element, value):
            self.calls.append(["global-note", value])

    async def _run(case):
        here = not hasattr(ui.UIManager, "push_async")
        manager = ui.UIManager("gen") if here else ui.UIManager(app_key="gen", client=_Api())
        app = App()
        manager.register_callbacks(app)
        manager.add_children(app.start, app.mode, app.speed, app.factor, app.note)
        for agg in case["aggregates"]:
            if here:
                await manager.on_commands_aggregate(agg)
            else:
                await manager.on_command_update_async(None, agg)
        values = {e.name: e.current_value for e in (app.start, app.mode, app.speed, app.factor, app.note)}
        return {"calls": app.calls, "values": values}

    def run(case):
        return json.loads(json.dumps(asyncio.run(_run(case)), default=repr))
    """
)


def _legacy_command_cases(n: int, seed: int) -> list[dict[str, Any]]:
    r = random.Random(seed)
    names = ["gen_start", "gen_mode", "gen_speed", "gen_factor", "gen_note", "gen_unknown", "note"]
    values: list[Any] = [True, False, None, 1, 7.5, "a", "m", "hello"]
    cases = []
    for _ in range(n):
        aggregates = []
        for _ in range(r.randint(1, 4)):
            cmds = {name: r.choice(values) for name in r.sample(names, r.randint(0, 4))}
            aggregates.append({"cmds": cmds} if r.random() < 0.9 else cmds)
        cases.append({"aggregates": aggregates})
    return cases


def test_legacy_commands_reach_callbacks_as_in_pydoover_04() -> None:
    cases = _legacy_command_cases(40, 11)
    theirs = run_in_oracle(LEGACY_COMMANDS, cases, version="0.4")
    assert all("ok" in t for t in theirs), [t for t in theirs if "error" in t][:3]
    ours = run_here(LEGACY_COMMANDS, cases)
    _compare([{"src": json.dumps(c)} for c in cases], theirs, ours)
