"""Our own Doover apps run unchanged on doover_fsm.

``tests/compat/apps`` holds three Doover app repos written for this project: ``pump_v1`` and
``sensor_v1`` on pydoover 1.x names, ``tank_v04`` on 0.4 names (plus a 0.4-style sync simulator).
Here their own suites run under ``doover-fsm test`` and each app runs live on the virtual board
under ``doover-fsm run``. The same suites pass under the pydoover oracles (pump_v1 and sensor_v1
on 1.18.3, tank_v04 on 0.4.18). ``test_the_apps_use_every_name_of_the_inventory`` keeps them covering every
call form nine public Doover device apps use (the inventory made when this suite was written).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

APPS = Path(__file__).parent / "apps"


def doover_fsm(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "doover_fsm.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


@pytest.mark.parametrize(("app", "total"), [("pump_v1", 12), ("sensor_v1", 12), ("tank_v04", 5)])
def test_own_suite_passes_under_doover_fsm_test(app, total):
    proc = doover_fsm("test", str(APPS / app))
    outcome = [ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR", "doover-fsm test:"))]
    assert f"doover-fsm test: {app}: {total} passed, 0 failed, 0 errors, 0 skipped (of {total})" in outcome, outcome
    assert proc.returncode == 0


# the period each app asks for: pump_v1 0.2 s in setup(), sensor_v1 its config's poll (0.5 s) from
# main_loop, tank_v04 0.5 s in __init__, the simulator 0.25 s as a class attribute
@pytest.mark.parametrize(("app", "period"), [("pump_v1", 0.2), ("sensor_v1", 0.5), ("tank_v04", 0.5),
                                             ("tank_v04.simulator:main", 0.25)])
def test_runs_on_the_virtual_board(app, period, tmp_path):
    repo = APPS / app.split(".")[0]
    target = app if ":" in app else str(repo)
    args = ["run", target, "--board", "virtual", "--duration", "2", "--data-dir", str(tmp_path)]
    config = repo / "simulators" / "app_config.json"
    if config.is_file() and ":" not in app:
        args += ["--config", str(config)]
    proc = doover_fsm(*args, cwd=repo / "src")
    assert proc.returncode == 0, proc.stderr[-4000:]
    final = re.search(r"final: \[(\w+)\] scans=(\d+)", proc.stdout)
    assert final, proc.stdout + proc.stderr[-4000:]
    expected = 2 / period
    assert expected * 0.6 <= int(final.group(2)) <= expected * 1.4 + 1, proc.stdout
    assert "Traceback" not in proc.stderr and " ERROR " not in proc.stderr, proc.stderr[-4000:]


# every call form the nine public apps use (an inventory of their source, by area); no code of theirs is here
INVENTORY_FORMS = {
    "config": [
        "(config.Schema)", "def __init__(self):\n        self.title = config.String(", "config.String(",
        "config.Integer(", "config.Number(", "config.Boolean(", "config.Enum(", "choices=Mode", "choices=[",
        "config.Array(", "element=config.Integer(", "element=CurvePoint(", "(config.Object)",
        "config.Object.__init__(self, display_name, serial_baud__default=", "config.Application(",
        "ApplicationPosition()", "config.ApplicationPosition(position=", "ApplicationDefaultOpen()",
        "= ModbusConfig()", "(ModbusConfig)", "(CommonSensorConfig)", 'name="level_ai"', "hidden=True",
        "deprecated=True", "position=0", "minimum=", "maximum=", "description=", 'default=""', "default=None",
        ".to_schema()", "PumpConfig.export(", "TankConfig().export(", ".to_dict()", "_inject_deployment_config(",
        ".elements", "config=Schema()", ".modbus_config.name.value", "@property",
    ],
    "tags": [
        '(Tags)', 'Tag("number"', 'Tag("boolean"', 'Tag("string"', 'Tag("integer"', "live=True", "String(default=",
        "Boolean(default=", "Number(default=", "log_on=AnyChange()", "log_on=Delta(amount=", ".live is True",
        "self.tags.get(", ".get()", "await self.tags.", "$tag.app().", "$config.app().", "display_name=PumpTags.",
        "ui.WarningIndicator(PumpTags.", "value=PumpTags.", "hidden=PumpTags.",
    ],
    "ui": [
        "(ui.UI,", "(CommonSensorUI)", "ui.TabContainer(", "ui.Container(", "ui.Submodule(", "is_collapsed=True",
        "ui.NumericVariable(", "ui.BooleanVariable(", "ui.TextVariable(", "ui.Timestamp(", "ui.WarningIndicator(",
        "can_cancel=False", "ui.Button(", 'ui.Button("Stop Now"', "ui.Select(", "ui.Option(", "ui.FloatInput(",
        "ui.Slider(", "ui.ConfirmDialog(", "audit=True", "ui.Range(", "ui.Range(None,", "ui.Colour.blue",
        "ui.Colour.green", "ui.Colour.yellow", "ui.Colour.red", "ui.Colour.orange", "ui.Colour.grey",
        "ui.Widget.radial", "ui.NotSet", "icon=", 'colour="tomato"', "help_str=", "units=", "precision=",
        "requires_confirm=True", "step_size=", "dual_slider=", "inverted=", ".min_val =", ".max_val =",
        ".default =", ".options[1].display_name =", ".display_name =", ".units =", ".ranges =", ".form =",
        ".precision =", ".position =", ".hidden =", ".step_size =", ".inverted =", ".dual_slider =",
        "to_schema(resolve_config=False)", "(None, None, None)", "._elements", '"_children"',
        "await super().setup()", "async def setup(self):\n        self.setpoint", "@ui.handler(",
        "await ctx.set_value(None)", "self.ui.speed.value", "await self.ui.speed.set(",
        "self.ui_manager.get_value(",
    ],
    "ui 0.4": [
        'ui.NumericVariable("level", "Level"', "unit=", "ui.DateTimeVariable(", "ui.AlertStream()", ".send_alert(",
        "ui.NumericParameter(", "ui.Action(", ".current_value", ".coerce(None)", ".update(", ".unit =",
        "self.ui_manager.add_children(*", "self.ui_manager.set_display_name(", "self.ui_manager.set_position(",
        "self.ui_manager.send_notification_async(", "@ui.callback(", "self.ui: TankUI = None",
    ],
    "platform": [
        "platform_iface.fetch_ai(", "platform_iface.set_do(", "platform_iface.fetch_di_events(", "events_from=",
        "platform_iface.start_di_pulse_listener(", "start_count=", 'f"VI{sign}',
        "async def on_pulse(self, di, value, dt_secs, counter, edge)",
        "platform_iface.get_di_async(", "platform_iface.set_do_async(self.", "set_do_async(do=",
    ],
    "modbus": [
        "modbus_iface.read_registers(", "bus_id=", "bus=self.config.modbus_config", "retries=",
        "isinstance(regs, int)", "modbus_iface.write_registers(", "values=[", "modbus_iface.write_single_register(",
        "modbus_iface.read_registers_async(", "register_type=3", "register_type=4",
    ],
    "agent/models/rpc/utils": [
        'self.create_message(\n                "notifications"', 'await self.create_message("notifications"',
        "self.send_notification(", "NotificationSeverity.Warn.name", "for s in NotificationSeverity",
        "raise RPCError(", "e.value.code", "@rpc_handler(", "@handler(", 'getattr(ctx, "actor"',
        "@apply_async_kalman_filter(",
    ],
    "state": [
        "StateMachine(", "ignore_invalid_triggers=True", "queued=True", 'after_state_change="_changed"',
        "send_event=False", '"timeout":', '"on_timeout": "reset"', '"on_timeout": "retry"', '"on_enter": "mark_up"',
        '"on_exit": "mark_left"', "def mark_left(self):", '"source": "*"', '"source": ["idle", "fault"]',
        "async def on_enter_running(self):", "if TYPE_CHECKING:", "asyncio.run(cycle.start())",
        "await cycle.start()", "cycle.state",
    ],
    "application": [
        "config_cls =", "tags_cls =", "ui_cls =", "config: PumpConfig", "TankApp(config=TankConfig())",
        "test_mode=True", "platform_iface=FakePlatform(", "modbus_iface=FakeModbus()", "loop_target_period = 0.5",
        "loop_target_period = 0.25", "self.loop_target_period = 0.5", "self.loop_target_period = 0.2",
        "self.loop_target_period = float(", "super().__init__(*args, **kwargs)", "    def setup(self):",
        "    def main_loop(self):", "async def on_shutdown_at(self, dt)", 'self.get_tag("requested_level")',
        'self.get_tag("reading", upstream)', 'await self.set_tag("requested_level"', 'await self.set_tag("mirror"',
        '        self.set_tag("sim_level"', "await self.set_tags(", "self.app_display_name", "object.__new__(",
        "(Application, CommonSensorLogic)", "await super().handle_update(", "run_app(PumpApp())",
        'doover-app-run = "', "@staticmethod", "await app.setup()",
    ],
}


def test_the_apps_use_every_name_of_the_inventory():
    source = "\n".join(p.read_text() for p in sorted(APPS.rglob("*")) if p.suffix in (".py", ".toml"))
    missing = {area: [form for form in forms if form not in source] for area, forms in INVENTORY_FORMS.items()}
    assert not any(missing.values()), {k: v for k, v in missing.items() if v}
