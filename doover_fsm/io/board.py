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
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from doover_fsm._util.textfile import read_utf8
from doover_fsm.errors import BoardError
from doover_fsm.io._tomlpos import SourcePositions
from doover_fsm.io.system import SystemConfig, parse_system

BIASES = ("as-is", "pull-up", "pull-down", "disabled")
TABLES = ("board", "detect", "di", "do", "ai", "ao", "modbus", "scheduler", "system", "virtual")
ARRAYS = ("di", "do", "ai", "ao")
CALIBRATION_KEYS = frozenset({"type", "gain", "offset", "shunt_ohms", "range"})
# Bounds beyond which a value is a typo, not a board: they keep every accepted number finite
# through calibration, IIO raw conversion and the scheduler (e.g. 1e308 * scale is inf).
MAX_PIN = 9999
MAX_ENTRIES = 1024  # [[di]] etc. per board
MAX_LINE_OFFSET = 4095
MAX_DEBOUNCE_MS = 60_000.0
MAX_VALUE = 1e12  # offsets, safe values, calibration offsets and ranges
MAX_FACTOR, MIN_FACTOR = 1e12, 1e-12  # |scale|, |gain|, shunt ohms
MIN_PERIOD, MAX_PERIOD = 1e-4, 3600.0  # [scheduler] period, seconds
MAX_CPU = 1023
MAX_TIMER_SLACK_NS = 1_000_000_000
_CHANNEL = re.compile(r"^[A-Za-z0-9_-]+$")
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
    return parse_board_text(read_utf8(path, what="board file", error=BoardError), path)


