"""Doover's ready-made elements: references to Doover resources and the app's UI placement keys."""

from __future__ import annotations

from typing import Any

from doover_fsm.config.containers import Array, Object
from doover_fsm.config.keys import GEN_04
from doover_fsm.config.scalars import Boolean, Integer, String

_APPLICATION = "Application"


class Application(String):
    """Another Doover application (a UI drop-down of the available applications)."""

    def __init__(self, display_name: str = "Application", *, description: str = _APPLICATION, **kwargs: Any) -> None:
        super().__init__(display_name, description=description, format="doover-resource-application", **kwargs)

    def to_dict(self) -> dict[str, Any]:
        if self._generation != GEN_04:
            return super().to_dict()
        # pydoover 0.4's Application: an untyped string with its own format and no default description.
        payload = super().to_dict()
        if payload.get("description") == _APPLICATION:
            del payload["description"]
        return {"format": "doover-application", **payload}


class ApplicationInstall(String):
    """An installed Doover application (a UI drop-down of the installed ones)."""

    def __init__(self, display_name: str = "ApplicationInstall", *, description: str = "Application Installation",
                 **kwargs: Any) -> None:
        super().__init__(display_name, description=description, format="doover-application", **kwargs)


class Device(String):
    """A Doover device (agent) id."""

    def __init__(self, display_name: str = "Device", *, description: str = "Device ID", **kwargs: Any) -> None:
        super().__init__(display_name, description=description, pattern=r"\d+", format="doover-resource-device",
                         **kwargs)


class DevicesConfig(Array):
    """A list of devices to grant permissions to."""

    def __init__(self, display_name: str = "Devices", *,
                 description: str = "List of devices to grant permissions to.", **kwargs: Any) -> None:
        super().__init__(display_name, element=Device(), description=description, **kwargs)


class Group(String):
    """A Doover group id."""

    def __init__(self, display_name: str = "Group", *, description: str = "Group ID", **kwargs: Any) -> None:
        super().__init__(display_name, description=description, pattern=r"\d+", format="doover-resource-group",
                         **kwargs)


class GroupsConfig(Array):
    """A list of groups to grant permissions to."""

    def __init__(self, display_name: str = "Groups", *,
                 description: str = "List of groups to grant permissions to.", **kwargs: Any) -> None:
        super().__init__(display_name, element=Group(), description=description, **kwargs)


class ApplicationPosition(Integer):
    """The app's place in the UI (``dv_app_position``; smaller is higher)."""

    def __init__(self, display_name: str = "Position", *,
                 description: str = "Position of Application in UI Structure. Smaller numbers are closer to the top.",
                 default: int = 100, **kwargs: Any) -> None:
        super().__init__(display_name, description=description, minimum=0, default=default,
                         name="dv_app_position", hidden=True, **kwargs)


class ApplicationDefaultOpen(Boolean):
    """Whether the app starts expanded in the UI (``dv_app_default_open``; unset: decided by the UI)."""

    def __init__(self, display_name: str = "Default Open", *,
                 description: str = "Whether the application is default open in the UI. "
                 "By default this is not set - which makes it dynamic on the number of apps installed.",
                 default: bool | None = None, **kwargs: Any) -> None:
        super().__init__(display_name, description=description, default=default, name="dv_app_default_open",
                         hidden=True, **kwargs)


class ApplicationInterpreterHidden(Boolean):
    """Whether the app is hidden in the interpreter (``interpreter_hidden``)."""

    def __init__(self, display_name: str = "Interpreter Hidden", *,
                 description: str = "Whether the application is hidden in the interpreter.",
                 default: bool = False, **kwargs: Any) -> None:
        super().__init__(display_name, description=description, default=default, name="interpreter_hidden",
                         advanced=True, **kwargs)


class ApplicationFullWidth(Boolean):
    """Whether the app spans the interpreter's full width (``interpreter_full_width``)."""

    def __init__(self, display_name: str = "Full Width", *,
                 description: str = "Whether the application spans the full width of the interpreter.",
                 default: bool = False, **kwargs: Any) -> None:
        super().__init__(display_name, description=description, default=default, name="interpreter_full_width",
                         advanced=True, **kwargs)


class ApplicationCockpitVisible(Boolean):
    """Whether the app's custom widgets show in a Cockpit tab (``cockpit_visible``)."""

    def __init__(self, display_name: str = "Cockpit Visible", *,
                 description: str = "Whether the application's custom widgets are visible in a Cockpit tab.",
                 default: bool = False, **kwargs: Any) -> None:
        super().__init__(display_name, description=description, default=default, name="cockpit_visible",
                         advanced=True, **kwargs)


class TagRef(Object):
    """A reference to a tag of another application: matched at setup with a ``RemoteTag`` of the
    same ``reference_name``."""

    reference_name = String(
        "Reference Name",
        description="Local handle for this tag. Match this in your `RemoteTag` declaration.",
        name="reference_name",
    )
    agent_id = Device(
        "Agent",
        description="Agent that owns the upstream tag. Leave blank to use this agent.",
        default=None,
        name="agent_id",
    )
    app_name = ApplicationInstall(
        "Application",
        description="Application that publishes the upstream tag.",
        name="app_name",
    )
    tag_name = String(
        "Tag Name",
        description="Name of the upstream tag within the chosen application.",
        name="tag_name",
    )

    def __init__(self, display_name: str = "Tag Reference", *,
                 description: str | None = "Reference to a tag in another application.", **kwargs: Any) -> None:
        super().__init__(display_name, description=description, format="doover-tag-reference", **kwargs)


class LLMAPIKey(String):
    """The API key of an LLM service (hidden; key ``dv-llm-api-key``)."""

    def __init__(self, display_name: str = "LLM API Key", *, description: str = "API key for the LLM service.",
                 **kwargs: Any) -> None:
        super().__init__(display_name, description=description, hidden=True, default="placeholder", **kwargs)
        self._set_name("dv-llm-api-key")
