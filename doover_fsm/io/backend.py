"""The small hardware interface every I/O backend implements (gpiod, IIO sysfs, virtual).

Digital: a backend ``request``s all of one chip's lines at once and returns a
:class:`LineHandle` that reads/writes them in ONE call each way and hands out edge events with
kernel (or virtual-clock) timestamps. Analog: a backend opens one IIO channel and returns a
:class:`ChannelHandle` that reads/writes it in IIO units (``(raw + offset) * scale``).
Board-level concerns (pins, calibration, schedules, safe values) live above, in ``BoardIO``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LineConfig:
    """How to request one line. ``where`` ("file:line") is put in every error about it."""

    line: str | int
    output: bool
    active_low: bool = False
    bias: str = "as-is"
    drive: str = "push-pull"
    debounce_ms: float = 0.0
    initial: bool = False
    where: str = ""


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """One edge on a requested line: ``index`` into the request's line list, logical direction."""

    index: int
    rising: bool
    timestamp_ns: int


class LineHandle(Protocol):
    """All requested lines of one chip. Not thread-safe (owned by the scan)."""

    chip: str
    fd: int | None

    def get_values(self) -> list[bool]:
        """Logical values of every requested line, in request order (one kernel call)."""
        ...

    def set_values(self, values: Mapping[int, bool]) -> None:
        """Drive outputs: request index → logical value (one kernel call)."""
        ...

    def read_edges(self) -> list[EdgeRecord]:
        """Pending edge events, without blocking ([] when none)."""
        ...

    def release(self) -> None:
        """Give the lines back to the kernel (idempotent)."""
        ...


class GpioBackend(Protocol):
    """Finds chips by label and requests lines. Not thread-safe."""

    name: str

    def request(self, chip: str, lines: Sequence[LineConfig], consumer: str) -> LineHandle:
        """Request ``lines`` on the chip labelled ``chip``.

        Raises BoardError (no such chip label / line), LineBusyError (EBUSY, naming chip and
        line) or IOFault.
        """
        ...

    def chip_labels(self) -> dict[str, str]:
        """Label → device path (or an id) of every chip this backend can see."""
        ...


class ChannelHandle(Protocol):
    """One IIO channel. Not thread-safe."""

    def read(self) -> float:
        """``(raw + offset) * scale`` of an input channel."""
        ...

    def write(self, value: float) -> None:
        """Write ``value`` (IIO units) as ``round(value / scale - offset)`` to an output channel."""
        ...

    def close(self) -> None:
        ...


class AnalogBackend(Protocol):
    """Finds IIO devices by name and opens channels. Not thread-safe."""

    name: str

    def open_channel(self, device: str, channel: str, *, output: bool, scale: float | None,
                     offset: float | None, where: str = "") -> ChannelHandle:
        """Open ``in_<channel>`` (or ``out_<channel>``) of the device named ``device`` (glob).

        ``scale``/``offset`` override the device's attributes. Raises BoardError when the
        device or channel is absent, IOFault on read errors.
        """
        ...
