"""``PlatformInterface``: Doover's ``platform_iface`` methods, served from the scan's image.

Same names and conventions as pydoover's PlatformInterface (``fetch_di``, ``set_do``,
``schedule_do``, ``get_new_pulse_counter``...), all ``async`` so app code is unchanged, but
cheap: reads come from the input image taken at the start of the scan, writes update the
output image and reach the pins in one batched call at the end of the scan. Delays run on the
scan clock (so a virtual clock makes them instant in tests) and may be fractional seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from doover_fsm.clock import NS_PER_S
from doover_fsm.io.board import AnalogChannel, DigitalLine, PinError

if TYPE_CHECKING:
    from doover_fsm.io.boardio import BoardIO

PulseCallback = Callable[[Any, bool, float, int, str], Any]
_EDGES = ("rising", "falling", "both")


def _pins(pins: tuple[Any, ...]) -> tuple[list[Any], bool]:
    """Normalise ``f(1)``, ``f(1, 2)`` and ``f([1, 2])`` → (pins, return-a-list?)."""
    if len(pins) == 1 and isinstance(pins[0], list | tuple):
        return list(pins[0]), True
    if not pins:
        raise ValueError("no pins given")
    return list(pins), len(pins) > 1


def _check_edge(edge: str) -> str:
    if edge not in _EDGES:
        raise ValueError(f"edge must be one of {', '.join(_EDGES)}; got {edge!r}")
    return edge


class PulseCounter:
    """Counts edges on one DI; rate over a sliding window that decays to 0 when pulses stop.

    Like pydoover's: ``count``, ``get_counter``/``set_counter``, ``get_pulses_per_minute``,
    ``get_rate_window``/``set_rate_window``; plus ``get_rate(per=...)``. The rate is
    ``pulses in the last rate_window_secs * 60 / rate_window_secs`` per minute, measured
    against the scan clock NOW (pydoover measured against the last pulse, so its rate never
    fell to zero). Pulses closer than ``debounce_ms`` to the previous counted one are ignored.
    The callback ``(di, value, dt_secs, count, edge)`` runs in the scan. Not thread-safe.
    """

    def __init__(self, io: BoardIO, di: Any, edge: str = "rising", callback: PulseCallback | None = None,
                 rate_window_secs: float = 60, debounce_ms: float = 0, auto_start: bool = True) -> None:
        if rate_window_secs <= 0:
            raise ValueError(f"rate_window_secs must be > 0, got {rate_window_secs}")
        self._io = io
        self.di = di
        self.edge = _check_edge(edge)
        self.callback = callback
        self.rate_window_secs = float(rate_window_secs)
        self.debounce_ms = float(debounce_ms)
        self.count = 0
        self._times: deque[int] = deque()
        self._last_ns: int | None = None
        self._running = False
        if auto_start:
            self.start()

    def start(self) -> None:
        if not self._running:
            self._io._di_state(self.di).counters.append(self)
            self._running = True

    def stop(self) -> None:
        if self._running:
            self._io._di_state(self.di).counters.remove(self)
            self._running = False

    def _on_edge(self, edge: str, value: bool, ts_ns: int) -> Callable[[], Any] | None:
        if self.edge != "both" and edge != self.edge:
            return None
        last = self._last_ns
        if last is not None and self.debounce_ms and ts_ns - last < self.debounce_ms * 1e6:
            return None
        dt = 0.0 if last is None else (ts_ns - last) / NS_PER_S
        self._last_ns = ts_ns
        self.count += 1
        self._times.append(ts_ns)
        self._trim(ts_ns)
        cb = self.callback
        if cb is None:
            return None
        args = (self.di, value, dt, self.count, edge)
        return lambda: cb(*args)

    def _trim(self, now_ns: int) -> None:
        horizon = now_ns - round(self.rate_window_secs * NS_PER_S)
        t = self._times
        while t and t[0] <= horizon:
            t.popleft()

    def get_pulses_in_window(self) -> int:
        self._trim(self._io.clock.monotonic_ns())
        return len(self._times)

    def get_rate(self, per: str = "minute") -> float:
        """Pulses per ``"minute"`` (Doover's unit) or per ``"second"`` over the window."""
        n = self.get_pulses_in_window()
        if per == "minute":
            return n * 60.0 / self.rate_window_secs
        if per == "second":
            return n / self.rate_window_secs
        raise ValueError(f"per must be 'minute' or 'second', got {per!r}")

    def get_pulses_per_minute(self) -> float:
        return self.get_rate("minute")

    def get_counter(self) -> int:
        return self.count

    def set_counter(self, counter: int) -> None:
        self.count = int(counter)

    def get_rate_window(self) -> float:
        return self.rate_window_secs

    def set_rate_window(self, rate_window_secs: float) -> None:
        if rate_window_secs <= 0:
            raise ValueError(f"rate_window_secs must be > 0, got {rate_window_secs}")
        self.rate_window_secs = float(rate_window_secs)


class PlatformInterface:
    """Doover's platform interface over a :class:`BoardIO`. Not thread-safe (scan-owned)."""

    def __init__(self, io: BoardIO) -> None:
        self._io = io

    # --- helpers ------------------------------------------------------------------------------
    def _entry(self, kind: str, pin: Any) -> DigitalLine | AnalogChannel:
        try:
            return self._io.lookup(kind, pin)
        except PinError:
            raise
        except TypeError as e:  # unhashable or odd pin types
            raise PinError(f"bad {kind.upper()} pin {pin!r} on board {self._io.board.name!r}") from e

    def _fetch(self, kind: str, image: dict[object, Any], pins: tuple[Any, ...]) -> Any:
        ps, as_list = _pins(pins)
        out = [image[self._entry(kind, p).key] for p in ps]
        return out if as_list else out[0]

    def _pairs(self, pins: Any, values: Any) -> list[tuple[Any, Any]]:
        if isinstance(pins, list | tuple):
            if isinstance(values, list | tuple):
                if len(pins) != len(values):
                    raise ValueError(f"{len(pins)} pins but {len(values)} values: lengths must match "
                                     "(or give one value for all pins)")
                return list(zip(pins, values, strict=True))
            return [(p, values) for p in pins]
        if isinstance(values, list | tuple):
            raise ValueError(f"one pin ({pins!r}) but {len(values)} values")
        return [(pins, values)]

    def _set(self, kind: str, pins: Any, values: Any, in_secs: float | None = None) -> None:
        resolved = []
        for p, v in self._pairs(pins, values):
            e = self._entry(kind, p)
            if kind == "do":
                if not isinstance(v, bool | int) or v not in (0, 1):
                    raise ValueError(f"DO {p!r}: value must be a bool or 0/1, got {v!r}")
                v = bool(v)
            else:
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise ValueError(f"AO {p!r}: value must be a number, got {v!r}")
                v = float(v)
            resolved.append((e.key, v))
        if in_secs is not None:
            if isinstance(in_secs, bool) or not isinstance(in_secs, int | float) or in_secs < 0:
                raise ValueError(f"in_secs must be a number >= 0, got {in_secs!r}")
            for key, v in resolved:
                self._io._schedule(kind, key, v, float(in_secs))
            return
        state = self._io.do_state if kind == "do" else self._io.ao_state
        for key, v in resolved:
            state[key] = v

    # --- Doover API -------------------------------------------------------------------------------
    async def fetch_di(self, *pins: Any) -> Any:
        """DI level(s) from this scan's input image (one pin → bool, several → list)."""
        return self._fetch("di", self._io.di_image, pins)

    async def fetch_ai(self, *pins: Any) -> Any:
        """AI value(s) in engineering units (None if the last read failed)."""
        return self._fetch("ai", self._io.ai_image, pins)

    async def fetch_do(self, *pins: Any) -> Any:
        """DO value(s) as last set by the app (what the end of this scan writes)."""
        return self._fetch("do", self._io.do_state, pins)

    async def fetch_ao(self, *pins: Any) -> Any:
        return self._fetch("ao", self._io.ao_state, pins)

    async def set_do(self, pins: Any, values: Any) -> None:
        """Set DO(s); a scalar value is broadcast, lists pair up. Written at the end of the scan."""
        self._set("do", pins, values)

    async def set_ao(self, pins: Any, values: Any) -> None:
        self._set("ao", pins, values)

    async def schedule_do(self, pins: Any, values: Any, in_secs: float) -> None:
        """Set DO(s) ``in_secs`` (float allowed) from now on the scan clock."""
        self._set("do", pins, values, in_secs)

    async def schedule_ao(self, pins: Any, values: Any, in_secs: float) -> None:
        self._set("ao", pins, values, in_secs)

    def get_new_pulse_counter(self, di: Any, edge: str = "rising", callback: PulseCallback | None = None,
                              rate_window_secs: float = 60, auto_start: bool = True) -> PulseCounter:
        e = self._entry("di", di)
        return PulseCounter(self._io, e.key, edge=edge, callback=callback, rate_window_secs=rate_window_secs,
                            debounce_ms=e.debounce_ms if isinstance(e, DigitalLine) else 0,
                            auto_start=auto_start)

    def start_di_pulse_listener(self, di: Any, callback: PulseCallback, edge: str = "rising",
                                start_count: int = 0) -> None:
        """Call ``callback(di, value, dt_secs, count, edge)`` in the scan for each matching edge."""
        key = self._entry("di", di).key
        self._io._di_state(key).listeners.append((_check_edge(edge), callback, [None, int(start_count)]))

    async def fetch_di_events(self, di: Any, edge: str = "both", events_from: float | None = None
                              ) -> list[dict[str, Any]]:
        """Recent edges of ``di`` (last 256) at or after ``events_from`` (unix seconds)."""
        key = self._entry("di", di).key
        _check_edge(edge)
        return [dict(ev) for ev in self._io._di_state(key).history
                if (edge == "both" or ev["edge"] == edge)
                and (events_from is None or ev["timestamp"] >= events_from)]

    async def set_di_config(self, di: Any, debounce_ms: float = 0) -> None:
        """Software debounce for ``di``'s edges (events, listeners): edges closer than this are dropped."""
        if debounce_ms < 0:
            raise ValueError(f"debounce_ms must be >= 0, got {debounce_ms}")
        key = self._entry("di", di).key
        self._io._di_state(key).debounce_ns = round(debounce_ms * 1e6)

    async def fetch_io_table(self) -> dict[str, list[dict[str, Any]]]:
        return self._io.io_table()

    def pins(self, kind: str) -> Sequence[object]:
        """The pin keys of one kind (``di``/``do``/``ai``/``ao``) on this board."""
        return [e.key for e in getattr(self._io.board, kind)]
