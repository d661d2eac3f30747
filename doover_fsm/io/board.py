"""Board configs: one TOML file per board, parsed and validated into an immutable :class:`Board`.

A board says which GPIO lines are the app's digital inputs/outputs (chip label + line name or
offset, polarity, bias, debounce, safe value), which IIO channels are its analog inputs/outputs
(with scale/offset overrides and calibration), its Modbus buses (kept raw for
``doover_fsm.io.modbus``), its system/power sources (:mod:`doover_fsm.io.system`), scheduler
hints and how to recognise it from the device tree. Every
validation error names the file, the key and the line (see docs/boards.md for the format).
"""

from __future__ import annotations

import math
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from doover_fsm.errors import BoardError
from doover_fsm.io._tomlpos import SourcePositions
from doover_fsm.io.system import SystemConfig, parse_system

BIASES = ("as-is", "pull-up", "pull-down", "disabled")
DRIVES = ("push-pull", "open-drain", "open-source")
BACKENDS = ("hw", "virtual")
Pin = int | str


class PinError(BoardError):
    """A pin is unknown on this board, or used the wrong way (e.g. writing an input)."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """Engineering-unit conversion applied after IIO's ``(raw + offset) * scale``.

    ``linear``: ``y = x * gain + offset``. ``4-20mA``: the IIO value (mV across a shunt when
    ``shunt_ohms`` is set, else already mA) becomes mA, then optionally maps 4..20 mA onto
    ``range = [lo, hi]``. Thread-safe (immutable).
    """

    type: Literal["linear", "4-20mA"]
    gain: float = 1.0
    offset: float = 0.0
    shunt_ohms: float | None = None
    range: tuple[float, float] | None = None

    def apply(self, x: float) -> float:
        if self.type == "linear":
            return x * self.gain + self.offset
        ma = x / self.shunt_ohms if self.shunt_ohms else x
        if self.range is None:
            return ma
        lo, hi = self.range
        return lo + (ma - 4.0) * (hi - lo) / 16.0

    def invert(self, y: float) -> float:
        if self.type == "linear":
            return (y - self.offset) / self.gain
        ma = y if self.range is None else 4.0 + (y - self.range[0]) * 16.0 / (self.range[1] - self.range[0])
        return ma * self.shunt_ohms if self.shunt_ohms else ma


@dataclass(frozen=True, slots=True)
class DigitalLine:
    """One DI or DO: where it is (chip label + line) and how to drive/read it. Immutable."""

    kind: Literal["di", "do"]
    pin: int | None
    name: str | None
    chip: str
    line: str | int
    active_low: bool = False
    bias: str = "as-is"
    drive: str = "push-pull"
    debounce_ms: float = 0.0
    safe: bool = False
    where: str = ""

    @property
    def key(self) -> Pin:
        """The identifier used in events and tables: the Doover pin number, else the name."""
        return self.pin if self.pin is not None else str(self.name)

    def matches(self, pin: object) -> bool:
        return _matches(self.pin, self.name, pin)


@dataclass(frozen=True, slots=True)
class AnalogChannel:
    """One AI or AO: an IIO device (by name) and channel, with conversion to engineering units."""

    kind: Literal["ai", "ao"]
    pin: int | None
    name: str | None
    device: str
    channel: str
    scale: float | None = None
    offset: float | None = None
    units: str = ""
    calibration: Calibration | None = None
    safe: float | None = None
    where: str = ""

    @property
    def key(self) -> Pin:
        return self.pin if self.pin is not None else str(self.name)

    def matches(self, pin: object) -> bool:
        return _matches(self.pin, self.name, pin)


@dataclass(frozen=True, slots=True)
class SchedulerHints:
    """Hints for the scan scheduler from the board file (all optional)."""

    period: float | None = None
    cpu: int | None = None
    rt_priority: int | None = None
    timer_slack_ns: int | None = None
    mlock: bool | None = None


@dataclass(frozen=True)
class Board:
    """A validated board config. Thread-safe (immutable; ``modbus`` must not be mutated)."""

    name: str
    description: str
    path: Path
    backend: str = "hw"
    compatible: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    di: tuple[DigitalLine, ...] = ()
    do: tuple[DigitalLine, ...] = ()
    ai: tuple[AnalogChannel, ...] = ()
    ao: tuple[AnalogChannel, ...] = ()
    modbus: Mapping[str, Any] = field(default_factory=dict)
    scheduler: SchedulerHints = field(default_factory=SchedulerHints)
    virtual: Mapping[str, Any] = field(default_factory=dict)
    system: SystemConfig = field(default_factory=lambda: SystemConfig({}, {}))

    @property
    def source(self) -> str:
        """The board file, as a string (for messages such as Modbus bus errors)."""
        return str(self.path)

    def lookup(self, kind: str, pin: object) -> DigitalLine | AnalogChannel:
        """The DI/DO/AI/AO answering to ``pin`` (int or name); PinError naming pin and board."""
        for entry in getattr(self, kind):
            if entry.matches(pin):
                return entry
        for other in ("di", "do", "ai", "ao"):
            if other != kind and any(e.matches(pin) for e in getattr(self, other)):
                raise PinError(
                    f"{kind.upper()} {pin!r} does not exist on board {self.name!r}: pin {pin!r} is "
                    f"{'an' if other[0] in 'a' else 'a'} {other.upper()} ({self.path})"
                )
        known = ", ".join(str(e.key) for e in getattr(self, kind)) or "none"
        raise PinError(f"unknown {kind.upper()} {pin!r} on board {self.name!r} (known: {known}; {self.path})")


def _matches(own_pin: int | None, own_name: str | None, pin: object) -> bool:
    if isinstance(pin, bool):
        return False
    if isinstance(pin, int):
        return own_pin == pin
    if isinstance(pin, str):
        if own_name is not None and pin == own_name:
            return True
        return own_pin is not None and pin.strip().isdigit() and int(pin) == own_pin
    return False


# --- loading ------------------------------------------------------------------------------------


def board_dirs() -> list[Path]:
    """Where board files are looked up: ``$DOOVER_BOARD_DIR`` (``:``-separated), then the source
    checkout's ``board_configs/``, then the copy a wheel installs under ``<prefix>/share/doover_fsm``."""
    dirs = [Path(p) for p in os.environ.get("DOOVER_BOARD_DIR", "").split(os.pathsep) if p]
    dirs.append(Path(__file__).resolve().parents[2] / "board_configs")
    dirs.append(Path(sys.prefix) / "share" / "doover_fsm" / "board_configs")
    return dirs


