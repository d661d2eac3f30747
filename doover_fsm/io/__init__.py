"""doover_fsm.io: board configs and direct hardware I/O (gpiod, IIO sysfs, virtual).

``select_board`` picks a :class:`Board`; :class:`BoardIO` opens it for the scan and offers
Doover's ``platform_iface`` (:class:`PlatformInterface`). Backends sit behind the small
interface in ``doover_fsm.io.backend``. ``doover_fsm.io.modbus`` holds the Modbus buses.
"""

from doover_fsm.io.board import (
    AnalogChannel,
    Board,
    Calibration,
    DigitalLine,
    PinError,
    SchedulerHints,
    known_boards,
    load_board,
    parse_board_text,
)
from doover_fsm.io.boardio import BoardIO, IOStats
from doover_fsm.io.platform import PlatformInterface, PulseCounter
from doover_fsm.io.select import detect_board, read_device_tree, select_board
from doover_fsm.io.system import PlatformFeatureError

__all__ = [
    "AnalogChannel",
    "Board",
    "BoardIO",
    "Calibration",
    "DigitalLine",
    "IOStats",
    "PinError",
    "PlatformFeatureError",
    "PlatformInterface",
    "PulseCounter",
    "SchedulerHints",
    "detect_board",
    "known_boards",
    "load_board",
    "parse_board_text",
    "read_device_tree",
    "select_board",
]
