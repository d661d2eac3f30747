"""Parts shared by the sensor's device app and any other front end (a base schema, UI and mixin)."""

from pydoover import config, ui

from .app_tags import SensorTags


class CommonSensorConfig(config.Schema):
    ai_pin = config.Integer("AI Pin", description="analog input", position=1)
    full_scale = config.Number("Full Scale", name="full_scale", default=None, position=2)
    units = config.String("Units", default="m")
    note = config.String("Note", default="")
    owner = config.String("Owner", default=None)


class CommonSensorUI(ui.UI):
    reading = ui.NumericVariable("Reading", value=SensorTags.reading, units="m", precision=2,
                                 form=ui.Widget.radial, icon="gauge",
                                 ranges=[ui.Range("Low", 0, 2, ui.Colour.yellow),
                                         ui.Range("Mid", 2, 8, ui.Colour.blue),
                                         ui.Range("High", 8, 10, ui.Colour.orange)])
    raw = ui.NumericVariable("Raw", value=SensorTags.raw, precision=3, hidden="$config.app().hide_raw:boolean:true")

    async def setup(self):
        self.reading.units = self.config.units.value
        scale = self.config.full_scale.value
        if scale:
            self.reading.ranges = [ui.Range(None, 0, scale, ui.Colour.grey)]
            self.reading.form = ui.Widget.radial


class CommonSensorLogic:
    async def handle_update(self, value):
        await self.tags.raw.set(value)
        if value is None:
            return None
        scale = self.config.full_scale.value or 20.0
        reading = round(value / scale * 10, 3)
        await self.tags.reading.set(reading)
        return reading
