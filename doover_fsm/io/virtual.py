"""The in-package simulated backend: GPIO chips and IIO devices that live in Python.

A :class:`VirtualWorld` plays the kernel: chips (by label) with named lines, IIO devices (by
name) with attributes. Tests and demos act as "the outside": :meth:`VirtualWorld.set_input`
drives an input line's physical level (like gpio-sim's pull), :meth:`VirtualWorld.get_output`
reads what the app drives, :meth:`VirtualWorld.set_raw` sets an ADC reading. Edge events carry
timestamps from the injected clock and wake the asyncio loop through an ``eventfd`` so
``BoardIO.attach`` works exactly as with gpiod. EBUSY is modelled (a line can be requested once).

:class:`VirtualPanel` connects the ``virtual`` board to other processes: ``inputs.json`` in
the state dir (written by ``doover-fsm io set``) is re-read when its mtime changes, at most
once per scan; ``outputs.json`` is rewritten (atomically) when outputs change, at most every
100 ms (the last change is always flushed, and safe states are written at once).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doover_fsm.clock import Clock
from doover_fsm.errors import BoardError, IOFault, LineBusyError
from doover_fsm.io.backend import EdgeRecord, LineConfig
from doover_fsm.io.board import Board


@dataclass(slots=True)
class _VLine:
    name: str
    level: bool = False  # physical level seen on the pin
    output: bool = False
    active_low: bool = False
    owner: VirtualLineHandle | None = None
    index: int = -1  # index in the owner's request


@dataclass(slots=True)
class _VChip:
    label: str
    lines: list[_VLine] = field(default_factory=list)

    def offset_of(self, line: str | int) -> int | None:
        if isinstance(line, int):
            return line if 0 <= line < len(self.lines) else None
        for i, ln in enumerate(self.lines):
            if ln.name == line:
                return i
        return int(line) if line.isdigit() and int(line) < len(self.lines) else None


class VirtualWorld:
    """Simulated chips and IIO devices. Not thread-safe (use from the scan's thread)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.chips: dict[str, _VChip] = {}
        self.iio: dict[str, dict[str, float]] = {}
        # The simulated power side (what a Doover board's MCU/PMIC would report and do).
        self.system: dict[str, float] = {}
        self.power_log: list[tuple[str, float, Any]] = []
        self.wake_on_voltage: float | None = None
        self.wake_reason: str | None = "reboot"
        self.sleep_log: list[Any] = []
        self.sleep_log_interval = 0
        self.location: Any = None

    def add_chip(self, label: str, line_names: Sequence[str]) -> None:
        self.chips[label] = _VChip(label, [_VLine(n) for n in line_names])

    def add_iio_device(self, name: str, attrs: Mapping[str, float]) -> None:
        self.iio[name] = dict(attrs)

    @classmethod
    def for_board(cls, board: Board, clock: Clock) -> VirtualWorld:
        """A world holding exactly the chips, lines and IIO channels ``board`` refers to."""
        world = cls(clock)
        chips: dict[str, list[str]] = {}
        for e in (*board.di, *board.do):
            names = chips.setdefault(e.chip, [])
            if isinstance(e.line, int):
                while len(names) <= e.line:
                    names.append("")
            elif e.line not in names:
                names.append(e.line)
        for label, names in chips.items():
            world.add_chip(label, names)
        for a in (*board.ai, *board.ao):
            attrs = world.iio.setdefault(a.device.replace("*", ""), {})
            prefix = "out" if a.kind == "ao" else "in"
            attrs.setdefault(f"{prefix}_{a.channel}_raw", 0.0)
        return world

    # --- the outside world ---------------------------------------------------------------------
    def _line(self, chip: str, line: str | int) -> _VLine:
        c = self.chips.get(chip)
        off = None if c is None else c.offset_of(line)
        if c is None or off is None:
            raise KeyError(f"no virtual line {line!r} on chip {chip!r}")
        return c.lines[off]

    def set_input(self, chip: str, line: str | int, level: bool) -> None:
        """Drive the physical level of an input line (posts an edge if it changed)."""
        ln = self._line(chip, line)
        if ln.output and ln.owner is not None:
            raise ValueError(f"virtual line {line!r} on {chip!r} is an output driven by the app")
        old, ln.level = ln.level, bool(level)
        if ln.owner is not None and old != ln.level:
            ln.owner._edge(ln.index, ln.level != ln.active_low, self.clock.monotonic_ns())

    def get_output(self, chip: str, line: str | int) -> bool:
        """The physical level of a line (what the app drives, for outputs)."""
        return self._line(chip, line).level

    def set_raw(self, device: str, attr: str, value: float) -> None:
        """Set an IIO attribute, e.g. ``set_raw("virtual_adc", "in_voltage0_raw", 1234)``."""
        self.iio.setdefault(device, {})[attr] = float(value)

    def get_raw(self, device: str, attr: str) -> float:
        return self.iio[device][attr]

    def set_system(self, quantity: str, value: float) -> None:
        """Set a simulated system quantity, e.g. ``set_system("voltage", 11.2)``."""
        self.system[quantity] = float(value)

    def system_value(self, quantity: str, default: float) -> float:
        return self.system.setdefault(quantity, float(default))

    def record_power(self, action: str, arg: Any = None) -> None:
        """What a power action would have done (``shutdown``, ``reboot``, ``schedule_startup``...)."""
        self.power_log.append((action, self.clock.time(), arg))


class VirtualLineHandle:
    """A request on a virtual chip. Not thread-safe."""

    def __init__(self, world: VirtualWorld, chip: _VChip, lines: list[_VLine]) -> None:
        self.chip = chip.label
        self._world = world
        self._lines = lines
        self._pending: list[EdgeRecord] = []
        self.fd: int | None = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    def _edge(self, index: int, rising: bool, ts: int) -> None:
        self._pending.append(EdgeRecord(index, rising, ts))
        if self.fd is not None:
            os.eventfd_write(self.fd, 1)

    def get_values(self) -> list[bool]:
        return [ln.level != ln.active_low for ln in self._lines]

    def set_values(self, values: Mapping[int, bool]) -> None:
        lines = self._lines
        for i, v in values.items():
            ln = lines[i]
            if not ln.output:
                raise IOFault(errno.EPERM, f"virtual line {ln.name!r} on {self.chip!r} is an input")
            ln.level = bool(v) != ln.active_low

    def read_edges(self) -> list[EdgeRecord]:
        if not self._pending:
            return []
        if self.fd is not None:
            with contextlib.suppress(BlockingIOError):
                os.eventfd_read(self.fd)
        out, self._pending = self._pending, []
        return out

    def release(self) -> None:
        for ln in self._lines:
            ln.owner = None  # an output keeps its last level, so tests can read the safe value
        self._lines = []
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


class VirtualGpioBackend:
    """GPIO backend over a :class:`VirtualWorld`. Not thread-safe."""

    name = "virtual"

    def __init__(self, world: VirtualWorld) -> None:
        self.world = world

    def chip_labels(self) -> dict[str, str]:
        return {label: f"virtual:{label}" for label in self.world.chips}

    def request(self, chip: str, lines: Sequence[LineConfig], consumer: str) -> VirtualLineHandle:
        c = self.world.chips.get(chip)
        if c is None:
            where = lines[0].where if lines else ""
            raise BoardError(f"{where}: no GPIO chip labelled {chip!r} (found: "
                             f"{', '.join(self.world.chips) or 'none'})")
        vlines: list[_VLine] = []
        for lc in lines:
            off = c.offset_of(lc.line)
            if off is None:
                raise BoardError(f"{lc.where}: line {lc.line!r} not found on chip {chip!r}")
            ln = c.lines[off]
            if ln.owner is not None or ln in vlines:
                raise LineBusyError(f"{lc.where}: line {lc.line!r} busy on chip {chip!r}: "
                                    "requested by another consumer")
            vlines.append(ln)
        handle = VirtualLineHandle(self.world, c, vlines)
        for i, (ln, lc) in enumerate(zip(vlines, lines, strict=True)):
            ln.owner, ln.index, ln.output, ln.active_low = handle, i, lc.output, lc.active_low
            if lc.output:
                ln.level = lc.initial != lc.active_low
            elif lc.bias in ("pull-up", "pull-down"):
                ln.level = lc.bias == "pull-up"
        return handle


class VirtualChannel:
    """An IIO channel of a virtual device. Not thread-safe."""

    def __init__(self, attrs: dict[str, float], raw: str, scale: float, offset: float) -> None:
        self._attrs, self._raw, self.scale, self.offset = attrs, raw, scale, offset

    def read(self) -> float:
        return (self._attrs[self._raw] + self.offset) * self.scale

    def write(self, value: float) -> None:
        self._attrs[self._raw] = float(round(value / self.scale - self.offset))

    def close(self) -> None:
        pass


class VirtualAnalogBackend:
    """IIO backend over a :class:`VirtualWorld` (attributes like ``in_voltage0_raw``)."""

    name = "virtual"

    def __init__(self, world: VirtualWorld) -> None:
        self.world = world

    def open_channel(self, device: str, channel: str, *, output: bool, scale: float | None,
                     offset: float | None, where: str = "") -> VirtualChannel:
        import fnmatch

        attrs = next((a for n, a in self.world.iio.items() if n == device or fnmatch.fnmatchcase(n, device)),
                     None)
        if attrs is None:
            found = ", ".join(self.world.iio) or "none"
            raise BoardError(f"{where}: no IIO device named {device!r} (found: {found})")
        prefix = "out" if output else "in"
        raw = f"{prefix}_{channel}_raw"
        if raw not in attrs:
            raise BoardError(f"{where}: IIO channel {prefix}_{channel} absent on {device!r}")
        sc = scale if scale is not None else attrs.get(f"{prefix}_{channel}_scale", 1.0)
        of = offset if offset is not None else attrs.get(f"{prefix}_{channel}_offset", 0.0)
        return VirtualChannel(attrs, raw, sc, of)


# --- cross-process panel for the ``virtual`` board ---------------------------------------------


def default_state_dir(board: Board, env: Mapping[str, str] = os.environ) -> Path:
    """Where the virtual board's ``inputs.json``/``outputs.json`` live (see docs/boards.md)."""
    if board.virtual.get("state_dir"):
        return Path(str(board.virtual["state_dir"])).expanduser()
    if env.get("DOOVER_VIRTUAL_DIR"):
        return Path(env["DOOVER_VIRTUAL_DIR"])
    if env.get("XDG_RUNTIME_DIR"):
        return Path(env["XDG_RUNTIME_DIR"]) / "doover_fsm" / "virtual"
    return Path(tempfile.gettempdir()) / f"doover_fsm-{os.getuid()}" / "virtual"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` via a temp file + rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class VirtualPanel:
    """Mirrors the virtual board's inputs/outputs to JSON files. Not thread-safe (scan-owned).

    ``inputs.json``: ``{"di": {"<pin>": true}, "ai": {"<pin>": raw}, "system": {"voltage": 12.1}}`` (set by other
    processes). ``outputs.json``: ``{"do": {...}, "ao": {...}, "time": unix_s}``.
    """

    def __init__(self, board: Board, world: VirtualWorld, state_dir: Path) -> None:
        self.board, self.world, self.dir = board, world, state_dir
        self.inputs_path = state_dir / "inputs.json"
        self.outputs_path = state_dir / "outputs.json"
        self._mtime: tuple[int, int] | None = None
        self.min_interval = 0.1
        self._last_publish = float("-inf")
        self._pending: tuple[Mapping[object, bool], Mapping[object, float | None]] | None = None

    def poll(self) -> bool:
        """Apply ``inputs.json`` if its mtime changed since the last poll; True if applied."""
        if self._pending is not None and time.monotonic() - self._last_publish >= self.min_interval:
            self.flush()
        try:
            st = os.stat(self.inputs_path)
        except FileNotFoundError:
            return False
        mtime = (st.st_mtime_ns, st.st_ino)  # the CLI replaces the file, so the inode changes too
        if mtime == self._mtime:
            return False
        self._mtime = mtime
        try:
            data = json.loads(self.inputs_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False  # a writer raced us or wrote garbage; try again on the next change
        for key, level in (data.get("di") or {}).items():
            with contextlib.suppress(BoardError):
                e = self.board.lookup("di", key)
                self.world.set_input(e.chip, e.line, bool(level))  # type: ignore[union-attr]
        for key, raw in (data.get("ai") or {}).items():
            with contextlib.suppress(BoardError, TypeError, ValueError):
                a = self.board.lookup("ai", key)
                self.world.set_raw(a.device.replace("*", ""), f"in_{a.channel}_raw", float(raw))  # type: ignore[union-attr]
        for quantity, value in (data.get("system") or {}).items():
            with contextlib.suppress(TypeError, ValueError):
                self.world.set_system(str(quantity), float(value))
        return True

    def publish(self, do: Mapping[object, bool], ao: Mapping[object, float | None], *, force: bool = False) -> None:
        """Write ``outputs.json``: at most every ``min_interval`` s unless ``force`` (a file write
        costs far more than a scan's I/O; a pending change is flushed by a later ``flush``)."""
        self._pending = (do, ao)
        now = time.monotonic()
        if force or now - self._last_publish >= self.min_interval:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """Write pending outputs now (called each scan; cheap when nothing is pending)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        do, ao = pending
        self._last_publish = time.monotonic() if now is None else now
        write_json_atomic(self.outputs_path, {"do": {str(k): v for k, v in do.items()},
                                              "ao": {str(k): v for k, v in ao.items()},
                                              "time": self.world.clock.time()})
