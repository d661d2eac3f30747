"""A small but real control app: a sump pump station, written as a hierarchical state machine.

Hardware (any board config; pins are Doover pin numbers):
  * AI ``level_ai``   tank level in % (a 4–20 mA transmitter; calibrated by the board config)
  * DI ``flow_di``    flow switch: true while water moves in the discharge line
  * DI ``high_di``    high-level float switch (backup for the transmitter)
  * DO ``pump_do``    pump contactor

Behaviour: in ``auto`` the pump starts above ``start_level`` (or on the high float, or when a
site controller posts a flood alarm on the ``site_alarms`` channel) and stops below
``stop_level``, and it will not pump while the downstream ``treatment`` app's ``accepting``
tag is false; the start must be proven by flow or the station goes to
``fault`` (pump off, a notification, a manual reset from the UI). The start must be proven
by flow within 5 s (the ``starting`` state's timeout). An operator can switch to
``manual`` and run the pump from the UI. Only ``idle`` and ``fault`` are safe to shut down in,
so the Doover shutdown handshake waits for a pump run to finish.
"""

from __future__ import annotations

import logging

from doover_fsm import Application, config, tags, ui

log = logging.getLogger(__name__)


class PumpConfig(config.Schema):
    start_level = config.Number("Start Level", default=70.0, minimum=0, maximum=100,
                                description="level (%) at which the pump starts in auto")
    stop_level = config.Number("Stop Level", default=20.0, minimum=0, maximum=100,
                               description="level (%) at which the pump stops")
    level_ai = config.Integer("Level AI", default=3, minimum=0)
    flow_di = config.Integer("Flow DI", default=0, minimum=0)
    high_di = config.Integer("High DI", default=1, minimum=0)
    pump_do = config.Integer("Pump DO", default=0, minimum=0)


class PumpTags(tags.Tags):
    level = tags.Number(default=0.0)  # tank level (%)
    pump_on = tags.Boolean(default=False)
    starts = tags.Integer(default=0)  # pump starts since commissioning
    mode = tags.String(default="auto")
    fault = tags.String(default="")


class PumpUI(ui.UI):
    level = ui.NumericVariable("level", "Tank Level", curr_val=PumpTags.level, units="%", precision=1)
    pump_on = ui.BooleanVariable("pump_on", "Pump Running", curr_val=PumpTags.pump_on)
    fault = ui.TextVariable("fault", "Fault", curr_val=PumpTags.fault)
    mode = ui.Select("mode", "Mode", options=["auto", "manual"], default="auto", tag=PumpTags.mode)
    start = ui.Button("start", "Start Pump (manual)")
    stop = ui.Button("stop", "Stop Pump (manual)")
    reset = ui.Button("reset", "Reset Fault", requires_confirm=True)


class PumpStation(Application):
    config_cls = PumpConfig
    tags_cls = PumpTags
    ui_cls = PumpUI

    states = [
        {"name": "auto", "initial": "idle", "children": [
            {"name": "idle", "shutdown_safe": True},
            {"name": "pumping", "initial": "starting", "children": [
                {"name": "starting", "timeout": 5.0, "on_timeout": "flow_not_proven"},
                "running",
            ]},
        ]},
        {"name": "manual", "initial": "off", "children": [
            {"name": "off", "shutdown_safe": True},
            "on",
        ]},
        {"name": "fault", "shutdown_safe": True},
    ]
    transitions = [
        {"trigger": "level_high", "source": "auto_idle", "dest": "auto_pumping", "conditions": "downstream_accepting"},
        {"trigger": "message_site_alarms", "source": "auto_idle", "dest": "auto_pumping",
         "conditions": ["is_flood_alarm", "downstream_accepting"]},
        {"trigger": "tag_treatment_accepting", "source": "auto_pumping", "dest": "auto_idle",
         "unless": "downstream_accepting"},
        {"trigger": "level_low", "source": "auto_pumping", "dest": "auto_idle"},
        {"trigger": "flow_proven", "source": "auto_pumping_starting", "dest": "auto_pumping_running"},
        {"trigger": "flow_lost", "source": "auto_pumping_running", "dest": "fault", "before": "record_flow_lost"},
        {"trigger": "start_failed", "source": "auto_pumping_starting", "dest": "fault"},
        {"trigger": "ui_mode", "source": ["auto", "manual"], "dest": "manual", "conditions": "wants_manual"},
        {"trigger": "ui_mode", "source": ["auto", "manual"], "dest": "auto", "unless": "wants_manual"},
        {"trigger": "ui_start", "source": "manual_off", "dest": "manual_on"},
        {"trigger": "ui_stop", "source": "manual_on", "dest": "manual_off"},
        {"trigger": "ui_reset", "source": "fault", "dest": "auto"},
    ]
    initial = "auto"

    async def setup(self) -> None:
        self.loop_target_period = 0.1
        await self.subscribe("site_alarms")

    # -- every scan ---------------------------------------------------------------------------
    async def main_loop(self) -> None:
        cfg = self.config
        level = await self.platform_iface.fetch_ai(cfg.level_ai.value)
        flow = await self.platform_iface.fetch_di(cfg.flow_di.value)
        high = await self.platform_iface.fetch_di(cfg.high_di.value)
        self.tags.level.set(round(level, 1))

        if level >= cfg.start_level.value or high:
            await self.trigger("level_high")
        elif level <= cfg.stop_level.value:
            await self.trigger("level_low")
        if flow:
            await self.trigger("flow_proven")
        elif self.machine.is_state("auto_pumping_running"):
            await self.trigger("flow_lost")

        pump = self.machine.is_state("auto_pumping", allow_substates=True) or self.machine.is_state("manual_on")
        await self.platform_iface.set_do(cfg.pump_do.value, pump)
        self.tags.pump_on.set(pump)

    # -- state callbacks ----------------------------------------------------------------------
    def on_enter_auto_pumping(self, event=None) -> None:
        self.tags.starts.increment(log=True)

    async def flow_not_proven(self, event=None) -> None:
        self.tags.fault.set("no flow after start", log=True)
        await self.trigger("start_failed")

    def record_flow_lost(self, event=None) -> None:
        self.tags.fault.set("flow lost while running", log=True)

    async def on_enter_fault(self, event=None) -> None:
        await self.platform_iface.set_do(self.config.pump_do.value, False)
        await self.send_notification(f"Pump station fault: {self.tags.fault.value}", severity="warn")

    def on_exit_fault(self, event=None) -> None:
        self.tags.fault.set("")

    def downstream_accepting(self, event=None) -> bool:
        return self.get_tag("accepting", app_key="treatment", default=True) is not False

    def is_flood_alarm(self, event) -> bool:
        message = event.data.data if event.data is not None else None
        return isinstance(message, dict) and message.get("type") == "flood"

    def wants_manual(self, event) -> bool:
        return event.data == "manual"

    # -- UI handlers (the machine sees the same commands as ui_<name> triggers) ----------------
    @ui.handler("mode")
    def on_mode(self, ctx, value) -> str:
        self.tags.mode.set(value)
        return f"mode set to {value}"
