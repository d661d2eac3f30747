"""``PlatformInterface``: Doover's ``platform_iface``, served from the scan's I/O images.

Both pydoover generations' names: 1.x (``fetch_di``, ``set_do``, ``fetch_system_voltage``...)
and 0.4 (``get_di``, ``get_di_async``, ``set_do_async``, ``get_system_voltage``...). Every
call finishes at once: reads come from the input image taken at the start of the scan;
writes update the output image, which reaches the pins in one batched call at the end of the
scan. So each method returns its result as a plain value to sync code (a sync ``main_loop``)
and as an awaitable to async code (see :mod:`doover_fsm.io._dual`); the ``*_async`` names
are coroutines. Delays run on the scan clock and may be fractional seconds. Return shapes are
pydoover's: one pin gives a value, several give a list (``fetch_di([3])`` is one pin).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from doover_fsm.clock import NS_PER_S
from doover_fsm.io._dual import Ready, deliver
from doover_fsm.io.board import AnalogChannel, DigitalLine, PinError
from doover_fsm.io.platform_types import DIConfig, DIReading, Event, IoChannel, IoDetails, IoDevice, Location
from doover_fsm.io.pulse import DI_EDGES, Listener, PulseCallback, PulseCounter, ViWatcher, parse_vi_edge
from doover_fsm.io.system import PlatformFeatureError

if TYPE_CHECKING:
    from doover_fsm.io.boardio import BoardIO
    from doover_fsm.io.platform_types import SleepLogEntry

__all__ = ["PlatformFeatureError", "PlatformInterface", "PulseCounter"]

log = logging.getLogger(__name__)
_MS_EPOCH = 10**11  # events_from at or above this is a unix-ms timestamp, below it an event id


def _flat_pins(pins: Any) -> list[Any]:
    """pydoover's pin forms: ``3``, ``3.0``, ``"name"``, ``[3, 4]``, nested lists."""
    if isinstance(pins, bool):
        raise ValueError(f"a pin must be an int or a name, got {pins!r}")
    if isinstance(pins, int | str):
        return [pins]
    if isinstance(pins, float) and pins.is_integer():
        return [int(pins)]
    if isinstance(pins, list | tuple | set | range):
        return [p for item in pins for p in _flat_pins(item)]
    raise ValueError(f"pins must be an int, a name or a list of them, got {pins!r}")


def _flat_do_values(values: Any) -> list[bool]:
    if isinstance(values, bool | int):
        return [bool(values)]
    if isinstance(values, list | tuple):
        return [v for item in values for v in _flat_do_values(item)]
    raise ValueError(f"DO values must be a bool, an int or a list of them, got {values!r}")


def _flat_ao_values(values: Any) -> list[float]:
    if isinstance(values, bool):
        raise ValueError(f"AO values must be numbers, got {values!r}")
    if isinstance(values, int | float):
        return [float(values)]
    if isinstance(values, list | tuple):
        return [v for item in values for v in _flat_ao_values(item)]
    raise ValueError(f"AO values must be a number or a list of numbers, got {values!r}")


def _pair(kind: str, pins: list[Any], values: list[Any]) -> list[tuple[Any, Any]]:
    if len(values) == 1 and len(pins) > 1:
        values = values * len(pins)
    if len(pins) != len(values):
        raise ValueError(f"{kind.upper()}: {len(pins)} pins but {len(values)} values: lengths must match "
                         "(or give one value for all pins)")
    return list(zip(pins, values, strict=True))


def _shape(values: list[Any]) -> Any:
    """pydoover's shape: one value alone, several as a list."""
    return values[0] if len(values) == 1 else values


