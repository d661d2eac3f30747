"""BoardIO: the scan's view of a board: one input image per scan, batched outputs, safe states.

Scan step 1 calls :meth:`BoardIO.read_inputs` (ONE ``get_values`` per chip, one read per AI),
step 5 :meth:`BoardIO.write_outputs` (due schedules, then ONE ``set_values`` per chip for the
DOs that changed, then AO writes). DI edges arrive through the asyncio loop (``attach``) with
kernel timestamps and become events. On close, on process exit (atexit) and whenever asked,
every output goes to its board ``safe`` value BEFORE the lines are released.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import heapq
import logging
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from doover_fsm.clock import NS_PER_S, Clock
from doover_fsm.errors import DooverFSMError
from doover_fsm.events import Event, trigger_name
from doover_fsm.io.backend import (
    AnalogBackend,
    ChannelHandle,
    EdgeRecord,
    GpioBackend,
    LineConfig,
    LineHandle,
)
from doover_fsm.io.board import AnalogChannel, Board, DigitalLine, PinError
from doover_fsm.io.pulse import Listener, ViWatcher
from doover_fsm.io.system import SystemIO

if TYPE_CHECKING:
    from doover_fsm.io.platform import PlatformInterface
    from doover_fsm.io.virtual import VirtualPanel, VirtualWorld

log = logging.getLogger(__name__)
CONSUMER = "doover_fsm"
BACKEND_ENV = "DOOVER_IO_BACKEND"
HISTORY = 1024  # DI edges remembered per pin for fetch_di_events


@dataclass(frozen=True, slots=True)
class IOStats:
    """Counters of one BoardIO (see ``statistics()``)."""

    backend: str
    chips: int
    reads: int
    get_values_calls: int
    set_values_calls: int
    lines_written: int
    ai_reads: int
    ao_writes: int
    ai_errors: int
    edges: int
    edges_debounced: int
    events_dropped: int
    schedules_pending: int
    schedules_peak: int


@dataclass(slots=True)
class _ChipGroup:
    chip: str
    handle: LineHandle
    entries: list[DigitalLine]
    inputs: list[tuple[int, DigitalLine]]
    outputs: list[tuple[int, DigitalLine]]


@dataclass(slots=True)
class _DiState:
    debounce_ns: int = 0
    last_edge_ns: int | None = None
    history: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    listeners: list[Listener] = field(default_factory=list)


def make_backends(board: Board, clock: Clock, sysfs_root: str | None = None
                  ) -> tuple[GpioBackend, AnalogBackend, VirtualWorld | None]:
    """The GPIO and analog backends ``board`` runs on: simulated for a virtual board or when
    ``$DOOVER_IO_BACKEND`` is ``virtual`` (then with its world), else gpiod and IIO.

    ``run`` (through :class:`BoardIO`) and ``doover-fsm board check`` both open boards here.
    """
    if board.backend == "virtual" or os.environ.get(BACKEND_ENV) == "virtual":
        from doover_fsm.io.virtual import VirtualAnalogBackend, VirtualGpioBackend, VirtualWorld

        world = VirtualWorld.for_board(board, clock)
        return VirtualGpioBackend(world), VirtualAnalogBackend(world), world
    from doover_fsm.io.gpiod_backend import GpiodBackend
    from doover_fsm.io.iio_backend import IioBackend

    return GpiodBackend(), IioBackend(sysfs_root), None


class BoardIO:
    """Direct hardware I/O for one board. Not thread-safe: owned by the scan (loop thread)."""

    def __init__(self, board: Board, *, clock: Clock, post_event: Callable[[Event], bool],
                 sysfs_root: str | None = None, gpio: GpioBackend | None = None,
                 analog: AnalogBackend | None = None) -> None:
        from doover_fsm.io.platform import PlatformInterface

        self.board = board
        self.clock = clock
        self._post = post_event
        self._sysfs_root = sysfs_root
        self._gpio, self._analog = gpio, analog
        self.virtual_world: VirtualWorld | None = None
        self.virtual_panel: VirtualPanel | None = None
        self._groups: list[_ChipGroup] = []
        self._ai: list[tuple[AnalogChannel, ChannelHandle]] = []
        self._ao: list[tuple[AnalogChannel, ChannelHandle]] = []
        self.di_image: dict[object, bool | None] = {e.key: None for e in board.di}
        self.ai_image: dict[object, float | None] = {a.key: None for a in board.ai}
        self.do_state: dict[object, bool] = {e.key: e.safe for e in board.do}
        self.ao_state: dict[object, float | None] = {a.key: a.safe for a in board.ao}
        self._do_written: dict[object, bool | None] = {e.key: None for e in board.do}
        self._ao_written: dict[object, float | None] = {a.key: None for a in board.ao}
        self._di: dict[object, _DiState] = {
            e.key: _DiState(debounce_ns=round(e.debounce_ms * 1e6)) for e in board.di}
        self._sched: list[tuple[int, int, str, object, Any]] = []
        self._seq = 0
        self._event_id = 0
        self._vi: list[ViWatcher] = []
        self._system: SystemIO | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._open = False
        self._atexit = False
        self._before_release: Callable[[], None] | None = None  # test hook (safe-state hw tests)
        self._n = dict.fromkeys(("reads", "gv", "sv", "lw", "air", "aow", "aie", "edges", "deb",
                                 "drop", "peak"), 0)
        self.platform_iface: PlatformInterface = PlatformInterface(self)

    # --- lifecycle --------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._open

    def _make_backends(self) -> None:
        if self._gpio is not None and self._analog is not None:
            return
        gpio, analog, world = make_backends(self.board, self.clock, self._sysfs_root)
        if world is not None:
            from doover_fsm.io.virtual import VirtualPanel, default_state_dir

            self.virtual_world = world
            # The cross-process JSON panel is for real runs; a test-mode app on a virtual clock
            # must not pick up a stale inputs.json (unless DOOVER_VIRTUAL_DIR asks for it).
            if self.board.backend == "virtual" and (not getattr(self.clock, "is_virtual", False)
                                                    or os.environ.get("DOOVER_VIRTUAL_DIR")):
                self.virtual_panel = VirtualPanel(self.board, world, default_state_dir(self.board))
        self._gpio = self._gpio or gpio
        self._analog = self._analog or analog

    def open(self) -> None:
        """Request every line and channel; outputs start at their safe values.

        On any error nothing stays requested, and the error names file, key and line.
        """
        if self._open:
            return
        self._make_backends()
        assert self._gpio is not None and self._analog is not None
        try:
            by_chip: dict[str, list[DigitalLine]] = {}
            for e in (*self.board.di, *self.board.do):
                by_chip.setdefault(e.chip, []).append(e)
            for chip, entries in by_chip.items():
                cfgs = [LineConfig(line=e.line, output=e.kind == "do", active_low=e.active_low, bias=e.bias,
                                   drive=e.drive, debounce_ms=e.debounce_ms, initial=e.safe, where=e.where)
                        for e in entries]
                handle = self._gpio.request(chip, cfgs, CONSUMER)
                self._groups.append(_ChipGroup(
                    chip, handle, entries,
                    [(i, e) for i, e in enumerate(entries) if e.kind == "di"],
                    [(i, e) for i, e in enumerate(entries) if e.kind == "do"]))
            for a in self.board.ai:
                self._ai.append((a, self._analog.open_channel(
                    a.device, a.channel, output=False, scale=a.scale, offset=a.offset, where=a.where)))
            for a in self.board.ao:
                self._ao.append((a, self._analog.open_channel(a.device, a.channel, output=True, scale=a.scale,
                                                              offset=a.offset, where=a.where)))
        except BaseException:
            self._release()
            raise
        for e in self.board.do:
            self._do_written[e.key] = e.safe
        self._open = True
        atexit.register(self.close)
        self._atexit = True
        for a, ch in self._ao:
            if a.safe is not None:
                self._write_ao(a, ch, a.safe)
        if self.virtual_panel is not None:
            self.virtual_panel.publish(self._do_written, self._ao_written, force=True)  # type: ignore[arg-type]

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch DI edge fds on ``loop``; edges become events as soon as the loop sees them."""
        self._require_open()
        self.detach()
        self._loop = loop
        for g in self._groups:
            if g.inputs and g.handle.fd is not None:
                loop.add_reader(g.handle.fd, self._on_readable, g)

    def detach(self) -> None:
        """Stop watching edge fds (read_inputs then polls edges itself)."""
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            for g in self._groups:
                if g.handle.fd is not None:
                    loop.remove_reader(g.handle.fd)

    def close(self) -> None:
        """Safe state, then release everything. Idempotent; also runs at process exit."""
        if self._atexit:
            atexit.unregister(self.close)
            self._atexit = False
        if not self._open:
            return
        try:
            self.safe_state()
        except Exception:  # release anyway: a stuck line must not keep the others requested
            log.exception("board %r: safe state failed during close", self.board.name)
        hook = self._before_release
        if hook is not None:
            hook()
        self._open = False
        self._release()

    def _release(self) -> None:
        with contextlib.suppress(Exception):
            self.detach()
        for g in self._groups:
            with contextlib.suppress(Exception):
                g.handle.release()
        for _a, ch in (*self._ai, *self._ao):
            with contextlib.suppress(Exception):
                ch.close()
        self._groups, self._ai, self._ao = [], [], []

    def _require_open(self) -> None:
        if not self._open:
            raise DooverFSMError(f"BoardIO for board {self.board.name!r} is not open")

    # --- the scan ---------------------------------------------------------------------------------
    def read_inputs(self) -> None:
        """Scan step 1: the input image (one get_values per chip; one read per AI)."""
        self._require_open()
        if self.virtual_panel is not None:
            self.virtual_panel.poll()
        img = self.di_image
        for g in self._groups:
            if g.inputs:
                vals = g.handle.get_values()
                self._n["gv"] += 1
                for i, e in g.inputs:
                    img[e.key] = vals[i]
                if self._loop is None:
                    self._handle_edges(g, g.handle.read_edges())
        ai = self.ai_image
        for a, ch in self._ai:
            try:
                v = ch.read()
            except OSError as e:
                self._n["aie"] += 1
                log.warning("board %r: AI %r read failed: %s", self.board.name, a.key, e)
                ai[a.key] = None
                continue
            ai[a.key] = a.calibration.apply(v) if a.calibration is not None else v
        self._n["air"] += len(self._ai)
        self._n["reads"] += 1
        if self._vi:
            self._sample_vi()

    def _sample_vi(self) -> None:
        now = self.clock.monotonic_ns()
        for w in self._vi:
            before = w.count
            call = w.sample(self.ai_image[w.pin], now)
            if w.count != before:
                data = {"pin": w.pin, "edge": w.edge, "count": w.count, "value": self.ai_image[w.pin]}
                self._emit(Event(trigger_name("ai", w.pin, "pulse"), "ai", data, now, callback=call))

    def write_outputs(self) -> None:
        """Scan step 5: fire due schedules, then write changed DOs (one call per chip) and AOs."""
        self._require_open()
        sched = self._sched
        if sched:
            now = self.clock.monotonic_ns()
            while sched and sched[0][0] <= now:
                _due, _seq, kind, key, value = heapq.heappop(sched)
                if kind == "call":
                    value()
                else:
                    (self.do_state if kind == "do" else self.ao_state)[key] = value
        changed_any = False
        for g in self._groups:
            if not g.outputs:
                continue
            want, written = self.do_state, self._do_written
            changes = {i: want[e.key] for i, e in g.outputs if written[e.key] != want[e.key]}
            if changes:
                g.handle.set_values(changes)
                self._n["sv"] += 1
                self._n["lw"] += len(changes)
                for i, v in changes.items():
                    written[g.entries[i].key] = v
                changed_any = True
        for a, ch in self._ao:
            av = self.ao_state[a.key]
            if av is not None and av != self._ao_written[a.key]:
                self._write_ao(a, ch, av)
                changed_any = True
        if changed_any and self.virtual_panel is not None:
            self.virtual_panel.publish(self._do_written, self._ao_written)  # type: ignore[arg-type]

    def _write_ao(self, a: AnalogChannel, ch: ChannelHandle, value: float) -> None:
        ch.write(a.calibration.invert(value) if a.calibration is not None else value)
        self._ao_written[a.key] = value
        self._n["aow"] += 1

    def safe_state(self) -> None:
        """Every output to its board safe value, now (one set_values per chip); drops schedules."""
        if not self._open:
            return
        self._sched.clear()
        for e in self.board.do:
            self.do_state[e.key] = e.safe
        for g in self._groups:
            if g.outputs:
                g.handle.set_values({i: e.safe for i, e in g.outputs})
                self._n["sv"] += 1
                for _i, e in g.outputs:
                    self._do_written[e.key] = e.safe
        for a, ch in self._ao:
            if a.safe is not None:
                self.ao_state[a.key] = a.safe
                self._write_ao(a, ch, a.safe)
        if self.virtual_panel is not None:
            self.virtual_panel.publish(self._do_written, self._ao_written, force=True)  # type: ignore[arg-type]

    # --- edges ------------------------------------------------------------------------------------
    def _on_readable(self, g: _ChipGroup) -> None:
        self._handle_edges(g, g.handle.read_edges())

    def poll_edges(self) -> None:
        """Read pending edges now (normally done by the loop reader or by read_inputs)."""
        for g in self._groups:
            if g.inputs:
                self._handle_edges(g, g.handle.read_edges())

    def _handle_edges(self, g: _ChipGroup, records: list[EdgeRecord]) -> None:
        for rec in records:
            e = g.entries[rec.index]
            if e.kind != "di":
                continue
            st = self._di[e.key]
            self._n["edges"] += 1
            last = st.last_edge_ns
            if st.debounce_ns and last is not None and rec.timestamp_ns - last < st.debounce_ns:
                self._n["deb"] += 1
                continue
            st.last_edge_ns = rec.timestamp_ns
            edge = "rising" if rec.rising else "falling"
            data = {"pin": e.key, "edge": edge, "value": rec.rising, "timestamp_ns": rec.timestamp_ns}
            self._event_id += 1
            st.history.append({**data, "timestamp": self._wall_of(rec.timestamp_ns), "id": self._event_id})
            calls = [ls.pulse(rec.rising, rec.timestamp_ns, edge) for ls in st.listeners
                     if ls.edge in (edge, "both")]
            callbacks = [c for c in calls if c is not None]
            self._emit(Event(trigger_name("di", e.key), "di", data, rec.timestamp_ns))
            self._emit(Event(trigger_name("di", e.key, edge), "di", data, rec.timestamp_ns,
                             callback=_chain(callbacks) if callbacks else None))

    def _emit(self, ev: Event) -> None:
        if not self._post(ev):
            self._n["drop"] += 1

    def _wall_of(self, ts_ns: int) -> float:
        return self.clock.time() - (self.clock.monotonic_ns() - ts_ns) / NS_PER_S

    # --- used by PlatformInterface ----------------------------------------------------------------
    def _schedule(self, kind: str, key: object, value: Any, in_secs: float) -> None:
        due = self.clock.monotonic_ns() + round(in_secs * NS_PER_S)
        self._seq += 1
        heapq.heappush(self._sched, (due, self._seq, kind, key, value))
        self._n["peak"] = max(self._n["peak"], len(self._sched))

    def _di_state(self, key: object) -> _DiState:
        return self._di[key]

    def _add_vi(self, watcher: ViWatcher) -> None:
        self._vi.append(watcher)

    @property
    def system(self) -> SystemIO:
        """The board's system/power sources (simulated on the virtual backend)."""
        if self._system is None:
            self._make_backends()
            self._system = SystemIO(self.board.system, self.board.name, self.board.source,
                                    sysfs_root=self._sysfs_root, world=self.virtual_world)
        return self._system

    def io_table(self) -> dict[str, list[dict[str, Any]]]:
        """Every pin with its wiring and current value (for UIs and ``board show``)."""
        table: dict[str, list[dict[str, Any]]] = {}
        for e in self.board.di:
            table.setdefault("di", []).append({"pin": e.key, "chip": e.chip, "line": e.line,
                                               "value": self.di_image[e.key], "active_low": e.active_low})
        for e in self.board.do:
            table.setdefault("do", []).append({"pin": e.key, "chip": e.chip, "line": e.line,
                                               "value": self.do_state[e.key], "safe": e.safe})
        for a in self.board.ai:
            table.setdefault("ai", []).append({"pin": a.key, "device": a.device, "channel": a.channel,
                                               "value": self.ai_image[a.key], "units": a.units})
        for a in self.board.ao:
            table.setdefault("ao", []).append({"pin": a.key, "device": a.device, "channel": a.channel,
                                               "value": self.ao_state[a.key], "units": a.units,
                                               "safe": a.safe})
        return table

    def statistics(self) -> IOStats:
        n = self._n
        backend = getattr(self._gpio, "name", "?") + "+" + getattr(self._analog, "name", "?")
        return IOStats(backend, len(self._groups), n["reads"], n["gv"], n["sv"], n["lw"], n["air"], n["aow"],
                       n["aie"], n["edges"], n["deb"], n["drop"], len(self._sched), n["peak"])

    def lookup(self, kind: str, pin: object) -> DigitalLine | AnalogChannel:
        return self.board.lookup(kind, pin)

    def __enter__(self) -> BoardIO:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<BoardIO board={self.board.name!r} open={self._open}>"


def _chain(callbacks: list[Callable[[], Any]]) -> Callable[[], Any]:
    """One zero-arg callback running several in order (awaiting any awaitable results)."""
    if len(callbacks) == 1:
        return callbacks[0]

    async def run_all() -> None:
        for cb in callbacks:
            r = cb()
            if asyncio.iscoroutine(r) or isinstance(r, asyncio.Future):
                await r

    return run_all


__all__ = ["BoardIO", "IOStats", "PinError"]
