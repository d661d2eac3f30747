"""``pydoover.docker.platform``, answered by doover_fsm (re-exports only)."""

from doover_fsm.io.platform import PlatformInterface, PulseCounter
from doover_fsm.io.platform_types import DIReading, Event, IoChannel, IoDetails, IoDevice, Location

platform_iface = PlatformInterface  # pydoover's lower-case aliases
pulse_counter = PulseCounter

__all__ = ["DIReading", "Event", "IoChannel", "IoDetails", "IoDevice", "Location", "PlatformInterface",
           "PulseCounter", "platform_iface", "pulse_counter"]
