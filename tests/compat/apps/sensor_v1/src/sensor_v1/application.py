import logging
import time

from pydoover import ui
from pydoover.docker import Application
from pydoover.rpc import RPCError, handler
from pydoover.utils import apply_async_kalman_filter

from .app_config import SensorConfig
from .app_state import Link
from .app_tags import SensorTags
from .app_ui import SensorUI
from .common import CommonSensorLogic

log = logging.getLogger(__name__)


class SensorApp(Application, CommonSensorLogic):
    config_cls = SensorConfig
    tags_cls = SensorTags
    ui_cls = SensorUI

    config: SensorConfig
    tags: SensorTags

    async def setup(self):
        self.link = Link()
        self.pulse_log = []
        await self.link.connect()
        pin = self.config.pulse_pin.value
        if pin is not None:
            source, edge = self.config.pulse_source()
            last = self.tags.pulses.get() or 0
            if not edge.startswith("VI"):
                synced, events = await self.platform_iface.fetch_di_events(
                    source, edge, events_from=int((time.time() - 3600) * 1000))
                last += len(events) if synced else 0
            self.platform_iface.start_di_pulse_listener(source, self.on_pulse, edge, start_count=last)

    async def main_loop(self):
        self.loop_target_period = float(self.config.poll.value)
        value = await self.filtered_ai()
        await self.handle_update(value)
        regs = await self.modbus_iface.read_registers(bus=self.config.modbus_config,
                                                      modbus_id=self.config.slave_id.value, start_address=0,
                                                      num_registers=1, register_type=4, retries=1)
        ok = regs is not None
        await self.tags.link_ok.set(ok)
        if ok and self.link.state == "connecting":
            await self.link.connected()
        await self.tags.get("link_state").set(self.link.state)
        upstream = self.config.upstream_app.value
        if upstream:
            await self.set_tag("mirror", self.get_tag("reading", upstream), upstream)

    async def handle_update(self, value):
        reading = await super().handle_update(value)
        if reading is not None and reading > 9.5:
            await self.create_message("notifications", {"message": f"high reading {reading}", "severity": "Warn"})
        return reading

    @apply_async_kalman_filter(process_variance=0.05, outlier_protection=False)
    async def filtered_ai(self):
        return await self.platform_iface.fetch_ai(int(self.config.ai_pin.value))

    async def on_pulse(self, di, value, dt_secs, counter, edge):
        self.pulse_log.append((di, counter, edge))
        await self.tags.pulses.set(counter)

    async def configure_sensor(self, register: int, value: int) -> bool:
        bus = self.config.modbus_config.name.value
        sid = self.config.slave_id.value
        unlocked = await self.modbus_iface.write_registers(bus_id=bus, modbus_id=sid, start_address=0x69,
                                                           values=[0xB588], register_type=4)
        if not unlocked:
            return False
        return bool(await self.modbus_iface.write_single_register(modbus_id=sid, address=register, value=value,
                                                                  bus=self.config.modbus_config))

    @ui.handler("recalibrate")
    async def on_recalibrate(self, ctx, value):
        await ctx.set_value(None)
        await self.configure_sensor(0x01, 1)

    @handler("configure")
    async def rpc_configure(self, ctx, payload):
        actor = getattr(ctx, "actor", None)
        who = actor.get("name") if isinstance(actor, dict) else "someone"
        if not payload or "register" not in payload:
            raise RPCError("BAD_REQUEST", f"{who}: register is required")
        return {"ok": await self.configure_sensor(int(payload["register"]), int(payload.get("value", 0)))}
