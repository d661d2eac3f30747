"""Camera elements: a live view and a history of captures."""

from __future__ import annotations

from typing import Any

from doover_fsm.ui.binding import normalize_ui_value
from doover_fsm.ui.element import Element


class CameraLiveView(Element):
    """A camera's live stream (``allow_ptz_control`` for pan/tilt/zoom)."""

    type = "uiCameraLiveView"
    _legacy = True  # camera name first in both generations

    def __init__(self, camera_name: str, stream_name: str, allow_ptz_control: bool, display_name: str = "Live View",
                 **kwargs: Any):
        self.stream_name = stream_name
        self.camera_name = camera_name
        self.allow_ptz_control = allow_ptz_control
        self.presets: list[Any] = []
        self.active_preset: Any = None
        super().__init__(display_name=display_name, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(cameraName=self.camera_name, streamName=self.stream_name, ptzControl=self.allow_ptz_control,
                   presets=self.presets, activePreset=self.active_preset)
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class CameraHistory(Element):
    """A camera's captured images."""

    type = "uiCameraHistory"
    _legacy = True

    def __init__(self, camera_name: str, display_name: str = "History", **kwargs: Any):
        self.camera_name = camera_name
        self.presets: list[Any] = []
        self.active_preset: Any = None
        super().__init__(display_name=display_name, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(cameraName=self.camera_name, ptzControl=True, presets=self.presets,
                   activePreset=self.active_preset)
        result: dict[str, Any] = normalize_ui_value(out)
        return result
