"""``pydoover.docker``: the device-app runtime names."""

from doover_fsm.app.application import Application
from doover_fsm.app.run import run_app

__all__ = ["Application", "run_app"]
