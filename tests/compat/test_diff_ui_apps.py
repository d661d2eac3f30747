"""App-shaped UIs (the call forms real Doover apps use, written for these tests) built in the
pydoover oracles and on doover_fsm: the same JSON, the same exported doover_config.json."""

from __future__ import annotations

import textwrap

from tests.compat._oracle import run_here, run_in_oracle

# A 1.x app: tabs of containers, tag-bound variables and warnings, a runtime setup() that finds
# elements through the UI's private maps (as apps do), export() into a config file.
APP_118 = textwrap.dedent(
    """
    import asyncio, json, os, tempfile
    from pathlib import Path
    from pydoover import ui
    from pydoover.tags import Tags, Number, Boolean, String

    ui.Element._Element__global_position_counter = 50  # positions count elements made in this process

    class MeterTags(Tags):
        rate = Number(default=0.0, live=True)
        total = Number(default=0.0)
        fault_hidden = Boolean(default=True)
        summary = String(default="")
        started = Number()

    class MeterUI(ui.UI, display_name='$tag.app().title:string:"Meter"'):
        tabs = ui.TabContainer("Tabs", name="tabs", children=[
            ui.Container("Flow", name="flow_tab", children=[
                ui.WarningIndicator("Sensor out of range", name="sensor_fault", hidden=MeterTags.fault_hidden,
                                    position=5),
                ui.NumericVariable("Flow Rate", value=MeterTags.rate, name="rate", units="L/hr", precision=1,
                                   form=ui.Widget.radial, ranges=[ui.Range("Low", 0, 200, ui.Colour.blue),
                                                                  ui.Range("High", 200, 1000, ui.Colour.yellow)],
                                   position=10),
                ui.Button("Reset Total", name="reset_total", position=30, requires_confirm=True),
            ]),
            ui.Container("Events", name="events_tab", children=[
                ui.Timestamp("Started", value=MeterTags.started, name="started", position=20),
                ui.TextVariable("Last Event", value=MeterTags.summary, name="summary", position=50),
            ]),
        ])
        mode = ui.Select("Operating Mode", name="mode", options=[ui.Option("User Control"), ui.Option("Terminal")],
                         default="user_control", help_str="How the drive is controlled")
        setpoint = ui.FloatInput("Frequency Setpoint", units="Hz", precision=1, hidden="$tag.app().hide:boolean:true")
        ready = ui.BooleanVariable("Ready", value=MeterTags.fault_hidden, icon="toggle-on")

        async def setup(self):
            rate = self._find("rate")
            rate.units = "m3/h"
            rate.ranges = [ui.Range("Low", 0, 20, ui.Colour.blue), ui.Range("High", 20, 100, ui.Colour.red)]

        def _find(self, name):
            def walk(container):
                for child in getattr(container, "_children", {}).values():
                    if child.name == name:
                        return child
                    found = walk(child)
                    if found is not None:
                        return found
            for element in self._elements.values():
                if element.name == name:
                    return element
                found = walk(element)
                if found is not None:
                    return found
            raise KeyError(name)

    def run(case):
        ui.Element._Element__global_position_counter = 50
        static = MeterUI(None, None, None).to_schema(resolve_config=False)
        live = MeterUI(None, None, "meter")
        asyncio.run(live.setup())
        with tempfile.TemporaryDirectory() as d:
            fp = Path(d) / "doover_config.json"
            fp.write_text(json.dumps({"meter": {"config_schema": {"x": 1}}}))
            MeterUI(None, None, None).export(fp, "meter")
            exported = json.loads(fp.read_text())
        return {"static": static, "after_setup": live.to_schema(resolve_config=False),
                "is_static": [MeterUI(None, None, None).is_static],
                "interactions": sorted(live.get_interactions()), "exported": exported}
    """
)

# A 0.4 app: a plain class holding elements, handed to ui_manager.add_children, then updated.
APP_04 = textwrap.dedent(
    """
    import json
    from pydoover import ui

    class _Api:
        def has_persistent_connection(self):
            return False

    class CounterUI:
        def __init__(self):
            self.rate = ui.NumericVariable("flow_rate", "Flow Rate", precision=2,
                                           ranges=[ui.Range("None", 0, 0.01, ui.Colour.grey)])
            self.status = ui.TextVariable("status", "Status")
            self.reason = ui.TextVariable("auto_reason", "Running for", hidden=True)
            self.running = ui.BooleanVariable("is_running", "Running")
            self.last = ui.DateTimeVariable("last_update", "Last Update")
            self.low = ui.WarningIndicator("low_flow", "Low Flow", hidden=True)
            self.alerts = ui.AlertStream()
            self.factor = ui.NumericParameter("factor", "Calibration Factor", precision=1)
            self.reset = ui.Action("reset", "Reset", colour=ui.Colour.red, requires_confirm=True, position=1)
            self.stop = ui.Action("stop", "Stop", colour=ui.Colour.blue, hidden=True, position=3)
            self.panel = ui.Submodule("panel", "Panel", children=[ui.Slider("speed", "Speed", min_val=0,
                                                                            max_val=40)])

        def fetch(self):
            return (self.rate, self.status, self.reason, self.running, self.last, self.low, self.alerts,
                    self.factor, self.reset, self.stop, self.panel)

    def run(case):
        manager = ui.UIManager(app_key="counter_1", client=_Api()) if hasattr(ui.UIManager, "push_async") \\
            else ui.UIManager("counter_1")
        view = CounterUI()
        manager.add_children(*view.fetch())
        manager.set_display_name("Counter")
        manager.set_position(4)
        view.rate.update(3.14159)
        view.status.update("Counting")
        view.running.update(True)
        view.low.hidden = False
        view.reset.coerce(None)
        view.factor.update = None
        return {"app": manager._base_container.to_dict(),
                "names": sorted(i.name for i in manager.get_all_interactions()),
                "reset": [view.reset.current_value, view.stop.current_value, view.rate.current_value]}
    """
)


def test_a_1x_app_ui_matches_pydoover_118() -> None:
    theirs = run_in_oracle(APP_118, [0])
    assert "ok" in theirs[0], theirs
    assert run_here(APP_118, [0]) == theirs


def test_a_04_app_ui_matches_pydoover_04() -> None:
    theirs = run_in_oracle(APP_04, [0], version="0.4")
    assert "ok" in theirs[0], theirs
    assert run_here(APP_04, [0]) == theirs
