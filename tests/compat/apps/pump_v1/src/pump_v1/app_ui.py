from pathlib import Path

from pydoover import ui

from .app_tags import PumpTags


class PumpUI(ui.UI, display_name=PumpTags.title):
    fault = ui.WarningIndicator(PumpTags.fault_text, name="fault", hidden=PumpTags.hide_fault, can_cancel=False)
    tabs = ui.TabContainer(
        "Tabs",
        name="tabs",
        children=[
            ui.Container(
                "Status",
                name="status_tab",
                children=[
                    ui.NumericVariable(
                        "Level",
                        value=PumpTags.level,
                        name="level",
                        units="%",
                        precision=1,
                        form=ui.Widget.radial,
                        ranges=[ui.Range("Low", 0, 20, ui.Colour.red), ui.Range(None, 20, 100, ui.Colour.green)],
                        position=1,
                    ),
                    ui.BooleanVariable("Running", value=PumpTags.running, name="running", icon="bolt"),
                    ui.Timestamp("Last Run", value=PumpTags.last_run, name="last_run"),
                    ui.Button("Start", name="start", colour=ui.Colour.green,
                              requires_confirm=ui.ConfirmDialog(title="Start?", warning_reason="runs the pump",
                                                                audit=True)),
                    ui.Button("Stop Now", colour=ui.Colour.red, requires_confirm=True),
                ],
            ),
        ],
    )
    details = ui.Submodule(
        "Details",
        name="details",
        is_collapsed=True,
        children=[
            ui.NumericVariable("Pulses", value=PumpTags.pulses, name="pulses", precision=0),
            ui.TextVariable("Note", value="", name="note", colour="tomato",
                            hidden="$tag.app().hide_fault:boolean:true"),
        ],
    )
    mode = ui.Select("Mode", name="mode", options=[ui.Option("Auto Run"), ui.Option("Hand")], default="auto_run",
                     help_str="how the pump is started")
    setpoint = ui.FloatInput("Setpoint", units="%", precision=1, help_str="target level", hidden=False)
    speed = ui.Slider("Speed", name="speed", min_val=0, max_val=100, step_size=5, dual_slider=False,
                      inverted=False, units="%", hidden=False, help_str="motor speed",
                      requires_confirm=ui.ConfirmDialog(title="Change speed?", warning_reason="the pump speeds up"))
    band = ui.Slider("Band", name="band", min_val=0, max_val=100, dual_slider=True, inverted=False)

    async def setup(self):
        self.setpoint.min_val = 0.0
        self.setpoint.max_val = 100.0
        self.setpoint.default = float(self.config.start_level.value)
        self.mode.options[1].display_name = "Manual"
        self.speed.hidden = self.config.speed.value == "Fast"
        self.details.hidden = False
        self.fault.position = 0
        self.band.step_size = 0.5
        self.band.inverted = self.config.run_mode.value == "Manual"
        self.band.dual_slider = True
        self.band.display_name = f"{self.config.label.value} band"


def export():
    PumpUI(None, None, None).export(Path(__file__).parents[2] / "doover_config.json", "pump_v1")
