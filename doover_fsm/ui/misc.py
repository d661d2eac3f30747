"""Small value types of the UI schema: colours, ranges, thresholds, options, dialog settings.

Each ``to_dict`` gives the JSON the Doover site reads (the same keys pydoover 1.18 writes).
Plain data objects: not thread-safe, build them before the app runs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from doover_fsm.ui.binding import normalize_collection, normalize_ui_value, value_is_live
from doover_fsm.ui.names import sanitize_display_name


def duration_ms(value: timedelta | int | float) -> int:
    """A duration (timedelta, or seconds) as the site's integer milliseconds."""
    if isinstance(value, timedelta):
        return int(value.total_seconds() * 1000)
    return int(value * 1000)


class NotSet:
    """Marks a keyword that was not given (so it is left out of the JSON)."""


class Colour:
    """Colour names the site knows; any HTML colour name or hex string also works."""

    blue: ClassVar[str] = "blue"
    yellow: ClassVar[str] = "yellow"
    red: ClassVar[str] = "red"
    green: ClassVar[str] = "green"
    magenta: ClassVar[str] = "magenta"
    limegreen: ClassVar[str] = "limegreen"
    tomato: ClassVar[str] = "tomato"
    orange: ClassVar[str] = "orange"
    purple: ClassVar[str] = "purple"
    grey: ClassVar[str] = "grey"

    @classmethod
    def from_hex(cls, hex_string: str) -> str:
        """A hex colour (``"#FF5733"``), usable wherever a colour is."""
        return hex_string

    @classmethod
    def from_string(cls, value: str) -> str:
        """An HTML colour name (``"brown"``), usable wherever a colour is."""
        return value


class Series:
    """One line of a :class:`~doover_fsm.ui.element.Multiplot`, usually bound to a tag."""

    def __init__(
        self,
        display_name: str,
        value: Any,
        name: str | None = None,
        data_type: str = "unknown",
        active: bool | None = None,
        colour: str | None = None,
        icon: str | None = None,
        shared_axis: bool | str | None = None,
        units: str | None = None,
        step_labels: list[str] | None = None,
        range: tuple[Any, Any] | None = None,
        ranges: list[Range] | None = None,
        thresholds: list[Threshold] | None = None,
    ):
        self.display_name = display_name
        self.value = value
        self.name = name or sanitize_display_name(display_name)
        self.data_type = data_type
        self.active = active
        self.colour = colour
        self.icon = icon
        self.shared_axis = shared_axis
        self.units = units
        self.step_labels = step_labels
        self.range = range
        self.ranges = ranges
        self.thresholds = thresholds

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "displayString": self.display_name, "dataType": self.data_type}
        optional = (("lookup", self.value), ("active", self.active), ("colour", self.colour), ("icon", self.icon),
                    ("sharedAxis", self.shared_axis), ("units", self.units), ("stepLabels", self.step_labels))
        out.update((key, value) for key, value in optional if value is not None)
        if self.range is not None:
            out["range"] = {"min": self.range[0], "max": self.range[1]}
        if self.ranges is not None:
            out["ranges"] = normalize_collection(self.ranges)
        if self.thresholds is not None:
            out["thresholds"] = normalize_collection(self.thresholds)
        if value_is_live(self.value):
            out["live"] = True
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class Range:
    """A coloured band of values (a gauge zone), e.g. ``Range("Normal", 10, 20, Colour.green)``."""

    def __init__(self, label: Any = None, min_val: Any = None, max_val: Any = None, colour: Any = Colour.blue,
                 show_on_graph: bool = True):
        self.label = label
        self.min = min_val
        self.max = max_val
        self.colour = colour
        self.show_on_graph = show_on_graph

    def __repr__(self) -> str:
        return (f"Range(label={self.label}, min={self.min}, max={self.max}, colour={self.colour}, "
                f"show_on_graph={self.show_on_graph})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"min": self.min, "max": self.max, "colour": self.colour,
                               "show_on_graph": self.show_on_graph}
        if self.label:
            out["label"] = self.label
        result: dict[str, Any] = normalize_ui_value(out)
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Range:
        return cls(data.get("label"), data["min"], data["max"], Colour.from_string(data["colour"]),
                   data["show_on_graph"])


