from pathlib import Path

from pydoover import ui

from .app_tags import SensorTags
from .common import CommonSensorUI


class SensorUI(CommonSensorUI):
    link = ui.WarningIndicator("Sensor offline", name="link", hidden=SensorTags.link_ok, position=0)
    state = ui.TextVariable("Link State", value=SensorTags.link_state, hidden=False)
    recalibrate = ui.Button("Recalibrate", help_str="re-zero the sensor", hidden=True)
    group = ui.Container("More", name="more", children=[
        ui.BooleanVariable("Link OK", value=SensorTags.link_ok, name="link_ok", position=2),
    ])

    async def setup(self):
        await super().setup()
        self._find("link_ok").display_name = "Link Healthy"
        if self.config.full_scale.value is None:
            self.reading.form = ui.NotSet
            self.reading.ranges = ui.NotSet
            self.reading.precision = 1
            self.reading.position = 5

    def _find(self, name):
        def walk(element):
            for child in getattr(element, "_children", {}).values():
                if child.name == name:
                    return child
                found = walk(child)
                if found is not None:
                    return found
            return None

        for element in self._elements.values():
            if element.name == name:
                return element
            found = walk(element)
            if found is not None:
                return found
        raise KeyError(name)


def export():
    SensorUI(None, None, None).export(Path(__file__).parents[2] / "doover_config.json", "sensor_v1")
