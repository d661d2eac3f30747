"""Drop-in import path for apps written against ``pydoover.docker``."""

from doover_fsm.app.application import Application
from doover_fsm.app.run import run_app

__all__ = ["Application", "run_app"]
