"""The base UI element, and the connection-info and multiplot elements.

Every element renders to the JSON the Doover site reads (``to_dict``), the same as pydoover 1.18
writes. Elements are plain objects built at declaration time; not thread-safe (the scan owns them).
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime
from typing import Any, ClassVar

from doover_fsm.ui import calls
from doover_fsm.ui.binding import normalize_ui_value
from doover_fsm.ui.misc import NotSet, Series
from doover_fsm.ui.names import VALID_NAME_RE, sanitize_display_name

log = logging.getLogger("doover_fsm.ui")


class _ElementMeta(type):
    """Reads each construction call (see :mod:`doover_fsm.ui.calls`) before ``__init__`` sees it."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if getattr(cls, "_legacy", False):
            return super().__call__(*args, **kwargs)
        if calls.reads_name_first(cls, args, kwargs):
            legacy = cls.__dict__.get("_legacy_class")
            if legacy is not None and "value" not in kwargs:
                return legacy(*args, **kwargs)
            args, kwargs = calls.to_display_first(args, kwargs, cls.__name__)
            return super().__call__(*args, **kwargs)
        obj = super().__call__(*args, **kwargs)
        if cls.__dict__.get("_legacy_class") is not None and calls.is_ambiguous(cls, args, kwargs):
            obj._ambiguous_call = (args, dict(kwargs))
        return obj

    @property
    def __signature__(cls) -> Any:  # inspect.signature(cls): the constructor's, as pydoover shows it
        return calls.signature_without_self(cls.__init__)  # type: ignore[misc]


class Element(metaclass=_ElementMeta):
    """Base of every UI element: name, display string and the common presentation fields.

    ``name`` defaults to the display name sanitised (``"Flow Rate"`` → ``flow_rate``); unknown
    keywords become attributes, as in pydoover. An element made without ``position=`` takes the
    next number of a process-wide counter (pydoover's ordering rule).
    """

    type: ClassVar[Any] = "uiElement"
    __global_position_counter = 50
    #: The 0.4 counterpart made by a ``(name, display_name)`` call (set on exact classes only).
    _legacy_class: ClassVar[type | None] = None
    _legacy: ClassVar[bool] = False
    #: How many leading string parameters the 1.x constructor has (see :mod:`doover_fsm.ui.calls`).
    _leading_strings_1x: ClassVar[int] = 1
    _free_value: ClassVar[bool] = False

    def __init__(
        self,
        display_name: str,
        is_available: Any = NotSet,
        help_str: Any = NotSet,
        verbose_str: Any = NotSet,
        show_activity: bool = True,
        form: Any = NotSet,
        graphic: Any = NotSet,
        layout: Any = NotSet,
        component_url: Any = NotSet,
        position: Any = NotSet,
        conditions: Any = NotSet,
        hidden: Any = False,
        units: Any = NotSet,
        icon: Any = NotSet,
        colour: Any = NotSet,
        name: str | None = None,
        **kwargs: Any,
    ):
        self.display_name = display_name
        self.is_available = is_available
        self.help_str = help_str
        self.verbose_str = verbose_str
        self.show_activity = show_activity
        self.form = form
        self.graphic = graphic
        self.layout = layout
        self.component_url = component_url
        Element.__global_position_counter += 1
        self.position: Any = Element.__global_position_counter if position is NotSet else position
        self.conditions = conditions
        self.hidden = hidden
        self.units = units
        self.icon = icon
        self.colour = colour
        if not name and not isinstance(display_name, str):
            raise TypeError(f"{type(self).__name__} needs a display name (a string) or name=, got "
                            f"{display_name!r}")
        self.name: str = name or sanitize_display_name(display_name)
        if not isinstance(self.name, str) or not VALID_NAME_RE.match(self.name):
            raise ValueError(f"Invalid name: {name}. Must be [a-zA-Z0-9_]")
        for key, value in kwargs.items():
            setattr(self, key, value)
        self._retain_fields: list[str] = []

    def to_dict(self) -> dict[str, Any]:
        """The element as the site's JSON (fields never set are left out)."""
        fields = {
            "name": self.name, "type": self.type, "displayString": self.display_name,
            "isAvailable": self.is_available, "helpString": self.help_str, "verboseString": self.verbose_str,
            "showActivity": self.show_activity, "form": self.form, "graphic": self.graphic, "layout": self.layout,
            "componentUrl": self.component_url, "position": self.position, "conditions": self.conditions,
            "hidden": self.hidden, "units": self.units, "icon": self.icon, "colour": self.colour,
        }
        out: dict[str, Any] = normalize_ui_value(
            {k: v for k, v in fields.items() if v is not None and v is not NotSet})
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'name', '?')!r}>"


class ConnectionType(enum.Enum):
    constant = "constant"
    periodic = "periodic"
    other = "other"


class ConnectionInfo(Element):
    """How the device connects (constant, or periodic with an expected period)."""

    type = "uiConnectionInfo"

    def __init__(self, name: str = "connectionInfo", connection_type: ConnectionType = ConnectionType.constant,
                 connection_period: int | None = None, next_connection: int | None = None,
                 offline_after: int | None = None, allowed_misses: int | None = None, **kwargs: Any):
        super().__init__(name, None, **kwargs)
        self.name = name
        self.connection_type = connection_type
        self.connection_period = connection_period
        self.next_connection = next_connection
        self.offline_after = offline_after
        self.allowed_misses = allowed_misses
        if connection_type is not ConnectionType.periodic and (
                connection_period is not None or next_connection is not None or allowed_misses is not None):
            raise RuntimeError("connection_type must be periodic to set connection_period, next_connection or "
                               "offline_after")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "connectionType": self.connection_type.value}
        for key, value in (("connectionPeriod", self.connection_period), ("nextConnection", self.next_connection),
                           ("offlineAfter", self.offline_after), ("allowedMisses", self.allowed_misses)):
            if value is not None:
                out[key] = value
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class Multiplot(Element):
    """Several series on one plot."""

    type = "uiMultiPlot"

    def __init__(self, title: str, series: list[Series], earliest_data_time: datetime | None = None,
                 default_zoom: str | None = None, default_range_view: str | None = None, **kwargs: Any):
        super().__init__(title, **kwargs)
        self.series = series
        self.earliest_data_time = earliest_data_time
        self.title = title
        self.default_zoom = default_zoom
        self.default_range_view = default_range_view

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["series"] = {s.name: s.to_dict() for s in self.series}
        if self.default_zoom is not None:
            out["defaultZoom"] = self.default_zoom
        if self.default_range_view is not None:
            out["defaultRangeView"] = self.default_range_view
        if self.title is not None:
            out["title"] = self.title
        if self.earliest_data_time is not None:
            edt = self.earliest_data_time
            out["earliestDataDate"] = int(edt.timestamp()) if isinstance(edt, datetime) else edt
        result: dict[str, Any] = normalize_ui_value(out)
        return result