def known_boards() -> dict[str, Path]:
    """Board name → file for every ``*.toml`` in :func:`board_dirs` (first directory wins)."""
    out: dict[str, Path] = {}
    for d in board_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.toml")):
                out.setdefault(p.stem, p)
    return out


def load_board(name_or_path: str | os.PathLike[str]) -> Board:
    """Load a board by name (see :func:`known_boards`) or by path to a TOML file."""
    text = str(name_or_path)
    p = Path(text)
    if text.endswith(".toml") or os.sep in text:
        if not p.is_file():
            raise BoardError(f"board file {text!r} does not exist")
        return parse_board_file(p)
    boards = known_boards()
    if text not in boards:
        raise BoardError(
            f"unknown board {text!r}; known boards: {', '.join(sorted(boards)) or 'none'} "
            f"(searched {', '.join(str(d) for d in board_dirs())})"
        )
    return parse_board_file(boards[text])


def parse_board_file(path: Path) -> Board:
    """Parse and validate one board file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise BoardError(f"{path}: cannot read board file: {e}") from e
    return parse_board_text(text, path)


def parse_board_text(text: str, path: Path) -> Board:
    """Parse and validate board TOML ``text`` (``path`` is used in messages only)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BoardError(f"{path}: invalid TOML: {e}") from e
    return _Validator(data, path, SourcePositions(text)).board()


