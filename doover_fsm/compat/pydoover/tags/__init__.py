"""``pydoover.tags``, answered by doover_fsm."""

from doover_fsm.tags import *  # noqa: F403  (placeholder until the tags shim lists names)
