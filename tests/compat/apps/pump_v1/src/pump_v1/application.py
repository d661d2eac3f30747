import logging
import time

from pydoover import ui
from pydoover.docker import Application
from pydoover.models import NotificationSeverity
from pydoover.rpc import RPCError
from pydoover.rpc import handler as rpc_handler

from .app_config import Mode, PumpConfig
from .app_state import PumpCycle
from .app_tags import PumpTags
from .app_ui import PumpUI

log = logging.getLogger(__name__)


class PumpApp(Application):
    config_cls = PumpConfig
    tags_cls = PumpTags
    ui_cls = PumpUI

    config: PumpConfig
    tags: PumpTags
    ui: PumpUI

    loop_target_period = 0.5

    async def setup(self):
        self.cycle = PumpCycle()
        self.loop_target_period = 0.2
        if self.config.power_pin.value is not None:
            await self.platform_iface.set_do(int(self.config.power_pin.value), True)
        self.sense_pins = [p.value for p in self.config.run_sense_pins.elements]
        self.curve = [(p.level.value, p.litres.value) for p in self.config.curve.elements]
        await self.tags.title.set(f"{self.app_display_name or self.config.label.value}")

    async def main_loop(self):
        level = await self.platform_iface.fetch_ai(int(self.config.level_pin.value))
        await self.tags.level.set(level)
        if self.config.run_mode is Mode.auto and level is not None:
            if level >= self.config.start_level.value and self.cycle.state == "idle":
                await self.begin("auto")
            elif level <= self.config.stop_level.value and self.cycle.state == "running":
                await self.cycle.stop()
        await self.platform_iface.set_do(int(self.config.pump_pin.value), self.cycle.state == "running")
        await self.tags.running.set(self.cycle.state == "running")
        regs = await self.modbus_iface.read_registers(
            bus_id=self.config.modbus_config.name.value, modbus_id=1, start_address=0,
            num_registers=2, register_type=4,
        )
        if isinstance(regs, int):
            regs = [regs]
        self.last_regs = regs

    async def begin(self, source: str):
        await self.cycle.start()
        await self.tags.starts.set((self.tags.starts.get() or 0) + 1)
        await self.tags.last_run.set(int(time.time() * 1000))
        if self.config.alerts.on_start.value:
            await self.send_notification(f"pump started ({source})")

    async def on_shutdown_at(self, dt):
        await self.platform_iface.set_do(int(self.config.pump_pin.value), False)

    def setpoint(self):
        try:
            return self.ui.speed.value
        except KeyError:
            return None

    def requested_mode(self):
        try:
            return self.ui_manager.get_value("mode")
        except KeyError:
            return None

    @staticmethod
    def check_level(value) -> float:
        try:
            level = float(value)
        except (TypeError, ValueError):
            raise RPCError("BAD_LEVEL", f"level must be a number, got {value!r}") from None
        if not 0 <= level <= 100:
            raise RPCError("BAD_LEVEL", "level must be 0..100")
        return level

    async def fault(self, text: str):
        await self.cycle.fail()
        await self.tags.get("fault_text").set(text)
        await self.tags.hide_fault.set(False)
        if self.config.alerts.on_fault.value:
            await self.create_message(
                "notifications", {"message": text, "severity": NotificationSeverity.Warn.name, "title": "Pump"},
            )

    @ui.handler("start")
    async def on_start(self, ctx, value):
        await ctx.set_value(None)
        await self.begin("ui")

    @ui.handler("stop_now")
    async def on_stop(self, ctx, value):
        await ctx.set_value(None)
        await self.cycle.stop()

    @ui.handler("setpoint")
    async def on_setpoint(self, ctx, value):
        if value is not None:
            await self.ui.speed.set(self.check_level(value))

    @rpc_handler("status")
    async def rpc_status(self, ctx, payload):
        return {"state": self.cycle.state, "starts": self.tags.starts.get()}

    @rpc_handler("set_level")
    async def rpc_set_level(self, ctx, payload):
        level = self.check_level((payload or {}).get("level"))
        await self.set_tag("requested_level", level)
        return {"level": self.get_tag("requested_level")}
