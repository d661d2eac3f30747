"""The demo: the pump station on the ``virtual`` board, with a simulated sump to pump from.

``PumpStationDemo`` adds a tiny plant model to the real app: water flows in at a steady rate,
the pump (when the app switches DO 0 on) moves it out faster, and the flow switch (DI 0)
closes a moment after the pump starts. Run it with ``scripts/demo`` or::

    doover-fsm run examples.demo:PumpStationDemo --board virtual --duration 20 --status-every 1
"""

from __future__ import annotations

from examples.pump_station import PumpStation

INFLOW_PCT_PER_S = 6.0
PUMP_OUT_PCT_PER_S = 15.0
FLOW_DELAY_S = 0.5


class PumpStationDemo(PumpStation):
    """The pump station plus a simulated sump (virtual board only)."""

    async def setup(self) -> None:
        await super().setup()
        self.level_pct = 55.0
        self.pump_on_for = 0.0
        self._last_ns = self.clock.monotonic_ns()
        self._simulate(0.0)

    async def main_loop(self) -> None:
        now = self.clock.monotonic_ns()
        dt, self._last_ns = (now - self._last_ns) / 1e9, now
        self._simulate(dt)
        await super().main_loop()

    def _simulate(self, dt: float) -> None:
        world = self.board_io.virtual_world if self.board_io is not None else None
        if world is None:
            return  # a real board: the real sump does this
        pumping = world.get_output("virtual", "DO1")
        self.pump_on_for = self.pump_on_for + dt if pumping else 0.0
        self.level_pct += INFLOW_PCT_PER_S * dt - (PUMP_OUT_PCT_PER_S * dt if pumping else 0.0)
        self.level_pct = min(100.0, max(0.0, self.level_pct))
        world.set_raw("virtual_adc", "in_voltage3_raw", 4 + 16 * self.level_pct / 100)  # AI 3, 4–20 mA
        world.set_input("virtual", "DI1", self.pump_on_for >= FLOW_DELAY_S)  # DI 0: flow switch
