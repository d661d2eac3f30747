"""Analog I/O through Linux IIO sysfs (``/sys/bus/iio/devices/iio:deviceN``).

Devices are found by their ``name`` attribute (a glob, e.g. ``TI-am335x-adc*``), channels by
IIO channel spec (``voltage0`` → ``in_voltage0_raw``, ``in_voltage0_scale`` or the shared
``in_voltage_scale``, same for ``_offset``). Scale and offset are read once at open (they are
static for the ADCs we target; a board file may override them). Reads keep the ``_raw`` file
open and ``pread`` it, one syscall per channel per scan. The sysfs root is configurable so
tests can point it at a temporary tree.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
from pathlib import Path

from doover_fsm.errors import BoardError, IOFault

DEFAULT_ROOT = "/sys/bus/iio/devices"


def _shared_attr_name(channel: str) -> str:
    """``voltage0`` → ``voltage`` (the type prefix used by shared ``in_voltage_scale``)."""
    return re.sub(r"\d+(-\w+)?$", "", channel)


class IioChannel:
    """One open IIO channel. Not thread-safe."""

    def __init__(self, raw_path: Path, scale: float, offset: float, label: str) -> None:
        self._path = raw_path
        self.scale, self.offset, self.label = scale, offset, label
        self._fd: int | None = os.open(raw_path, os.O_RDONLY)

    def read(self) -> float:
        fd = self._fd
        if fd is None:
            raise IOFault(errno.EBADF, f"{self.label}: channel closed")
        try:
            data = os.pread(fd, 64, 0)
            return (float(data) + self.offset) * self.scale
        except (OSError, ValueError) as e:
            err = e.errno if isinstance(e, OSError) and e.errno else errno.EIO
            raise IOFault(err, f"{self.label}: reading {self._path}: {e}") from e

    def write(self, value: float) -> None:
        raw = round(value / self.scale - self.offset)
        try:
            with open(self._path, "w", encoding="ascii") as f:
                f.write(f"{raw}\n")
        except OSError as e:
            raise IOFault(e.errno or errno.EIO, f"{self.label}: writing {raw} to {self._path}: {e}") from e

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


class IioBackend:
    """Opens IIO channels under ``root`` (default ``/sys/bus/iio/devices``). Not thread-safe."""

    name = "iio"

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root or DEFAULT_ROOT)

    def devices(self) -> dict[str, Path]:
        """Device name → directory for every IIO device under the root."""
        out: dict[str, Path] = {}
        if not self.root.is_dir():
            return out
        for d in sorted(self.root.glob("iio:device*")):
            try:
                out.setdefault((d / "name").read_text().strip(), d)
            except OSError:
                continue
        return out

    def find_device(self, device: str, where: str = "") -> Path:
        devs = self.devices()
        for name, path in devs.items():
            if name == device or fnmatch.fnmatchcase(name, device):
                return path
        raise BoardError(f"{where}: no IIO device named {device!r} under {self.root} (found: "
                         f"{', '.join(devs) or 'none'})")

    def open_channel(self, device: str, channel: str, *, output: bool, scale: float | None,
                     offset: float | None, where: str = "") -> IioChannel:
        d = self.find_device(device, where)
        prefix = "out" if output else "in"
        raw = d / f"{prefix}_{channel}_raw"
        if not raw.exists():
            have = sorted(p.name for p in d.glob(f"{prefix}_*_raw"))
            raise BoardError(f"{where}: IIO channel {prefix}_{channel} absent on {device!r} ({d}); "
                             f"it has: {', '.join(have) or 'none'}")
        label = f"{where}: IIO {device}/{prefix}_{channel}"
        if scale is None:
            scale = self._attr(d, prefix, channel, "scale", 1.0, label)
        if offset is None:
            offset = self._attr(d, prefix, channel, "offset", 0.0, label)
        return IioChannel(raw, scale, offset, label)

    @staticmethod
    def _attr(d: Path, prefix: str, channel: str, attr: str, default: float, label: str) -> float:
        for name in (f"{prefix}_{channel}_{attr}", f"{prefix}_{_shared_attr_name(channel)}_{attr}"):
            p = d / name
            if p.exists():
                try:
                    return float(p.read_text().strip())
                except (OSError, ValueError) as e:
                    raise IOFault(getattr(e, "errno", None) or errno.EIO, f"{label}: reading {p}: {e}") from e
        return default
