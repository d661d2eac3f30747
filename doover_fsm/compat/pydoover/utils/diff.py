"""``pydoover.utils.diff``, answered by doover_fsm."""

from doover_fsm.utils.diff import apply_diff, generate_diff, maybe_load_json

__all__ = ["apply_diff", "generate_diff", "maybe_load_json"]
