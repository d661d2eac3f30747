"""``pydoover.ui.camera``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.camera import (
    CameraHistory as CameraHistory,
)
from doover_fsm.ui.camera import (
    CameraLiveView as CameraLiveView,
)
from doover_fsm.ui.legacy.containers import (
    Camera as Camera,
)

__all__ = [
    "Camera",
    "CameraHistory",
    "CameraLiveView",
]