class Threshold:
    """A horizontal line on a plot at ``value``."""

    def __init__(self, label: str, value: Any, colour: Any = Colour.blue):
        self.label = label
        self.value = value
        self.colour = colour

    def __repr__(self) -> str:
        return f"Threshold(label={self.label}, value={self.value}, colour={self.colour})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Threshold):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = normalize_ui_value({"label": self.label, "value": self.value, "colour": self.colour})
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Threshold:
        return cls(data["label"], data["value"], Colour.from_string(data["colour"]))


class RangeView:
    """How a plot shows ranges and thresholds."""

    line: ClassVar[str] = "line"
    zone: ClassVar[str] = "zone"
    off: ClassVar[str] = "off"


class Option:
    """One choice of a :class:`~doover_fsm.ui.interaction.Select`.

    ``Option("User Control")`` (pydoover 1.x: the name is the sanitised display name) or
    ``Option("user", "User Control")`` (the 0.4 ``(name, display_name)`` form).
    """

    def __init__(self, display_name: Any, *legacy: Any):
        if len(legacy) > 1:
            raise TypeError(f"Option takes a display name, or a name and a display name; got {1 + len(legacy)} "
                            "arguments")
        if legacy:
            self.name = display_name
            self.display_name = legacy[0]
        else:
            self.display_name = display_name
            self.name = sanitize_display_name(display_name)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = normalize_ui_value(
            {"name": self.name, "displayString": self.display_name, "type": "uiElement"})
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Option:
        if "name" in data and "display_str" in data:
            return cls(data["name"], data["display_str"])
        return cls(data["display_str"])


class AuditConfig:
    """The audit-reason field of a :class:`ConfirmDialog`."""

    def __init__(self, required: Any = NotSet, label: Any = NotSet, placeholder: Any = NotSet):
        self.required = required
        self.label = label
        self.placeholder = placeholder

    def to_dict(self) -> dict[str, Any]:
        pairs = (("required", self.required), ("label", self.label), ("placeholder", self.placeholder))
        result: dict[str, Any] = normalize_ui_value({k: v for k, v in pairs if v is not NotSet})
        return result


class ConfirmDialog:
    """The confirmation dialog of an interaction (``requires_confirm=ConfirmDialog(...)``)."""

    def __init__(self, title: Any = NotSet, subtitle: Any = NotSet, warning_reason: Any = NotSet,
                 colour: Any = NotSet, help_text: Any = NotSet, icon: Any = NotSet, audit: Any = NotSet):
        self.title = title
        self.subtitle = subtitle
        self.warning_reason = warning_reason
        self.colour = colour
        self.help_text = help_text
        self.icon = icon
        self.audit = audit

    def to_dict(self) -> dict[str, Any]:
        pairs = (("title", self.title), ("subtitle", self.subtitle), ("warningReason", self.warning_reason),
                 ("colour", self.colour), ("helpText", self.help_text), ("icon", self.icon))
        out: dict[str, Any] = {k: v for k, v in pairs if v is not NotSet}
        if self.audit is not NotSet:
            out["audit"] = self.audit.to_dict() if isinstance(self.audit, AuditConfig) else self.audit
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class Widget:
    """Gauge forms of a numeric variable (``form=Widget.radial``)."""

    linear: ClassVar[str] = "linearGauge"
    radial: ClassVar[str] = "radialGauge"

    @classmethod
    def from_string(cls, value: str) -> str:
        return value


class ApplicationVariant:
    """How the site lays out several apps of one device."""

    submodule: ClassVar[str] = "submodule"
    stacked: ClassVar[str] = "stacked"
