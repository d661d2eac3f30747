from pathlib import Path

from pydoover import config
from pydoover.docker.modbus import ModbusConfig


class TankConfig(config.Schema):
    def __init__(self):
        self.title = config.String("Title", description="display name", default="Tank")
        self.fill_pin = config.Integer("Fill Pin", description="valve output", default=0, minimum=0)
        self.float_pins = config.Array("Float Pins", description="high floats",
                                       element=config.Integer("Pin", description="input"))
        self.rate = config.Number("Fill Rate", description="L/min", default=12.5)
        self.units = config.Enum("Units", description="volume units", choices=["L", "kL"], default="L")
        self.notify = config.Boolean("Notify", description="send alerts", default=True)
        self.modbus_config = ModbusConfig()

    @property
    def litres_per_second(self):
        return self.rate.value / 60


def export():
    TankConfig().export(Path(__file__).parents[2] / "doover_config.json", "tank_v04")
