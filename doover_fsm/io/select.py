"""Which board to use: CLI flag, then ``DOOVER_BOARD``, then the app config, then the device tree.

Auto-detection reads ``<dt_root>/compatible`` (NUL-separated strings) and ``<dt_root>/model``.
A board matches when one of its ``[detect] compatible`` strings is in the device's list
(exact), or one of its ``model`` strings is a prefix of the device's model. Compatible
matches win over model matches; among compatible matches, the one naming the device's most
specific (earliest) compatible string wins. When nothing is asked and nothing matches, the
``virtual`` board is used and a warning is logged, so an app still runs on a laptop.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from doover_fsm.errors import BoardError
from doover_fsm.io.board import Board, known_boards, load_board

log = logging.getLogger(__name__)

ENV_VAR = "DOOVER_BOARD"
FALLBACK = "virtual"


@dataclass(frozen=True, slots=True)
class DeviceTreeInfo:
    """What the device tree says about this machine (empty when there is none)."""

    compatible: tuple[str, ...]
    model: str


def read_device_tree(dt_root: str | os.PathLike[str] = "/proc/device-tree") -> DeviceTreeInfo:
    """Read compatible/model from ``dt_root``; missing files give empty values."""
    root = Path(dt_root)
    try:
        raw = (root / "compatible").read_bytes()
        compatible = tuple(s.decode("utf-8", "replace") for s in raw.split(b"\0") if s)
    except OSError:
        compatible = ()
    try:
        model = (root / "model").read_bytes().rstrip(b"\0").decode("utf-8", "replace").strip()
    except OSError:
        model = ""
    return DeviceTreeInfo(compatible, model)


def detect_board(dt_root: str | os.PathLike[str] = "/proc/device-tree") -> Board | None:
    """The known board matching this machine's device tree, or None."""
    info = read_device_tree(dt_root)
    if not info.compatible and not info.model:
        return None
    best: tuple[int, str] | None = None
    boards: dict[str, Board] = {}
    for name, path in known_boards().items():
        try:
            boards[name] = load_board(path)
        except BoardError as e:  # one broken file must not stop detection of the others
            log.warning("skipping invalid board file during detection: %s", e)
    for name, board in boards.items():
        rank: int | None = None
        for c in board.compatible:
            if c in info.compatible:
                r = info.compatible.index(c)
                rank = r if rank is None else min(rank, r)
        if rank is None and info.model and any(info.model.startswith(m) for m in board.model if m):
            rank = 1000  # model match: weaker than any compatible match
        if rank is not None and (best is None or (rank, name) < best):
            best = (rank, name)
    return None if best is None else boards[best[1]]


def select_board(
    cli: str | None,
    env: Mapping[str, str] = os.environ,
    app_config: str | None = None,
    *,
    dt_root: str | os.PathLike[str] = "/proc/device-tree",
) -> Board:
    """Choose the board: ``cli`` > ``env['DOOVER_BOARD']`` > ``app_config`` > device tree > virtual.

    Each explicit choice may be a board name or a path to a TOML file. An explicit choice
    that is unknown is an error (listing the known boards), never a silent fallback.
    """
    for source, choice in (("--board", cli), (ENV_VAR, env.get(ENV_VAR)), ("app config", app_config)):
        if choice:
            try:
                return load_board(choice)
            except BoardError as e:
                raise BoardError(f"board chosen by {source}: {e}") from e
    found = detect_board(dt_root)
    if found is not None:
        log.info("board %r detected from the device tree (%s)", found.name, dt_root)
        return found
    info = read_device_tree(dt_root)
    log.warning(
        "no board chosen (--board, %s, app config) and none matches this device tree "
        "(compatible=%s, model=%r); using the %r board: I/O is simulated",
        ENV_VAR, list(info.compatible), info.model, FALLBACK,
    )
    return load_board(FALLBACK)