def parse_board_text(text: str, path: Path) -> Board:
    """Parse and validate board TOML ``text`` (``path`` is used in messages only)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"at line (\d+)", str(e))
        line = int(m.group(1)) if m else max(text.count("\n") + (not text.endswith("\n")), 1)  # end of document
        raise BoardError(f"{path}:{line}: invalid TOML: {e}") from e
    except RecursionError as e:  # tomllib parses nested arrays/inline tables recursively
        raise BoardError(f"{path}:{_deep_line(text)}: invalid TOML: values nested too deeply") from e
    return _Validator(data, path, SourcePositions(text)).board()


class _Validator:
    """Turns the raw TOML dict into a Board, checking every value; one instance per file.

    Every refusal is a :class:`BoardError` starting ``<file>:<line>: [table].key:``. Numbers must
    be finite and within :data:`LIMITS`-style bounds, strings that name hardware non-empty, and
    unknown keys are refused in every table, so what loads here also opens on the virtual backend.
    Not thread-safe.
    """

    def __init__(self, data: dict[str, Any], path: Path, pos: SourcePositions) -> None:
        self.data, self.path, self.pos = data, path, pos

    def fail(self, table: str, index: int, key: str | None, msg: str) -> BoardError:
        line = self.pos.line_of(table, index, key.split(".", 1)[0] if key else None)
        label = f"[[{table}]] #{index + 1}" if table in ARRAYS else f"[{table}]"
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

    def text(self, tbl: Mapping[str, Any], table: str, i: int, key: str, *, required: bool = False,
             default: str | None = None) -> str | None:
        """A string that names something: non-empty, no surrounding blanks, no control characters."""
        v = self.get(tbl, table, i, key, str, default=default, required=required)
        if v is not None and key in tbl:
            self._check_text(table, i, key, v)
        return v

    def _check_text(self, table: str, i: int, key: str, v: str) -> None:
        if not v.strip():
            raise self.fail(table, i, key, "must not be empty")
        if v != v.strip() or any(ord(c) < 32 or ord(c) == 127 for c in v):
            raise self.fail(table, i, key, f"must not have surrounding blanks or control characters, got {v!r}")

    def number(self, tbl: Mapping[str, Any], table: str, i: int, key: str, lo: float, hi: float, *,
               default: float | None = None, nonzero: bool = False, min_abs: float = 0.0) -> float | None:
        """A finite number in ``lo..hi`` (and, for factors, ``|x| >= min_abs``), as a float."""
        v = self.get(tbl, table, i, key, (int, float), default=default)
        if v is None or key not in tbl:
            return v
        return self._check_number(table, i, key, v, lo, hi, nonzero=nonzero, min_abs=min_abs)

    def _check_number(self, table: str, i: int, key: str, v: Any, lo: float, hi: float, *,
                      nonzero: bool = False, min_abs: float = 0.0) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(table, i, key, f"expected a number, got {v!r}")
        if isinstance(v, float) and not math.isfinite(v):
            raise self.fail(table, i, key, f"must be a finite number, got {v!r}")
        if not lo <= v <= hi:
            raise self.fail(table, i, key, f"must be in {lo:g}..{hi:g}, got {v!r}")
        if (nonzero or min_abs) and (v == 0 or abs(v) < min_abs):
            raise self.fail(table, i, key, f"must be non-zero{f' with |x| >= {min_abs:g}' if min_abs else ''}, "
                                           f"got {v!r}")
        return float(v)

    def integer(self, tbl: Mapping[str, Any], table: str, i: int, key: str, lo: int, hi: int) -> int | None:
        v = self.get(tbl, table, i, key, int)
        if v is not None and not lo <= v <= hi:
            raise self.fail(table, i, key, f"must be in {lo}..{hi}, got {v!r}")
        return v

    def table(self, key: str) -> dict[str, Any]:
        """A top-level ``[key]`` table ({} when absent); anything else is refused."""
        v = self.data.get(key, {})
        if not isinstance(v, dict):
            raise self.fail(key, 0, None, f"expected a [{key}] table, got {v!r}")
        return v

    def board(self) -> Board:
        for k in self.data:
            if k not in TABLES:
                raise self.fail(k, 0, None, f"unknown table {k!r} (allowed: {', '.join(sorted(TABLES))})")
        if "board" not in self.data:
            raise self.fail("board", 0, None, "missing [board] table with at least 'name'")
        b = self.table("board")
        self._no_unknown("board", 0, b, {"name", "description", "backend"})
        name = self.text(b, "board", 0, "name", required=True)
        desc = self.get(b, "board", 0, "description", str, default="")
        backend = self.get(b, "board", 0, "backend", str, default="hw")
        if backend not in BACKENDS:
            raise self.fail("board", 0, "backend", f"must be one of {BACKENDS}, got {backend!r}")
        det = self.table("detect")
        self._no_unknown("detect", 0, det, {"compatible", "model"})
        compatible = tuple(self._strlist(det, "detect", "compatible"))
        model = tuple(self._strlist(det, "detect", "model"))
        di = tuple(self._digital("di", t, i) for i, t in enumerate(self._aot("di")))
        do = tuple(self._digital("do", t, i) for i, t in enumerate(self._aot("do")))
        ai = tuple(self._analog("ai", t, i) for i, t in enumerate(self._aot("ai")))
        ao = tuple(self._analog("ao", t, i) for i, t in enumerate(self._aot("ao")))
        self._check_unique(di, do, ai, ao)
        modbus = self._modbus()
        scheduler = self._scheduler()
        virtual = self._virtual()
        system = self._system()
        assert name is not None
        return Board(name=name, description=desc, path=self.path, backend=backend, compatible=compatible,
                     model=model, di=di, do=do, ai=ai, ao=ao, modbus=modbus, scheduler=scheduler,
                     virtual=virtual, system=system)

    def _strlist(self, tbl: Mapping[str, Any], table: str, key: str) -> list[str]:
        v = tbl.get(key, [])
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            raise self.fail(table, 0, key, f"expected a list of strings, got {v!r}")
        for s in v:
            self._check_text(table, 0, key, s)
        return v

    def _aot(self, kind: str) -> list[dict[str, Any]]:
        v = self.data.get(kind, [])
        if not isinstance(v, list) or not all(isinstance(t, dict) for t in v):
            raise self.fail(kind, 0, None, f"expected [[{kind}]] entries")
        if len(v) > MAX_ENTRIES:
            raise self.fail(kind, MAX_ENTRIES, None, f"at most {MAX_ENTRIES} [[{kind}]] entries, got {len(v)}")
        return v

    def _ident(self, kind: str, t: Mapping[str, Any], i: int) -> tuple[int | None, str | None]:
        pin = self.integer(t, kind, i, "pin", 0, MAX_PIN)
        name = self.get(t, kind, i, "name", (str, int))
        if isinstance(name, int):  # ``name = 3`` means the Doover pin number
            if not 0 <= name <= MAX_PIN:
                raise self.fail(kind, i, "name", f"an integer name is a Doover pin number: must be in "
                                                 f"0..{MAX_PIN}, got {name!r}")
            if pin is not None and pin != name:
                raise self.fail(kind, i, "name", f"integer name {name} disagrees with pin = {pin}")
            pin, name = name, None
        elif name is not None:
            self._check_text(kind, i, "name", name)
        if pin is None and name is None:
            raise self.fail(kind, i, None, "needs 'pin' (Doover pin number) or 'name'")
        return pin, name

    def _digital(self, kind: Literal["di", "do"], t: Mapping[str, Any], i: int) -> DigitalLine:
        allowed = {"pin", "name", "chip", "line", "active_low", "bias", "debounce_ms", "drive", "safe"}
        self._no_unknown(kind, i, t, allowed if kind == "do" else allowed - {"drive", "safe"})
        pin, name = self._ident(kind, t, i)
        chip = self.text(t, kind, i, "chip", required=True)
        line = self.get(t, kind, i, "line", (str, int), required=True)
        if isinstance(line, int) and not 0 <= line <= MAX_LINE_OFFSET:
            raise self.fail(kind, i, "line", f"offset must be in 0..{MAX_LINE_OFFSET}, got {line}")
        if isinstance(line, str):
            self._check_text(kind, i, "line", line)
        bias = self.get(t, kind, i, "bias", str, default="as-is")
        if bias not in BIASES:
            raise self.fail(kind, i, "bias", f"must be one of {', '.join(BIASES)}; got {bias!r}")
        drive = self.get(t, kind, i, "drive", str, default="push-pull")
        if drive not in DRIVES:
            raise self.fail(kind, i, "drive", f"must be one of {', '.join(DRIVES)}; got {drive!r}")
        deb = self.number(t, kind, i, "debounce_ms", 0, MAX_DEBOUNCE_MS, default=0.0)
        safe = self.get(t, kind, i, "safe", (bool, int), default=False)
        if safe not in (0, 1):
            raise self.fail(kind, i, "safe", f"must be true/false or 0/1, got {safe!r}")
        assert chip is not None and deb is not None
        return DigitalLine(kind=kind, pin=pin, name=name, chip=chip, line=line,
                           active_low=self.get(t, kind, i, "active_low", bool, default=False),
                           bias=bias, drive=drive, debounce_ms=float(deb), safe=bool(safe),
                           where=self.where(kind, i))

    def _analog(self, kind: Literal["ai", "ao"], t: Mapping[str, Any], i: int) -> AnalogChannel:
        allowed = {"pin", "name", "device", "channel", "scale", "offset", "units", "calibration", "safe"}
        self._no_unknown(kind, i, t, allowed if kind == "ao" else allowed - {"safe"})
        pin, name = self._ident(kind, t, i)
        device = self.text(t, kind, i, "device", required=True)
        assert device is not None
        if "/" in device:
            raise self.fail(kind, i, "device", f"an IIO device name (glob allowed), not a path: {device!r}")
        channel = self.text(t, kind, i, "channel", required=True)
        assert channel is not None
        if not _CHANNEL.match(channel):
            raise self.fail(kind, i, "channel", f"an IIO channel like 'voltage0' ([A-Za-z0-9_-]), got {channel!r}")
        scale = self.number(t, kind, i, "scale", -MAX_FACTOR, MAX_FACTOR, min_abs=MIN_FACTOR)
        offset = self.number(t, kind, i, "offset", -MAX_VALUE, MAX_VALUE)
        safe = self.number(t, kind, i, "safe", -MAX_VALUE, MAX_VALUE)
        cal = self._calibration(kind, i, t.get("calibration"))
        return AnalogChannel(kind=kind, pin=pin, name=name, device=device, channel=channel,
                             scale=scale, offset=offset,
                             units=self.get(t, kind, i, "units", str, default=""), calibration=cal,
                             safe=safe, where=self.where(kind, i))

    def _calibration(self, kind: str, i: int, c: Any) -> Calibration | None:
        if c is None:
            return None
        if not isinstance(c, dict):
            raise self.fail(kind, i, "calibration", f"expected a table, got {c!r}")
        for k in c:  # a misspelt key first: it may be why the type-specific check would fail
            if k not in CALIBRATION_KEYS:
                raise self.fail(kind, i, f"calibration.{k}", f"unknown key {k!r} (allowed: "
                                                             f"{', '.join(sorted(CALIBRATION_KEYS))})")
        typ = c.get("type", "linear")
        if typ not in ("linear", "4-20mA"):
            raise self.fail(kind, i, "calibration.type", f"unknown type {typ!r} (use 'linear' or '4-20mA')")
        allowed = {"type", "gain", "offset"} if typ == "linear" else {"type", "shunt_ohms", "range"}
        for k in c:
            if k not in allowed:
                raise self.fail(kind, i, f"calibration.{k}", f"{typ} takes {', '.join(sorted(allowed - {'type'}))}, "
                                                             f"not {k!r}")
        at = "calibration.{}"
        if typ == "linear":
            gain = self._check_number(kind, i, at.format("gain"), c.get("gain", 1.0), -MAX_FACTOR, MAX_FACTOR,
                                      min_abs=MIN_FACTOR)
            offset = self._check_number(kind, i, at.format("offset"), c.get("offset", 0.0), -MAX_VALUE, MAX_VALUE)
            return Calibration("linear", gain=gain, offset=offset)
        shunt = None
        if "shunt_ohms" in c:
            shunt = self._check_number(kind, i, at.format("shunt_ohms"), c["shunt_ohms"], 0, MAX_FACTOR,
                                       min_abs=MIN_FACTOR)
        rng = c.get("range")
        if rng is not None:
            if not isinstance(rng, list) or len(rng) != 2:
                raise self.fail(kind, i, at.format("range"), f"expected [low, high], got {rng!r}")
            lo, hi = (self._check_number(kind, i, at.format("range"), x, -MAX_VALUE, MAX_VALUE) for x in rng)
            if lo == hi:
                raise self.fail(kind, i, at.format("range"), f"must not be empty, got {rng!r}")
        return Calibration("4-20mA", shunt_ohms=shunt, range=None if rng is None else (lo, hi))

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
        t = "scheduler"
        s = self.table(t)
        self._no_unknown(t, 0, s, {"period", "cpu", "rt_priority", "timer_slack_ns", "mlock"})
        period = self.number(s, t, 0, "period", MIN_PERIOD, MAX_PERIOD)
        rt = self.integer(s, t, 0, "rt_priority", 0, 99)
        return SchedulerHints(period=period, cpu=self.integer(s, t, 0, "cpu", 0, MAX_CPU),
                              rt_priority=rt or None,  # 0 = no real-time priority (docs/boards.md)
                              timer_slack_ns=self.integer(s, t, 0, "timer_slack_ns", 1, MAX_TIMER_SLACK_NS),
                              mlock=self.get(s, t, 0, "mlock", bool))

    def _virtual(self) -> dict[str, Any]:
        v = self.table("virtual")
        self._no_unknown("virtual", 0, v, {"state_dir"})
        state_dir = self.text(v, "virtual", 0, "state_dir")
        if state_dir is not None and not (state_dir.startswith("~") or os.path.isabs(state_dir)):
            raise self.fail("virtual", 0, "state_dir", f"must be an absolute path (or start with ~): a relative "
                                                       f"one would depend on each process's directory; got "
                                                       f"{state_dir!r}")
        return dict(v)

    def _system(self) -> SystemConfig:
        t = self.table("system")
        cfg = parse_system(t, lambda key: f"{self.path}:{self.pos.line_of('system', 0, key)}")
        for q, src in cfg.sources.items():
            for k, lo, hi, factor in (("scale", -MAX_FACTOR, MAX_FACTOR, True),
                                      ("offset", -MAX_VALUE, MAX_VALUE, False),
                                      ("virtual", -MAX_VALUE, MAX_VALUE, False)):
                v = getattr(src, k)
                if v is not None:
                    self._check_number("system", 0, f"{q}.{k}", v, lo, hi, min_abs=MIN_FACTOR if factor else 0.0)
        return cfg

    def _modbus(self) -> dict[str, Any]:
        from doover_fsm.io.modbus.config import parse_buses

        modbus = self.table("modbus")

        def at(bus_id: str, key: str | None) -> str:
            return f"{self.path}:{self.pos.line_of(f'modbus.{bus_id}', 0, key)}"

        parse_buses(modbus, where=str(self.path), locate=at)
        return modbus


def _deep_line(text: str, limit: int = 64) -> int:
    """The line where ``[``/``{`` nesting first passes ``limit`` (strings and comments skipped)."""
    depth, line, quote, comment = 0, 1, "", False
    for c in text:
        if c == "\n":
            line, comment = line + 1, False
        elif comment:
            continue
        elif quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c == "#":
            comment = True
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line
        elif c in "]}":
            depth -= 1
    return 1


def _tname(typ: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true/false"}
    types = typ if isinstance(typ, tuple) else (typ,)
    return " or ".join(names.get(t, t.__name__) for t in types)