class _Validator:
    """Turns the raw TOML dict into a Board; one instance per file. Not thread-safe."""

    def __init__(self, data: dict[str, Any], path: Path, pos: SourcePositions) -> None:
        self.data, self.path, self.pos = data, path, pos

    def fail(self, table: str, index: int, key: str | None, msg: str) -> BoardError:
        line = self.pos.line_of(table, index, key)
        label = f"[[{table}]] #{index + 1}" if table in ("di", "do", "ai", "ao") else f"[{table}]"
        where = f"{label}.{key}" if key else label
        return BoardError(f"{self.path}:{line}: {where}: {msg}")

    def where(self, table: str, index: int) -> str:
        return f"{self.path}:{self.pos.line_of(table, index)}"

    def get(self, tbl: Mapping[str, Any], table: str, i: int, key: str, typ: type | tuple[type, ...],
            default: Any = None, required: bool = False) -> Any:
        if key not in tbl:
            if required:
                raise self.fail(table, i, None, f"missing required key {key!r}")
            return default
        v = tbl[key]
        if isinstance(v, bool) and bool not in (typ if isinstance(typ, tuple) else (typ,)):
            raise self.fail(table, i, key, f"expected {_tname(typ)}, got {v!r}")
        if not isinstance(v, typ):
            raise self.fail(table, i, key, f"expected {_tname(typ)}, got {v!r}")
        return v

    def board(self) -> Board:
        allowed = {"board", "detect", "di", "do", "ai", "ao", "modbus", "scheduler", "system", "virtual"}
        for k in self.data:
            if k not in allowed:
                raise self.fail(k, 0, None, f"unknown table {k!r} (allowed: {', '.join(sorted(allowed))})")
        b = self.data.get("board")
        if not isinstance(b, dict):
            raise self.fail("board", 0, None, "missing [board] table with at least 'name'")
        name = self.get(b, "board", 0, "name", str, required=True)
        desc = self.get(b, "board", 0, "description", str, default="")
        backend = self.get(b, "board", 0, "backend", str, default="hw")
        if backend not in BACKENDS:
            raise self.fail("board", 0, "backend", f"must be one of {BACKENDS}, got {backend!r}")
        det = self.data.get("detect", {})
        compatible = tuple(self._strlist(det, "detect", "compatible"))
        model = tuple(self._strlist(det, "detect", "model"))
        di = tuple(self._digital("di", t, i) for i, t in enumerate(self._aot("di")))
        do = tuple(self._digital("do", t, i) for i, t in enumerate(self._aot("do")))
        ai = tuple(self._analog("ai", t, i) for i, t in enumerate(self._aot("ai")))
        ao = tuple(self._analog("ao", t, i) for i, t in enumerate(self._aot("ao")))
        self._check_unique(di, do, ai, ao)
        modbus = self.data.get("modbus", {})
        if not isinstance(modbus, dict) or any(not isinstance(v, dict) for v in modbus.values()):
            raise self.fail("modbus", 0, None, "expected [modbus.<bus_id>] tables")
        return Board(name=name, description=desc, path=self.path, backend=backend, compatible=compatible,
                     model=model, di=di, do=do, ai=ai, ao=ao, modbus=modbus,
                     scheduler=self._scheduler(), virtual=dict(self.data.get("virtual", {})),
                     system=parse_system(self.data.get("system", {}),
                                         lambda key: f"{self.path}:{self.pos.line_of('system', 0, key)}"))

    def _strlist(self, tbl: Mapping[str, Any], table: str, key: str) -> list[str]:
        v = tbl.get(key, [])
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            raise self.fail(table, 0, key, f"expected a list of strings, got {v!r}")
        return v

    def _aot(self, kind: str) -> list[dict[str, Any]]:
        v = self.data.get(kind, [])
        if not isinstance(v, list) or not all(isinstance(t, dict) for t in v):
            raise self.fail(kind, 0, None, f"expected [[{kind}]] entries")
        return v

    def _ident(self, kind: str, t: Mapping[str, Any], i: int) -> tuple[int | None, str | None]:
        pin = self.get(t, kind, i, "pin", int)
        name = self.get(t, kind, i, "name", (str, int))
        if isinstance(name, int):  # ``name = 3`` means the Doover pin number
            if pin is not None and pin != name:
                raise self.fail(kind, i, "name", f"integer name {name} disagrees with pin = {pin}")
            pin, name = name, None
        if pin is None and name is None:
            raise self.fail(kind, i, None, "needs 'pin' (Doover pin number) or 'name'")
        if pin is not None and pin < 0:
            raise self.fail(kind, i, "pin", f"must be >= 0, got {pin}")
        return pin, name

    def _digital(self, kind: Literal["di", "do"], t: Mapping[str, Any], i: int) -> DigitalLine:
        allowed = {"pin", "name", "chip", "line", "active_low", "bias", "debounce_ms", "drive", "safe"}
        self._no_unknown(kind, i, t, allowed if kind == "do" else allowed - {"drive", "safe"})
        pin, name = self._ident(kind, t, i)
        chip = self.get(t, kind, i, "chip", str, required=True)
        line = self.get(t, kind, i, "line", (str, int), required=True)
        if isinstance(line, int) and line < 0:
            raise self.fail(kind, i, "line", f"offset must be >= 0, got {line}")
        bias = self.get(t, kind, i, "bias", str, default="as-is")
        if bias not in BIASES:
            raise self.fail(kind, i, "bias", f"must be one of {', '.join(BIASES)}; got {bias!r}")
        drive = self.get(t, kind, i, "drive", str, default="push-pull")
        if drive not in DRIVES:
            raise self.fail(kind, i, "drive", f"must be one of {', '.join(DRIVES)}; got {drive!r}")
        deb = self.get(t, kind, i, "debounce_ms", (int, float), default=0)
        if deb < 0:
            raise self.fail(kind, i, "debounce_ms", f"must be >= 0, got {deb}")
        safe = self.get(t, kind, i, "safe", (bool, int), default=False)
        if safe not in (0, 1):
            raise self.fail(kind, i, "safe", f"must be true/false or 0/1, got {safe!r}")
        return DigitalLine(kind=kind, pin=pin, name=name, chip=chip, line=line,
                           active_low=self.get(t, kind, i, "active_low", bool, default=False),
                           bias=bias, drive=drive, debounce_ms=float(deb), safe=bool(safe),
                           where=self.where(kind, i))

    def _analog(self, kind: Literal["ai", "ao"], t: Mapping[str, Any], i: int) -> AnalogChannel:
        allowed = {"pin", "name", "device", "channel", "scale", "offset", "units", "calibration", "safe"}
        self._no_unknown(kind, i, t, allowed if kind == "ao" else allowed - {"safe"})
        pin, name = self._ident(kind, t, i)
        device = self.get(t, kind, i, "device", str, required=True)
        channel = self.get(t, kind, i, "channel", str, required=True)
        scale = self.get(t, kind, i, "scale", (int, float))
        if scale is not None and (scale == 0 or not math.isfinite(scale)):
            raise self.fail(kind, i, "scale", f"must be a finite non-zero number, got {scale}")
        offset = self.get(t, kind, i, "offset", (int, float))
        safe = self.get(t, kind, i, "safe", (int, float))
        cal = self._calibration(kind, i, t.get("calibration"))
        return AnalogChannel(kind=kind, pin=pin, name=name, device=device, channel=channel,
                             scale=None if scale is None else float(scale),
                             offset=None if offset is None else float(offset),
                             units=self.get(t, kind, i, "units", str, default=""), calibration=cal,
                             safe=None if safe is None else float(safe), where=self.where(kind, i))

    def _calibration(self, kind: str, i: int, c: Any) -> Calibration | None:
        if c is None:
            return None
        if not isinstance(c, dict):
            raise self.fail(kind, i, "calibration", f"expected a table, got {c!r}")
        typ = c.get("type", "linear")
        nums = {k: v for k, v in c.items() if k != "type"}
        for k, v in nums.items():
            ok = (k == "range" and isinstance(v, list) and len(v) == 2
                  and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v))
            if k != "range" and isinstance(v, int | float) and not isinstance(v, bool):
                ok = True
            if not ok:
                raise self.fail(kind, i, "calibration", f"bad value for {k!r}: {v!r}")
        if typ == "linear":
            bad = set(nums) - {"gain", "offset"}
            if bad:
                raise self.fail(kind, i, "calibration", f"linear takes gain/offset, not {sorted(bad)}")
            if nums.get("gain", 1.0) == 0:
                raise self.fail(kind, i, "calibration", "gain must be non-zero")
            return Calibration("linear", gain=float(nums.get("gain", 1.0)),
                               offset=float(nums.get("offset", 0.0)))
        if typ == "4-20mA":
            bad = set(nums) - {"shunt_ohms", "range"}
            if bad:
                raise self.fail(kind, i, "calibration", f"4-20mA takes shunt_ohms/range, not {sorted(bad)}")
            rng = nums.get("range")
            if rng is not None and rng[0] == rng[1]:
                raise self.fail(kind, i, "calibration", "range must not be empty")
            shunt = nums.get("shunt_ohms")
            if shunt is not None and shunt <= 0:
                raise self.fail(kind, i, "calibration", "shunt_ohms must be > 0")
            return Calibration("4-20mA", shunt_ohms=None if shunt is None else float(shunt),
                               range=None if rng is None else (float(rng[0]), float(rng[1])))
        raise self.fail(kind, i, "calibration", f"unknown type {typ!r} (use 'linear' or '4-20mA')")

    def _no_unknown(self, kind: str, i: int, t: Mapping[str, Any], allowed: set[str]) -> None:
        for k in t:
            if k not in allowed:
                raise self.fail(kind, i, k, f"unknown key {k!r} (allowed: {', '.join(sorted(allowed))})")

    def _check_unique(self, di: tuple[DigitalLine, ...], do: tuple[DigitalLine, ...],
                      ai: tuple[AnalogChannel, ...], ao: tuple[AnalogChannel, ...]) -> None:
        seen_line: dict[tuple[str, str | int], tuple[str, int]] = {}
        for kind, entries in (("di", di), ("do", do)):
            for i, e in enumerate(entries):
                k = (e.chip, e.line)
                if k in seen_line:
                    ok, oi = seen_line[k]
                    raise self.fail(kind, i, "line", f"line {e.line!r} on chip {e.chip!r} is already used by "
                                    f"[[{ok}]] #{oi + 1} (line {self.pos.line_of(ok, oi, 'line')})")
                seen_line[k] = (kind, i)
        seen_ch: dict[tuple[str, str], tuple[str, int]] = {}
        for kind, aentries in (("ao", ao),):  # two AIs may read one channel; two AOs may not
            for i, a in enumerate(aentries):
                ck = (a.device, f"{kind}:{a.channel}")
                if ck in seen_ch:
                    ok, oi = seen_ch[ck]
                    raise self.fail(kind, i, "channel", f"channel {a.channel!r} of {a.device!r} is already "
                                    f"used by [[{ok}]] #{oi + 1}")
                seen_ch[ck] = (kind, i)
        groups: tuple[tuple[str, tuple[DigitalLine | AnalogChannel, ...]], ...] = (
            ("di", di), ("do", do), ("ai", ai), ("ao", ao))
        for kind, group in groups:
            ids: dict[object, int] = {}
            for i, entry in enumerate(group):
                for ident in (entry.pin, entry.name):
                    if ident is None:
                        continue
                    if ident in ids:
                        raise self.fail(kind, i, "pin" if isinstance(ident, int) else "name",
                                        f"{kind.upper()} {ident!r} is already defined by "
                                        f"[[{kind}]] #{ids[ident] + 1}")
                    ids[ident] = i

    def _scheduler(self) -> SchedulerHints:
        s = self.data.get("scheduler", {})
        t = "scheduler"
        allowed = {"period", "cpu", "rt_priority", "timer_slack_ns", "mlock"}
        self._no_unknown(t, 0, s, allowed)
        period = self.get(s, t, 0, "period", (int, float))
        if period is not None and period <= 0:
            raise self.fail(t, 0, "period", f"must be > 0 seconds, got {period}")
        rt = self.get(s, t, 0, "rt_priority", int)
        if rt is not None and not 0 <= rt <= 99:
            raise self.fail(t, 0, "rt_priority", f"must be 0..99, got {rt}")
        return SchedulerHints(period=None if period is None else float(period),
                              cpu=self.get(s, t, 0, "cpu", int),
                              rt_priority=rt, timer_slack_ns=self.get(s, t, 0, "timer_slack_ns", int),
                              mlock=self.get(s, t, 0, "mlock", bool))


def _tname(typ: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true/false"}
    types = typ if isinstance(typ, tuple) else (typ,)
    return " or ".join(names.get(t, t.__name__) for t in types)
