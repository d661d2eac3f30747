"""The Application API and the runtime that scans it (see ``scan.py`` for one scan)."""

from doover_fsm.app.application import Application
from doover_fsm.app.notifications import NotificationSeverity
from doover_fsm.app.run import run_app

__all__ = ["Application", "NotificationSeverity", "run_app"]