def _secs(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


class PlatformInterface:
    """Doover's platform interface over a :class:`BoardIO`. Not thread-safe (scan-owned).

    ``is_async`` is the app's mode (pydoover 0.4's ``_is_async``): True returns awaitables
    everywhere, as pydoover does in an async app; None (default) decides per call by whether
    the calling function is ``async def``.
    """

    def __init__(self, io: BoardIO, is_async: bool | None = None) -> None:
        self._io = io
        self.is_async = is_async
        self._immune_until_ns = 0
        self._shutdown_token = 0
        self._di_config: dict[object, DIConfig] = {}
        self._entries: dict[tuple[str, type, object], DigitalLine | AnalogChannel] = {}  # pin lookups

    @property
    def _is_async(self) -> bool | None:  # pydoover 0.4's run_app sets this on its interfaces
        return self.is_async

    @_is_async.setter
    def _is_async(self, value: bool | None) -> None:
        self.is_async = value

    def _now(self) -> float:
        return self._io.clock.time()

    # --- helpers ------------------------------------------------------------------------------
    def _entry(self, kind: str, pin: Any) -> DigitalLine | AnalogChannel:
        cache_key = (kind, type(pin), pin)
        try:
            return self._entries[cache_key]
        except (KeyError, TypeError):
            pass
        try:
            entry = self._io.lookup(kind, pin)
        except PinError:
            raise
        except TypeError as e:  # unhashable or odd pin types
            raise PinError(f"bad {kind.upper()} pin {pin!r} on board {self._io.board.name!r}") from e
        with contextlib.suppress(TypeError):
            self._entries[cache_key] = entry
        return entry

    def _read(self, kind: str, pins: tuple[Any, ...]) -> Any:
        flat = list(pins) if len(pins) == 1 and type(pins[0]) is int else _flat_pins(list(pins))
        if not flat:
            raise ValueError(f"fetch_{kind}: no pins given")
        images: dict[str, dict[object, Any]] = {"di": self._io.di_image, "ai": self._io.ai_image,
                                                "do": self._io.do_state, "ao": self._io.ao_state}
        image = images[kind]
        return _shape([image[self._entry(kind, p).key] for p in flat])

    def _write(self, kind: str, pins: Any, values: Any, in_secs: float | None = None) -> Any:
        flat = _flat_pins(pins)
        vals: list[Any] = _flat_do_values(values) if kind == "do" else _flat_ao_values(values)
        resolved = [(self._entry(kind, p).key, v) for p, v in _pair(kind, flat, vals)]
        if in_secs is not None:
            delay = _secs("in_secs", in_secs)
            for key, v in resolved:
                self._io._schedule(kind, key, v, delay)
        else:
            state = self._io.do_state if kind == "do" else self._io.ao_state
            for key, v in resolved:
                state[key] = v
        return _shape([True] * len(resolved))

    # --- DI / DO / AI / AO ----------------------------------------------------------------------
    def fetch_di(self, *di: Any) -> Any:
        """DI level(s) from this scan's input image (one pin → bool, several → list)."""
        return deliver(self._read("di", di), self.is_async)

    def fetch_ai(self, *ai: Any) -> Any:
        """AI value(s) in engineering units (None if the last read failed)."""
        return deliver(self._read("ai", ai), self.is_async)

    def fetch_do(self, *do: Any) -> Any:
        """DO value(s) as last set by the app (what the end of this scan writes)."""
        return deliver(self._read("do", do), self.is_async)

    def fetch_ao(self, *ao: Any) -> Any:
        return deliver(self._read("ao", ao), self.is_async)

    def set_do(self, do: Any, value: Any) -> Any:
        """Set DO(s): ``set_do(1, True)``, ``set_do([2, 3], [False, True])``; one value for all
        pins is broadcast. Written at the end of the scan; returns True per pin."""
        return deliver(self._write("do", do, value), self.is_async)

    def set_ao(self, ao: Any, value: Any) -> Any:
        return deliver(self._write("ao", ao, value), self.is_async)

    def schedule_do(self, do: Any, value: Any, in_secs: float) -> Any:
        """Set DO(s) ``in_secs`` (float allowed) from now on the scan clock."""
        return deliver(self._write("do", do, value, in_secs), self.is_async)

    def schedule_ao(self, ao: Any, value: Any, in_secs: float) -> Any:
        return deliver(self._write("ao", ao, value, in_secs), self.is_async)

    def fetch_di_readings(self, *di: Any) -> Any:
        """DI levels as :class:`DIReading` (always a list; no hardware pulse totalisers here)."""
        flat = _flat_pins(list(di))
        return deliver([DIReading(pin=p, value=bool(self._io.di_image[self._entry("di", p).key]))
                        for p in flat], self.is_async)

    def fetch_do_current(self, *do: Any) -> Any:
        raise PlatformFeatureError(f"board {self._io.board.name!r} has no per-output current sensing")

    # --- DI events, config, pulse counters ------------------------------------------------------
    def _di_events(self, di_pin: Any, edge: str, events_from: int) -> tuple[bool, list[Event]]:
        key = self._entry("di", di_pin).key
        if edge not in DI_EDGES:
            raise ValueError(f"edge must be one of {', '.join(DI_EDGES)}, got {edge!r}")
        out = []
        for ev in self._io._di_state(key).history:
            ms = round(ev["timestamp"] * 1000)
            if edge != "both" and ev["edge"] != edge:
                continue
            too_old = ms < events_from if events_from >= _MS_EPOCH else ev["id"] <= events_from
            if too_old:
                continue
            out.append(Event(event_id=ev["id"], event="DI_R" if ev["value"] else "DI_F", pin=key,
                             value="1" if ev["value"] else "0", time=ms))
        return True, out

    def fetch_di_events(self, di_pin: Any, edge: str, include_system_events: bool = False,
                        events_from: int = 0) -> Any:
        """``(synced, events)``: recorded edges of ``di_pin`` (last 1024) from ``events_from``
        (an event id, or unix milliseconds), oldest first. ``synced`` is always True here."""
        return deliver(self._di_events(di_pin, edge, int(events_from)), self.is_async)

    def fetch_events(self, events_from: int = 0) -> Any:
        """Every recorded DI edge (all pins) after ``events_from``, in order."""
        evs = [e for d in self._io.board.di for e in self._di_events(d.key, "both", int(events_from))[1]]
        return deliver(sorted(evs, key=lambda e: e.event_id), self.is_async)

    def fetch_di_config(self, pin: Any) -> Any:
        key = self._entry("di", pin).key
        cfg = self._di_config.get(key) or DIConfig(debounce_ms=round(self._io._di_state(key).debounce_ns / 1e6))
        return deliver(cfg, self.is_async)

    def set_di_config(self, pin: Any, pnp_mode: bool | None = None, irq_edge: str | None = None,
                      debounce_ms: float | None = None, wake_on_event: bool | None = None) -> Any:
        """Change a DI's settings; only ``debounce_ms`` (software debounce of its edges) and
        ``irq_edge`` act here; ``pnp_mode``/``wake_on_event`` need the virtual board."""
        key = self._entry("di", pin).key
        st = self._io._di_state(key)
        old = self._di_config.get(key) or DIConfig(debounce_ms=round(st.debounce_ns / 1e6))
        if (pnp_mode is not None or wake_on_event is not None) and self._io.virtual_world is None:
            raise PlatformFeatureError(f"board {self._io.board.name!r} cannot switch PNP/NPN input mode or "
                                       "wake on DI events (a Doover board's I/O controller does that)")
        if irq_edge is not None and irq_edge not in DI_EDGES:
            raise ValueError(f"irq_edge must be one of {', '.join(DI_EDGES)}, got {irq_edge!r}")
        if debounce_ms is not None:
            if isinstance(debounce_ms, bool) or not isinstance(debounce_ms, int | float) or debounce_ms < 0:
                raise ValueError(f"debounce_ms must be a number >= 0, got {debounce_ms!r}")
            st.debounce_ns = round(debounce_ms * 1e6)
        new = DIConfig(pnp_mode=old.pnp_mode if pnp_mode is None else bool(pnp_mode),
                       irq_edge=old.irq_edge if irq_edge is None else irq_edge,
                       debounce_ms=old.debounce_ms if debounce_ms is None else round(debounce_ms),
                       wake_on_event=old.wake_on_event if wake_on_event is None else bool(wake_on_event))
        self._di_config[key] = new
        return deliver(new, self.is_async)

    def start_di_pulse_listener(self, di: Any, callback: PulseCallback, edge: str = "rising",
                                start_count: int = 0) -> None:
        """Call ``callback(di, value, dt_secs, count, edge)`` in the scan for every pulse.

        ``edge``: ``"rising"``/``"falling"``/``"both"`` on a DI, or ``"VI±<threshold>[@<poll>]"``
        on an AI (see :mod:`doover_fsm.io.pulse`). ``count`` continues from ``start_count``.
        """
        self._listen(di, callback, edge, start_count)

    def _listen(self, pin: Any, callback: PulseCallback, edge: str, start_count: int,
                immediate: bool = False) -> None:
        if not callable(callback):
            raise ValueError(f"callback must be callable, got {callback!r}")
        if isinstance(start_count, bool) or not isinstance(start_count, int | float):
            raise ValueError(f"start_count must be an int, got {start_count!r}")
        vi = parse_vi_edge(edge) if isinstance(edge, str) else None
        if vi is not None:
            key = self._entry("ai", pin).key
            self._io._add_vi(ViWatcher(key, edge, callback, int(start_count), vi, immediate))
            return
        if edge not in DI_EDGES:
            raise ValueError(f"edge must be one of {', '.join(DI_EDGES)} or 'VI±<threshold>[@<poll>]', got {edge!r}")
        key = self._entry("di", pin).key
        self._io._di_state(key).listeners.append(Listener(key, edge, callback, int(start_count), immediate))

    def _unlisten(self, pin: Any, callback: PulseCallback) -> None:
        for d in self._io.board.di:
            ls = self._io._di_state(d.key).listeners
            ls[:] = [x for x in ls if x.callback != callback]
        self._io._vi[:] = [w for w in self._io._vi if w.callback != callback]

    def get_new_pulse_counter(self, di: Any, edge: str = "rising", callback: PulseCallback | None = None,
                              rate_window_secs: float = 20, auto_start: bool = True) -> PulseCounter:
        """A :class:`PulseCounter` on ``di`` (a DI, or an AI with a ``"VI±…"`` edge)."""
        return PulseCounter(self, di, edge=edge, callback=callback, rate_window_secs=rate_window_secs,
                            auto_start=auto_start)

    def get_new_event_counter(self, di: Any, edge: str = "rising", callback: PulseCallback | None = None,
                              rate_window_secs: float = 20, auto_collect: bool = True) -> PulseCounter:
        """A :class:`PulseCounter` that counts ``di``'s recorded events instead of live pulses."""
        counter = PulseCounter(self, di, edge=edge, callback=callback, rate_window_secs=rate_window_secs,
                               auto_start=False)
        if auto_collect:
            counter.update_events()
        return counter

    # --- system and power -----------------------------------------------------------------------
    def fetch_system_voltage(self) -> Any:
        """Supply voltage in volts, from the board's ``[system] voltage`` source."""
        return deliver(self._io.system.read("voltage"), self.is_async)

    def fetch_system_power(self) -> Any:
        """Supply power in watts, from the board's ``[system] power`` source."""
        return deliver(self._io.system.read("power"), self.is_async)

    def fetch_system_temperature(self) -> Any:
        """Board temperature in °C, from the board's ``[system] temperature`` source."""
        return deliver(self._io.system.read("temperature"), self.is_async)

    def fetch_location(self) -> Any:
        return deliver(self._world_attr("location", "a GNSS/modem location source"), self.is_async)

    def _world_attr(self, name: str, what: str) -> Any:
        world = self._io.virtual_world
        if world is None:
            raise PlatformFeatureError(f"board {self._io.board.name!r} has no {what} "
                                       "(simulated only on the virtual board)")
        return getattr(world, name)

    def _set_world_attr(self, name: str, what: str, value: Any) -> Any:
        self._world_attr(name, what)
        setattr(self._io.virtual_world, name, value)
        return value

    def _immune(self) -> bool:
        return self._io.clock.monotonic_ns() < self._immune_until_ns

    def _power(self, action: str) -> bool:
        if action == "shutdown" and self._immune():
            log.warning("shutdown refused: the device is immune for %.1f more s", self._immunity_left())
            return False
        self._io.system.run(action)
        return True

    def reboot(self) -> Any:
        """Reboot the board (its ``[system] reboot`` command; recorded on the virtual board)."""
        return deliver(self._power("reboot"), self.is_async)

    def shutdown(self) -> Any:
        """Power the board off now, unless immune (then False). Apps should prefer Doover's
        shutdown handshake (``shutdown_requested``) to calling this."""
        return deliver(self._power("shutdown"), self.is_async)

    def _immunity_left(self) -> float:
        return max(0.0, (self._immune_until_ns - self._io.clock.monotonic_ns()) / NS_PER_S)

    def fetch_immunity_seconds(self) -> Any:
        """Seconds left during which shutdown requests are refused."""
        return deliver(self._immunity_left(), self.is_async)

    def set_immunity_seconds(self, immunity_secs: float) -> Any:
        """Refuse shutdown requests (``shutdown``, ``schedule_shutdown``) for ``immunity_secs``."""
        secs = _secs("immunity_secs", immunity_secs)
        self._immune_until_ns = self._io.clock.monotonic_ns() + round(secs * NS_PER_S)
        return deliver(secs, self.is_async)

    def fetch_wake_on_voltage(self) -> Any:
        return deliver(self._world_attr("wake_on_voltage", "wake-on-voltage controller"), self.is_async)

    def set_wake_on_voltage(self, voltage: float | None) -> Any:
        """Wake from shutdown when the supply reaches ``voltage`` (None: off)."""
        if voltage is not None and (isinstance(voltage, bool) or not isinstance(voltage, int | float)):
            raise ValueError(f"voltage must be a number or None, got {voltage!r}")
        v = None if voltage is None else float(voltage)
        return deliver(self._set_world_attr("wake_on_voltage", "wake-on-voltage controller", v), self.is_async)

    def fetch_wake_reason(self) -> Any:
        return deliver(self._world_attr("wake_reason", "wake-reason record"), self.is_async)

    def fetch_sleep_log(self, since: int = 0) -> Any:
        """Snapshots taken while the device slept, at or after ``since`` (unix ms), oldest first."""
        entries: list[SleepLogEntry] = self._world_attr("sleep_log", "sleep log")
        return deliver([e for e in entries if e.timestamp >= int(since)], self.is_async)

    def fetch_sleep_log_interval(self) -> Any:
        return deliver(self._world_attr("sleep_log_interval", "sleep log"), self.is_async)

    def set_sleep_log_interval(self, interval_secs: int) -> Any:
        secs = int(_secs("interval_secs", interval_secs))
        return deliver(self._set_world_attr("sleep_log_interval", "sleep log", secs), self.is_async)

    def schedule_startup(self, time_secs: int) -> Any:
        """Power the board up ``time_secs`` from now (RTC wake alarm)."""
        secs = _secs("time_secs", time_secs)
        self._io.system.set_wakealarm(round(secs))
        return deliver(time_secs, self.is_async)

    def schedule_shutdown(self, time_secs: float) -> Any:
        """Shut down ``time_secs`` from now on the scan clock (a later call replaces it)."""
        secs = _secs("time_secs", time_secs)
        self._shutdown_token += 1
        token = self._shutdown_token

        def fire() -> None:
            if token == self._shutdown_token:
                self._power("shutdown")

        self._io._schedule("call", "shutdown", fire, secs)
        return deliver(time_secs, self.is_async)

    def sync_rtc(self) -> Any:
        self._io.system.run("sync_rtc")
        return deliver(None, self.is_async)

    def test_comms(self, message: str = "Comms Check Message") -> Any:
        """Echo ``message`` (there is no platform container to reach: the board is in process)."""
        return deliver(message, self.is_async)

    # --- I/O layout -----------------------------------------------------------------------------
    def fetch_io_table(self) -> Any:
        """``{"DI": [pins], "DO": [...], "AI": [...], "AO": [...]}`` (pydoover's shape)."""
        b = self._io.board
        return deliver({k.upper(): [e.key for e in getattr(b, k)] for k in ("di", "do", "ai", "ao")},
                       self.is_async)

    def fetch_io_details(self) -> Any:
        b = self._io.board
        chans = [IoChannel(e.key, e.line, "DI", supports_events=True, supports_pulse_counter=True,
                           supports_di_config=True) for e in b.di]
        chans += [IoChannel(e.key, e.line, "DO") for e in b.do]
        chans += [IoChannel(a.key, a.channel, kind.upper(), kind="voltage", units=a.units or None,
                            supports_pulse_counter=kind == "ai")
                  for kind in ("ai", "ao") for a in getattr(b, kind)]
        return deliver(IoDetails([IoDevice("master", b.name, 0, True, True, chans)]), self.is_async)

    def pins(self, kind: str) -> Sequence[object]:
        """The pin keys of one kind (``di``/``do``/``ai``/``ao``) on this board."""
        return [e.key for e in getattr(self._io.board, kind)]

    async def health_check(self) -> bool:
        """True while the board is open (there is no platform container to ask)."""
        return self._io.is_open

    async def wait_until_healthy(self, interval: float = 1.0) -> bool:
        """Wait (checking every ``interval`` s) until the board is open."""
        while not self._io.is_open:
            await asyncio.sleep(interval)
        return True

    async def close(self) -> None:
        """Stop every pulse listener (the board itself is closed by its owner)."""
        for d in self._io.board.di:
            self._io._di_state(d.key).listeners.clear()
        self._io._vi.clear()

    # --- pydoover 0.4 names ---------------------------------------------------------------------
    def get_di(self, *di: Any) -> Any:
        return deliver(self._read("di", di), self.is_async)

    async def get_di_async(self, *di: Any) -> Any:
        return self._read("di", di)

    def get_ai(self, *ai: Any) -> Any:
        return deliver(self._read("ai", ai), self.is_async)

    async def get_ai_async(self, *ai: Any) -> Any:
        return self._read("ai", ai)

    def get_do(self, *do: Any) -> Any:
        return deliver(self._read("do", do), self.is_async)

    async def get_do_async(self, *do: Any) -> Any:
        return self._read("do", do)

    def get_ao(self, *ao: Any) -> Any:
        return deliver(self._read("ao", ao), self.is_async)

    async def get_ao_async(self, *ao: Any) -> Any:
        return self._read("ao", ao)

    async def set_do_async(self, do: Any, value: Any) -> Any:
        return self._write("do", do, value)

    async def set_ao_async(self, ao: Any, value: Any) -> Any:
        return self._write("ao", ao, value)

    async def schedule_do_async(self, do: Any, value: Any, in_secs: float) -> Any:
        return self._write("do", do, value, in_secs)

    async def schedule_ao_async(self, ao: Any, value: Any, in_secs: float) -> Any:
        return self._write("ao", ao, value, in_secs)

    def get_system_voltage(self) -> Any:
        return deliver(self._io.system.read("voltage"), self.is_async)

    async def get_system_voltage_async(self) -> Any:
        return self._io.system.read("voltage")

    def get_system_power(self) -> Any:
        return deliver(self._io.system.read("power"), self.is_async)

    async def get_system_power_async(self) -> Any:
        return self._io.system.read("power")

    def get_system_temperature(self) -> Any:
        return deliver(self._io.system.read("temperature"), self.is_async)

    async def get_system_temperature_async(self) -> Any:
        return self._io.system.read("temperature")

    def get_location(self) -> Any:
        return deliver(self._world_attr("location", "a GNSS/modem location source"), self.is_async)

    async def get_location_async(self) -> Location | None:
        loc: Location | None = self._world_attr("location", "a GNSS/modem location source")
        return loc

    async def reboot_async(self) -> Any:
        return self._power("reboot")

    async def shutdown_async(self) -> Any:
        return self._power("shutdown")

    def get_immunity_seconds(self) -> Any:
        return deliver(self._immunity_left(), self.is_async)

    async def get_immunity_seconds_async(self) -> Any:
        return self._immunity_left()

    async def set_immunity_seconds_async(self, immunity_secs: float) -> Any:
        return _unwrap(self.set_immunity_seconds(immunity_secs))

    async def schedule_startup_async(self, time_secs: int) -> Any:
        return _unwrap(self.schedule_startup(time_secs))

    async def schedule_shutdown_async(self, time_secs: float) -> Any:
        return _unwrap(self.schedule_shutdown(time_secs))

    def get_io_table(self) -> Any:
        return self.fetch_io_table()

    async def get_io_table_async(self) -> Any:
        return _unwrap(self.fetch_io_table())

    async def sync_rtc_async(self) -> Any:
        return _unwrap(self.sync_rtc())

    def get_events(self, events_from: int = 0) -> Any:
        return self.fetch_events(events_from)

    async def get_events_async(self, events_from: int = 0) -> Any:
        return _unwrap(self.fetch_events(events_from))

    def get_di_events(self, di_pin: Any, edge: str, include_system_events: bool = False,
                      events_from: int = 0) -> Any:
        return self.fetch_di_events(di_pin, edge, include_system_events, events_from)

    async def get_di_events_async(self, di_pin: Any, edge: str, include_system_events: bool = False,
                                  events_from: int = 0) -> Any:
        return self._di_events(di_pin, edge, int(events_from))


def _unwrap(result: Any) -> Any:
    """The value inside a :class:`~doover_fsm.io._dual.Ready` (or the value itself)."""
    return result._value if isinstance(result, Ready) else result

