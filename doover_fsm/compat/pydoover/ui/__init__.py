"""``pydoover.ui``, answered by doover_fsm."""

from doover_fsm.ui import *  # noqa: F403  (placeholder until the ui shim lists names)
