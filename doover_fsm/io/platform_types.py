"""The records ``platform_iface`` returns, with pydoover's field names (plain dataclasses).

pydoover returned protobuf messages for some of these (DI events, DI config, sleep-log
entries); apps only read their attributes, so the same attribute names are enough.
Immutable where pydoover never mutated them; thread-safe as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Location:
    """A position fix (pydoover's ``Location``)."""

    latitude: float
    longitude: float
    altitude_m: float | None = None
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    sat_count: int | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class Event:
    """One recorded DI edge (``fetch_di_events``): ``event`` is ``"DI_R"`` or ``"DI_F"``,
    ``value`` ``"1"``/``"0"``, ``time`` unix milliseconds, ``event_id`` increasing."""

    event_id: int
    event: str
    pin: Any
    value: str
    time: int
    cm4_online: bool | None = True


@dataclass
class IoChannel:
    """One channel of the flat I/O namespace (``fetch_io_details``)."""

    channel: Any
    device_channel: Any
    io_type: str
    kind: str | None = None
    units: str | None = None
    supports_events: bool = False
    supports_pulse_counter: bool = False
    supports_di_config: bool = False
    supports_pulse_count: bool = False
    supports_pulse_rate: bool = False


@dataclass
class IoDevice:
    """The board (the only device doover_fsm has) and its channels."""

    name: str
    type: str
    index: int
    is_master: bool
    online: bool
    channels: list[IoChannel]

    def channels_of(self, io_type: str) -> list[IoChannel]:
        return [c for c in self.channels if c.io_type == io_type]


@dataclass
class IoDetails:
    """The device's I/O layout: one master device (the board)."""

    devices: list[IoDevice]

    @property
    def master(self) -> IoDevice | None:
        return next((d for d in self.devices if d.is_master), None)

    def channels(self, io_type: str) -> list[IoChannel]:
        return [c for d in self.devices for c in d.channels if c.io_type == io_type]


@dataclass
class DIReading:
    """A DI level plus hardware pulse counters (``None``: this board has none)."""

    pin: Any
    value: bool
    pulse_count: int | None = None
    pulse_rate_hz: float | None = None


@dataclass
class DIConfig:
    """A DI's settings as ``fetch_di_config``/``set_di_config`` report them."""

    pnp_mode: bool = False
    irq_edge: str = "both"
    debounce_ms: int = 0
    wake_on_event: bool = False


@dataclass(frozen=True)
class SleepLogEntry:
    """One system snapshot taken while the device slept (``fetch_sleep_log``)."""

    timestamp: int
    input_voltage: float | None = None
    system_current: float | None = None
    di: tuple[Any, ...] = field(default_factory=tuple)
    do: tuple[Any, ...] = field(default_factory=tuple)
    ai: tuple[Any, ...] = field(default_factory=tuple)
    ao: tuple[Any, ...] = field(default_factory=tuple)
