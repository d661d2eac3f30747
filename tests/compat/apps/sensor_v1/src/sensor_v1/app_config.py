from pathlib import Path

from pydoover import config
from pydoover.docker.modbus import ModbusConfig

from .common import CommonSensorConfig

EDGES = ["rising", "falling"]


class SensorConfig(CommonSensorConfig):
    modbus_config = ModbusConfig()
    slave_id = config.Integer("Slave ID", default=80, name="slave_id")
    pulse_pin = config.Integer("Pulse Pin", default=None, minimum=0)
    _edge = config.Enum("Pulse Edge", name="edge", choices=EDGES, default="rising", hidden=True,
                        deprecated=True, position=3)
    threshold = config.Number("VI Threshold", default=10.0, minimum=0)
    poll = config.Number("Poll Period (s)", default=0.5, name="poll", minimum=0.05)
    hide_raw = config.Boolean("Hide Raw", default=True)
    upstream_app = config.Application("Upstream App", default=None, description="another app to mirror")
    position = config.ApplicationPosition(position=16)

    @property
    def edge(self) -> str:
        return self._edge.value

    def pulse_source(self):
        """Pins 4/5 are voltage-input counters on AI 0/1: their edge carries the threshold."""
        pin = self.pulse_pin.value
        if pin in (4, 5):
            sign = "+" if self.edge == "rising" else "-"
            return pin - 4, f"VI{sign}{float(self.threshold.value)}@{float(self.poll.value)}"
        return pin, self.edge


def export():
    SensorConfig.export(Path(__file__).parents[2] / "doover_config.json", "sensor_v1")
