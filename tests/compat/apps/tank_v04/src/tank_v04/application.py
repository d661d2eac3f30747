import logging

from pydoover import ui
from pydoover.docker import Application

from .app_config import TankConfig
from .app_ui import TankUI

log = logging.getLogger(__name__)


class TankApp(Application):
    config: TankConfig

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ui: TankUI = None
        self.filling = False
        self.loop_target_period = 0.5

    async def setup(self):
        self.ui = TankUI()
        self.ui_manager.add_children(*self.ui.fetch())
        self.ui_manager.set_display_name(self.config.title.value)
        self.ui_manager.set_position(50)

    async def main_loop(self):
        pins = [p.value for p in self.config.float_pins.elements]
        floats = await self.platform_iface.get_di_async(pins) if pins else []
        if not isinstance(floats, list):
            floats = [floats]
        regs = await self.modbus_iface.read_registers_async(
            bus_id=self.config.modbus_config.name.value, modbus_id=1, start_address=0, num_registers=1,
            register_type=3)
        level = float(regs[0]) if isinstance(regs, list) and regs else 0.0
        if any(floats) and self.filling:
            self.filling = False
            self.ui.overflow.hidden = False
            if self.config.notify.value:
                await self.ui.alerts.send_alert("tank full")
                await self.ui_manager.send_notification_async("tank full")
        if self.ui.fill_now.current_value:
            log.info("fill requested from the UI")
        if self.filling:
            await self.platform_iface.set_do_async(self.config.fill_pin.value, True)
        else:
            await self.platform_iface.set_do_async(do=self.config.fill_pin.value, value=False)
        self.ui.show(level, self.filling, "Filling" if self.filling else "Idle")
        await self.set_tags({"level": level, "filling": self.filling})
        self.ui.fill_now.coerce(None)
        self.ui.stop.coerce(None)

    def target(self):
        return self.ui.target.current_value

    @ui.callback("fill_now")
    async def on_fill(self, new_value):
        self.filling = True
        await self.set_tag("last_fill_target", self.target())

    @ui.callback("stop")
    async def on_stop(self, new_value):
        self.filling = False
        log.info("stopped at %s", self.get_tag("level"))
