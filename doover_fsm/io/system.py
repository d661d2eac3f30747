"""The board's system/power family: supply voltage, power, temperature, shutdown, wake-up.

A board file's ``[system]`` table says where each quantity comes from and how power actions
are done (see docs/boards.md)::

    [system]
    temperature = { path = "/sys/class/thermal/thermal_zone0/temp", scale = 0.001 }
    voltage = { hwmon = "ina219", file = "in1_input", scale = 0.001 }
    power = { iio = "ina260", channel = "power0" }
    shutdown = ["systemctl", "poweroff"]
    reboot = ["systemctl", "reboot"]
    wakealarm = "/sys/class/rtc/rtc0/wakealarm"

A reading is ``(raw + offset) * scale`` of one sysfs file (``path`` may be a glob; ``hwmon``
finds ``/sys/class/hwmon/*/name``; ``iio`` reads ``in_<channel>_raw`` with the device's own
scale/offset unless given). ``{ virtual = 24.0 }`` is a simulated value held by the virtual
world (settable from tests and ``doover-fsm io``). Anything a board does not declare raises
:class:`PlatformFeatureError` naming the board, the feature and the key to add.
"""

from __future__ import annotations

import glob
import logging
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from doover_fsm.errors import BoardError, DooverFSMError, IOFault

if TYPE_CHECKING:
    from doover_fsm.io.virtual import VirtualWorld

log = logging.getLogger(__name__)

QUANTITIES = ("voltage", "power", "temperature", "current")
COMMANDS = ("shutdown", "reboot", "sync_rtc")
_SOURCE_KEYS = {"path", "hwmon", "file", "iio", "channel", "scale", "offset", "virtual"}


class PlatformFeatureError(DooverFSMError, NotImplementedError):
    """The board has no source for a platform feature (e.g. no supply-voltage sensor)."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where one system quantity is read. Immutable."""

    name: str
    path: str | None = None
    hwmon: str | None = None
    file: str | None = None
    iio: str | None = None
    channel: str | None = None
    scale: float | None = None
    offset: float | None = None
    virtual: float | None = None


@dataclass(frozen=True, slots=True)
class SystemConfig:
    """A parsed ``[system]`` table. Immutable."""

    sources: Mapping[str, Source]
    commands: Mapping[str, tuple[str, ...]]
    wakealarm: str | None = None


def parse_system(table: Any, where: Callable[[str | None], str]) -> SystemConfig:
    """Validate a ``[system]`` table; errors start with ``where(key)`` (file:line) and the key."""
    if not isinstance(table, Mapping):
        raise BoardError(f"{where(None)}: [system] must be a table")
    sources: dict[str, Source] = {}
    commands: dict[str, tuple[str, ...]] = {}
    wakealarm = None
    for key, value in table.items():
        at = f"{where(key)}: [system].{key}"
        if key in QUANTITIES:
            sources[key] = _parse_source(key, value, at)
        elif key in COMMANDS:
            if (not isinstance(value, list) or not value
                    or not all(isinstance(v, str) and v for v in value)):
                raise BoardError(f"{at}: expected a command as a list of strings, got {value!r}")
            commands[key] = tuple(value)
        elif key == "wakealarm":
            if not isinstance(value, str) or not value:
                raise BoardError(f"{at}: expected a sysfs path, got {value!r}")
            wakealarm = value
        else:
            allowed = ", ".join((*QUANTITIES, *COMMANDS, "wakealarm"))
            raise BoardError(f"{at}: unknown key {key!r} (allowed: {allowed})")
    return SystemConfig(sources, commands, wakealarm)


def _parse_source(name: str, value: Any, at: str) -> Source:
    if not isinstance(value, Mapping):
        raise BoardError(f"{at}: expected a table like {{ path = \"...\" }}, got {value!r}")
    unknown = set(value) - _SOURCE_KEYS
    if unknown:
        raise BoardError(f"{at}: unknown key(s) {sorted(unknown)} (allowed: {', '.join(sorted(_SOURCE_KEYS))})")
    kinds = [k for k in ("path", "hwmon", "iio", "virtual") if k in value]
    if len(kinds) != 1:
        raise BoardError(f"{at}: give exactly one of path, hwmon, iio or virtual (got {kinds or 'none'})")
    for k in ("scale", "offset", "virtual"):
        v = value.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise BoardError(f"{at}.{k}: expected a number, got {v!r}")
    for k in ("path", "hwmon", "file", "iio", "channel"):
        v = value.get(k)
        if v is not None and (not isinstance(v, str) or not v):
            raise BoardError(f"{at}.{k}: expected a non-empty string, got {v!r}")
    if "hwmon" in value and "file" not in value:
        raise BoardError(f"{at}: hwmon needs file (e.g. file = \"in1_input\")")
    if "iio" in value and "channel" not in value:
        raise BoardError(f"{at}: iio needs channel (e.g. channel = \"voltage0\")")
    if value.get("scale") == 0:
        raise BoardError(f"{at}.scale: must be non-zero")

    def num(k: str) -> float | None:
        return None if value.get(k) is None else float(value[k])

    return Source(name, path=value.get("path"), hwmon=value.get("hwmon"), file=value.get("file"),
                  iio=value.get("iio"), channel=value.get("channel"), scale=num("scale"),
                  offset=num("offset"), virtual=num("virtual"))


