import enum
from pathlib import Path

from pydoover import config
from pydoover.config import ApplicationDefaultOpen, ApplicationPosition
from pydoover.docker.modbus import ModbusConfig


class Mode(enum.Enum):
    auto = "Automatic"
    manual = "Manual"


class SlowBus(ModbusConfig):
    def __init__(self, display_name: str = "Modbus Config"):
        config.Object.__init__(self, display_name, serial_baud__default=19200)


class Alerts(config.Object):
    on_fault = config.Boolean("Alert On Fault", default=True, description="Notify when the pump faults")
    on_start = config.Boolean("Alert On Start", default=False)


class CurvePoint(config.Object):
    level = config.Number("Level", description="metres")
    litres = config.Number("Litres")


class PumpConfig(config.Schema):
    mode = config.Enum("Run Mode", choices=Mode, default=Mode.auto, position=0)
    speed = config.Enum("Speed", choices=["Slow", "Fast"], default="Slow", description="motor speed")
    pump_pin = config.Integer("Pump Output Pin", default=0, minimum=0, maximum=7)
    level_pin = config.Integer("Level Input", default=0, name="level_ai")
    start_level = config.Number("Start Level (%)", default=80.0, minimum=0)
    stop_level = config.Number("Stop Level (%)", default=20.0, minimum=0, hidden=True)
    label = config.String("Label", default="Pump", description="shown in the UI")
    power_pin = config.Integer("Power Pin", default=None)
    run_sense_pins = config.Array("Run Sense Pins", element=config.Integer("Pin"))
    curve = config.Array("Tank Curve", element=CurvePoint("Curve Point"))
    legacy = config.Boolean("Legacy Flag", default=False, deprecated=True)
    upstream = config.Application("Upstream App", default=None)
    modbus_config = SlowBus()
    alerts = Alerts("Alerts", description="which events notify")
    position = ApplicationPosition()
    default_open = ApplicationDefaultOpen()

    @property
    def run_mode(self) -> Mode:
        value = self.mode.value
        return value if isinstance(value, Mode) else Mode(value)


def export():
    PumpConfig.export(Path(__file__).parents[2] / "doover_config.json", "pump_v1")
