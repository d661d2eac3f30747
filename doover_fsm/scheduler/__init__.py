"""doover_fsm.scheduler: the jitter-compensated scan scheduler, its settings and the RT knobs.

Public names are re-exported here; the modules behind them are private to the package.
"""

from doover_fsm.scheduler.realtime import RealtimeReport, RealtimeSettings, apply_realtime
from doover_fsm.scheduler.scheduler import ScanResult, ScanSlot, Scheduler, SchedulerStats
from doover_fsm.scheduler.settings import SchedulerSettings

__all__ = [
    "RealtimeReport",
    "RealtimeSettings",
    "ScanResult",
    "ScanSlot",
    "Scheduler",
    "SchedulerSettings",
    "SchedulerStats",
    "apply_realtime",
]
