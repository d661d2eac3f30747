"""Real GPIO through libgpiod v2 (the ``gpiod`` PyPI binding, 2.x).

Chips are found by LABEL by scanning ``/dev/gpiochip*`` (numbers move between kernels), lines
by name or offset. All of a board's lines on one chip go into ONE ``request_lines`` call, so a
scan reads every input with one ``get_values`` and writes every changed output with one
``set_values``.
"""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from doover_fsm.errors import BoardError, IOFault, LineBusyError, error_from_errno
from doover_fsm.io.backend import EdgeRecord, LineConfig

_BIAS = {"as-is": "AS_IS", "pull-up": "PULL_UP", "pull-down": "PULL_DOWN", "disabled": "DISABLED"}
_DRIVE = {"push-pull": "PUSH_PULL", "open-drain": "OPEN_DRAIN", "open-source": "OPEN_SOURCE"}


class GpiodLineHandle:
    """One ``gpiod.LineRequest`` covering all of a board's lines on one chip. Not thread-safe."""

    def __init__(self, chip: str, request: object, offsets: list[int], names: list[str]) -> None:
        import gpiod

        self.chip = chip
        self._req: gpiod.LineRequest | None = request  # type: ignore[assignment]
        self._offsets = offsets
        self._index = {off: i for i, off in enumerate(offsets)}
        self._names = names
        self._active = gpiod.line.Value.ACTIVE
        self._inactive = gpiod.line.Value.INACTIVE
        self._rising = gpiod.EdgeEvent.Type.RISING_EDGE
        self.fd: int | None = request.fd  # type: ignore[attr-defined]

    def get_values(self) -> list[bool]:
        assert self._req is not None, "request released"
        active = self._active
        return [v is active for v in self._req.get_values()]

    def set_values(self, values: Mapping[int, bool]) -> None:
        assert self._req is not None, "request released"
        a, ina, offs = self._active, self._inactive, self._offsets
        try:
            self._req.set_values({offs[i]: (a if v else ina) for i, v in values.items()})
        except OSError as e:
            raise error_from_errno(e.errno or errno.EIO, f"set_values on chip {self.chip!r}: {e}") from e

    def read_edges(self) -> list[EdgeRecord]:
        req = self._req
        if req is None or not req.wait_edge_events(timedelta(0)):
            return []
        rising, idx = self._rising, self._index
        return [EdgeRecord(idx[ev.line_offset], ev.event_type is rising, ev.timestamp_ns)
                for ev in req.read_edge_events()]

    def release(self) -> None:
        req, self._req = self._req, None
        if req is not None:
            req.release()
        self.fd = None


class GpiodBackend:
    """Requests lines from real (or gpio-sim) chips. Not thread-safe."""

    name = "gpiod"

    def __init__(self, dev_glob: str = "/dev/gpiochip*") -> None:
        self._glob = dev_glob

    def chip_labels(self) -> dict[str, str]:
        import gpiod

        out: dict[str, str] = {}
        for path in sorted(glob.glob(self._glob)):
            try:
                if not gpiod.is_gpiochip_device(path):
                    continue
                with gpiod.Chip(path) as chip:
                    out.setdefault(chip.get_info().label, path)
            except OSError:
                continue
        return out

    def request(self, chip: str, lines: Sequence[LineConfig], consumer: str) -> GpiodLineHandle:
        import gpiod
        from gpiod.line import Bias, Direction, Drive, Edge, Value

        labels = self.chip_labels()
        path = labels.get(chip)
        first = lines[0].where if lines else ""
        if path is None:
            raise BoardError(f"{first}: no GPIO chip labelled {chip!r} (found: "
                             f"{', '.join(f'{k} ({v})' for k, v in labels.items()) or 'none'})")
        # Typed as gpiod's request_lines() parameters (dicts are invariant); keys are line offsets.
        config: dict[Iterable[int | str] | int | str, gpiod.LineSettings | None] = {}
        offsets: list[int] = []
        outputs: dict[int | str, Value] = {}
        with gpiod.Chip(path) as c:
            nlines = c.get_info().num_lines
            for lc in lines:
                try:
                    off = c.line_offset_from_id(lc.line)
                except (OSError, ValueError) as e:
                    raise BoardError(f"{lc.where}: line {lc.line!r} not found on chip {chip!r} ({path}, "
                                     f"{nlines} lines)") from e
                settings = gpiod.LineSettings(
                    direction=Direction.OUTPUT if lc.output else Direction.INPUT,
                    edge_detection=Edge.NONE if lc.output else Edge.BOTH,
                    bias=getattr(Bias, _BIAS[lc.bias]),
                    drive=getattr(Drive, _DRIVE[lc.drive]),
                    active_low=lc.active_low,
                    debounce_period=timedelta(milliseconds=lc.debounce_ms),
                    output_value=Value.ACTIVE if lc.initial else Value.INACTIVE,
                )
                config[off] = settings
                offsets.append(off)
                if lc.output:
                    outputs[off] = Value.ACTIVE if lc.initial else Value.INACTIVE
            try:
                req = c.request_lines(config=config, consumer=consumer, output_values=outputs or None)
            except OSError as e:
                if e.errno == errno.EBUSY:
                    busy = self._busy_lines(c, lines, offsets)
                    raise LineBusyError(f"{busy}: line busy on chip {chip!r} ({path}): requested by "
                                        "another consumer") from e
                raise error_from_errno(e.errno or errno.EIO,
                                       f"{first}: requesting lines on chip {chip!r} ({path}): {e}") from e
        return GpiodLineHandle(chip, req, offsets, [str(lc.line) for lc in lines])

    @staticmethod
    def _busy_lines(chip: object, lines: Sequence[LineConfig], offsets: list[int]) -> str:
        """Name the lines already used by someone else (for the EBUSY message)."""
        parts = []
        for lc, off in zip(lines, offsets, strict=True):
            try:
                info = chip.get_line_info(off)  # type: ignore[attr-defined]
            except OSError:
                continue
            if info.used:
                parts.append(f"{lc.where}: line {lc.line!r} (offset {off}, consumer {info.consumer!r})")
        return "; ".join(parts) or ", ".join(f"{lc.where} line {lc.line!r}" for lc in lines)


def have_gpio_chips() -> bool:
    """True when this kernel exposes at least one GPIO character device."""
    return any(os.path.exists(p) for p in glob.glob("/dev/gpiochip*"))


__all__ = ["GpiodBackend", "GpiodLineHandle", "IOFault", "have_gpio_chips"]