class SystemIO:
    """Reads a board's system quantities and runs its power actions. Not thread-safe.

    ``sysfs_root`` prefixes every absolute path (tests point it at a fake tree); ``world``
    answers ``virtual`` sources and records power actions on the virtual board.
    """

    def __init__(self, config: SystemConfig, board_name: str, board_path: str, *,
                 sysfs_root: str | None = None, world: VirtualWorld | None = None) -> None:
        self.config = config
        self._board = board_name
        self._file = board_path
        self._root = sysfs_root
        self.world = world

    def _missing(self, feature: str, hint: str) -> PlatformFeatureError:
        return PlatformFeatureError(f"board {self._board!r} has no {feature}: add {hint} to its [system] "
                                    f"table ({self._file}), or use a board that has one")

    def has(self, quantity: str) -> bool:
        return quantity in self.config.sources

    def read(self, quantity: str) -> float:
        """The current value of ``voltage``/``power``/``temperature``/``current``."""
        src = self.config.sources.get(quantity)
        if src is None:
            raise self._missing(f"system {quantity} source", f"`{quantity} = {{ path = \"/sys/...\" }}`")
        if self.world is not None:  # the virtual backend simulates every declared quantity
            return self.world.system_value(quantity, 0.0 if src.virtual is None else src.virtual)
        if src.virtual is not None:
            raise self._missing(f"hardware {quantity} source (it is simulated only on the virtual backend)",
                                "a path/hwmon/iio source")
        if src.iio is not None:
            return self._read_iio(src)
        path = self._resolve(src)
        raw = self._read_number(path)
        return (raw + (src.offset or 0.0)) * (1.0 if src.scale is None else src.scale)

    # --- sysfs ------------------------------------------------------------------------------
    def _fs(self, path: str) -> str:
        if self._root and os.path.isabs(path):
            return os.path.join(self._root, path.lstrip("/"))
        return path

    def _resolve(self, src: Source) -> str:
        if src.hwmon is not None:
            for name_file in sorted(glob.glob(self._fs("/sys/class/hwmon/hwmon*/name"))):
                try:
                    name = Path(name_file).read_text(encoding="ascii").strip()
                except OSError:
                    continue
                if name == src.hwmon:
                    return str(Path(name_file).parent / str(src.file))
            raise IOFault(2, f"board {self._board!r}: system {src.name}: no hwmon device named {src.hwmon!r}")
        pattern = self._fs(str(src.path))
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise IOFault(2, f"board {self._board!r}: system {src.name}: nothing matches {src.path!r}")
        return matches[0]

    def _read_number(self, path: str) -> float:
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except OSError as e:
            raise IOFault(e.errno or 5, f"board {self._board!r}: cannot read {path}: {e.strerror}") from e
        try:
            return float(text)
        except ValueError:
            raise IOFault(5, f"board {self._board!r}: {path} holds {text!r}, not a number") from None

    def _read_iio(self, src: Source) -> float:
        for name_file in sorted(glob.glob(self._fs("/sys/bus/iio/devices/iio:device*/name"))):
            try:
                if Path(name_file).read_text(encoding="ascii").strip() != src.iio:
                    continue
            except OSError:
                continue
            dev = Path(name_file).parent
            raw = self._read_number(str(dev / f"in_{src.channel}_raw"))
            scale, offset = src.scale, src.offset
            if scale is None:
                scale = self._read_number(str(dev / f"in_{src.channel}_scale")) \
                    if (dev / f"in_{src.channel}_scale").exists() else 1.0
            if offset is None:
                offset = self._read_number(str(dev / f"in_{src.channel}_offset")) \
                    if (dev / f"in_{src.channel}_offset").exists() else 0.0
            return (raw + offset) * scale
        raise IOFault(2, f"board {self._board!r}: system {src.name}: no IIO device named {src.iio!r}")

    # --- power actions ----------------------------------------------------------------------
    def run(self, action: str) -> None:
        """Run ``shutdown``/``reboot``/``sync_rtc`` (the board's command; recorded on virtual)."""
        if self.world is not None:
            self.world.record_power(action)
            return
        cmd = self.config.commands.get(action)
        if cmd is None:
            raise self._missing(f"{action} command", f"`{action} = [\"...\"]`")
        log.warning("board %r: running %s command %s", self._board, action, list(cmd))
        try:
            subprocess.run(list(cmd), check=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as e:
            raise IOFault(5, f"board {self._board!r}: {action} command {list(cmd)} failed: {e}") from e

    def set_wakealarm(self, in_secs: int) -> None:
        """Arm the RTC to power the board up ``in_secs`` from now (``schedule_startup``)."""
        if self.world is not None:
            self.world.record_power("schedule_startup", in_secs)
            return
        if self.config.wakealarm is None:
            raise self._missing("RTC wake alarm", "`wakealarm = \"/sys/class/rtc/rtc0/wakealarm\"`")
        path = self._fs(self.config.wakealarm)
        try:
            with open(path, "w", encoding="ascii") as f:  # clear first: the kernel refuses to re-arm
                f.write("0")
            with open(path, "w", encoding="ascii") as f:
                f.write(f"+{int(in_secs)}")
        except OSError as e:
            raise IOFault(e.errno or 5, f"board {self._board!r}: cannot arm {path}: {e.strerror}") from e
