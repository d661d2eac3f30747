"""Pulse listeners and pulse counters: DI edges, and voltage-step ("VI") pulses on AIs.

``start_di_pulse_listener(pin, callback, edge, start_count)`` calls
``callback(pin, value, dt_secs, count, edge)`` in the scan for every pulse: ``count`` starts at
``start_count`` and goes up by one per pulse, ``dt_secs`` is the time since the previous pulse
(0.0 for the first). ``edge`` is ``"rising"``, ``"falling"``, ``"both"`` for a DI, or
``"VI+<threshold>[@<poll>]"`` / ``"VI-<threshold>[@<poll>]"`` for an AI: the AI is sampled
every ``poll`` seconds (default 0.4, on the scan clock, from the scan's input image) and a
pulse is a rise (``+``) or fall (``-``) of more than ``threshold`` between two samples, as a
Doover board's firmware does for its voltage-input counters.

:class:`PulseCounter` is pydoover's counter over such a listener. Not thread-safe (scan-owned).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from doover_fsm.clock import NS_PER_S

if TYPE_CHECKING:
    from doover_fsm.io.platform import PlatformInterface

log = logging.getLogger(__name__)

PulseCallback = Callable[[Any, bool, float, int, str], Any]
DI_EDGES = ("rising", "falling", "both")
DEFAULT_VI_POLL = 0.4
_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_VI = re.compile(rf"^VI([+-])({_NUM})(?:@({_NUM}))?$")


@dataclass(frozen=True, slots=True)
class ViEdge:
    """A parsed ``"VI±<threshold>[@<poll>]"`` edge."""

    rising: bool
    threshold: float
    poll_secs: float


def parse_vi_edge(edge: str) -> ViEdge | None:
    """The VI edge ``edge`` describes, or None if it is not a VI edge (ValueError if malformed)."""
    if not edge.startswith("VI"):
        return None
    m = _VI.match(edge)
    if m is None:
        raise ValueError(f"bad VI edge {edge!r}: expected 'VI+<threshold>' or 'VI-<threshold>', "
                         "optionally '@<poll seconds>' (e.g. 'VI+10.0@0.1')")
    poll = DEFAULT_VI_POLL if m.group(3) is None else float(m.group(3))
    if poll <= 0:
        raise ValueError(f"bad VI edge {edge!r}: the poll period must be > 0 seconds")
    return ViEdge(m.group(1) == "+", float(m.group(2)), poll)


def check_di_edge(edge: Any) -> str:
    if edge not in DI_EDGES:
        raise ValueError(f"edge must be one of {', '.join(DI_EDGES)} (or 'VI±<threshold>' on an AI); "
                         f"got {edge!r}")
    return str(edge)


class Listener:
    """One registered pulse listener: its edge filter, callback and running count.

    The callback normally runs later, in the scan. An ``immediate`` callback runs when the
    pulse is seen (so a counter stays exact even if the event queue drops the event) and
    returns what to run in the scan (or None). Not thread-safe (owned by the board's loop).
    """

    __slots__ = ("callback", "count", "edge", "immediate", "last_ns", "pin")

    def __init__(self, pin: Any, edge: str, callback: PulseCallback, start_count: int,
                 immediate: bool = False) -> None:
        self.pin = pin
        self.edge = edge
        self.callback = callback
        self.count = int(start_count)
        self.immediate = immediate
        self.last_ns: int | None = None

    def pulse(self, value: bool, ts_ns: int, edge: str | None = None) -> Callable[[], Any] | None:
        """Count one pulse (``edge``: the edge seen, default the listener's); return the
        zero-argument call to run in the scan."""
        dt = 0.0 if self.last_ns is None else (ts_ns - self.last_ns) / NS_PER_S
        self.last_ns = ts_ns
        self.count += 1
        cb, args = self.callback, (self.pin, value, dt, self.count, edge or self.edge)
        if self.immediate:
            deferred: Callable[[], Any] | None = cb(*args)
            return deferred
        return lambda: cb(*args)


class ViWatcher(Listener):
    """A VI listener: samples one AI every ``poll_secs`` and detects voltage steps. Not thread-safe."""

    __slots__ = ("next_ns", "prev", "spec")

    def __init__(self, pin: Any, edge: str, callback: PulseCallback, start_count: int, spec: ViEdge,
                 immediate: bool = False) -> None:
        super().__init__(pin, edge, callback, start_count, immediate)
        self.spec = spec
        self.prev: float | None = None
        self.next_ns: int | None = None

    def sample(self, value: float | None, now_ns: int) -> Callable[[], Any] | None:
        """Feed this scan's AI value; a pulse's callback if a sample is due and stepped enough."""
        if self.next_ns is not None and now_ns < self.next_ns:
            return None
        period = round(self.spec.poll_secs * NS_PER_S)
        self.next_ns = now_ns + period if self.next_ns is None else max(self.next_ns + period, now_ns)
        prev, self.prev = self.prev, value
        if prev is None or value is None:
            return None
        step = value - prev if self.spec.rising else prev - value
        if step > self.spec.threshold:
            return self.pulse(self.spec.rising, now_ns)
        return None


class PulseCounter:
    """pydoover's pulse counter: counts a listener's pulses, rate over a sliding window.

    Same attributes and methods as pydoover's (``count``, ``pulse_timestamps``,
    ``get_counter``/``set_counter``, ``get_pulses_in_window``, ``get_pulses_per_minute``,
    ``get_rate_window``/``set_rate_window``, ``update_events``...). Timestamps are unix
    seconds on the scan clock. The rate window ends NOW (pydoover's ended at the last pulse, so
    its rate never fell to zero when pulses stopped). Not thread-safe.
    """

    def __init__(self, plt_iface: PlatformInterface, pin: Any, edge: str = "rising",
                 callback: PulseCallback | None = None, rate_window_secs: float = 60,
                 auto_start: bool = True) -> None:
        self.platform_iface = plt_iface
        self.pin = pin
        self.edge = edge
        self.callback = callback
        self.rate_window_secs = rate_window_secs
        self.count = 0
        self.pulse_timestamps: list[float] = []
        self.receiving_pulses = False
        self.receiving_events = False
        self.start_time = plt_iface._now()
        if auto_start:
            self.start_listener_pulses()

    def start_listener(self) -> None:
        """Old name of :meth:`start_listener_pulses`."""
        self.start_listener_pulses()

    def start_listener_pulses(self) -> None:
        """Listen for live pulses (not with a counter that replays recorded events)."""
        if self.receiving_events:
            log.error("pulse counter on %r: already counting recorded events, not live pulses", self.pin)
            return
        if self.receiving_pulses:
            return
        self.receiving_pulses = True
        self.start_time = self.platform_iface._now()
        self.platform_iface._listen(self.pin, self._pulse_now, self.edge, self.count, immediate=True)

    def _pulse_now(self, di: Any, di_value: bool, dt_secs: float, counter: int, edge: str) -> Any:
        self._count(self.platform_iface._now())
        cb, args = self.callback, (self.pin, di_value, dt_secs, self.count, edge)
        return None if cb is None else (lambda: cb(*args))

    def _count(self, ts: float) -> None:
        self.count += 1
        self.pulse_timestamps.append(ts)
        if len(self.pulse_timestamps) > 4096:  # bound memory: keep what the rate window needs
            self.clean_pulse_timestamps()

    def receive_pulse(self, di: Any, di_value: bool, dt_secs: float, counter: int, edge: str) -> Any:
        """One live pulse: count it, remember when, call the user's callback."""
        self._count(self.platform_iface._now())
        if self.callback is not None:
            return self.callback(self.pin, di_value, dt_secs, self.count, edge)
        return None

    def update_events(self) -> None:
        """Count the DI's recorded events (instead of live pulses)."""
        if self.receiving_pulses:
            log.error("pulse counter on %r: already counting live pulses, not recorded events", self.pin)
            return
        self.receiving_events = True
        _synced, events = self.platform_iface._di_events(self.pin, self.edge, 0)
        self.receive_events(events)

    def add_existing_events(self, time_stamps: list[float]) -> None:
        if self.receiving_pulses:
            log.error("pulse counter on %r: already counting live pulses", self.pin)
            return
        self.receiving_events = True
        self.pulse_timestamps += list(time_stamps)
        self.count = len(self.pulse_timestamps)

    def receive_events(self, events: list[Any]) -> None:
        """Count recorded events (``DI_R``/``DI_F``); older than the last one counted are skipped."""
        self.receiving_events = True
        for ev in events:
            if ev.event not in ("DI_R", "DI_F"):
                self.handle_system_event(ev)
                continue
            ts = ev.time / 1000
            dt = 0.0
            if self.pulse_timestamps:
                if ts <= self.pulse_timestamps[-1] + 0.01:
                    continue
                dt = ts - self.pulse_timestamps[-1]
            self.count += 1
            self.pulse_timestamps.append(ts)
            if self.callback is not None:
                self.callback(self.pin, ev.event == "DI_R", dt, self.count,
                              "rising" if ev.event == "DI_R" else "falling")

    def stop(self) -> None:
        """Stop counting live pulses (doover_fsm addition; pydoover counters never stopped)."""
        if self.receiving_pulses:
            self.platform_iface._unlisten(self.pin, self._pulse_now)
            self.receiving_pulses = False

    def get_rate(self, per: str = "minute") -> float:
        """Pulses per ``"minute"`` or per ``"second"`` over the window ending now (doover_fsm addition)."""
        n = len(self.get_pulses_in_window())
        if per == "minute":
            return n * 60.0 / self.rate_window_secs
        if per == "second":
            return n / self.rate_window_secs
        raise ValueError(f"per must be 'minute' or 'second', got {per!r}")

    def handle_system_event(self, event: Any) -> None:
        """Called for non-DI events; override to handle them."""

    def clean_pulse_timestamps(self) -> None:
        horizon = self.platform_iface._now() - self.rate_window_secs
        self.pulse_timestamps = [t for t in self.pulse_timestamps if t >= horizon]

    def get_pulses_in_window(self) -> list[float]:
        """Timestamps of the pulses in the last ``rate_window_secs`` seconds."""
        horizon = self.platform_iface._now() - self.rate_window_secs
        return [t for t in self.pulse_timestamps if t > horizon]

    def set_rate_window(self, rate_window_secs: float) -> None:
        if rate_window_secs <= 0:
            raise ValueError(f"rate_window_secs must be > 0, got {rate_window_secs}")
        self.rate_window_secs = rate_window_secs

    def get_rate_window(self) -> float:
        return self.rate_window_secs

    def get_pulses_per_minute(self) -> float:
        return len(self.get_pulses_in_window()) * 60 / self.rate_window_secs

    def set_counter(self, counter: int) -> None:
        self.count = counter

    def get_counter(self) -> int:
        return self.count
