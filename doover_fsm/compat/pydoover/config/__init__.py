"""``pydoover.config``, answered by doover_fsm."""

from doover_fsm.config import *  # noqa: F403  (placeholder until the config shim lists names)
