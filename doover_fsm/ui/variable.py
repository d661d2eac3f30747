"""Variables: read-only values the site shows, usually bound to a tag (``value=MyTags.level``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from doover_fsm.ui.binding import is_tag_reference, normalize_collection, normalize_ui_value, value_is_live
from doover_fsm.ui.element import Element
from doover_fsm.ui.misc import NotSet


class Variable(Element):
    """A value shown by the site: a constant, or a tag reference the site resolves when it renders."""

    type = "uiVariable"
    _leading_strings_1x = 2

    def __init__(
        self,
        display_name: str,
        var_type: str,
        value: Any = NotSet,
        precision: Any = NotSet,
        ranges: Any = NotSet,
        thresholds: Any = NotSet,
        default_range_view: Any = NotSet,
        earliest_data_time: Any = NotSet,
        default_range_since: Any = NotSet,
        default_zoom: Any = NotSet,
        log_threshold: Any = NotSet,
        graphable: Any = NotSet,
        **kwargs: Any,
    ):
        super().__init__(display_name, **kwargs)
        self.var_type = var_type
        self.value = value
        self.precision = precision
        self.earliest_data_time = earliest_data_time
        self.default_range_since = default_range_since
        self.default_zoom = default_zoom
        self.log_threshold = log_threshold
        self.graphable = graphable
        self.ranges = ranges
        self.thresholds = thresholds
        self.default_range_view = default_range_view

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["type"] = self.type
        out["varType"] = self.var_type
        if self.value is not NotSet:
            out["currentValue"] = self.value
        if self.precision is not NotSet:
            out["decPrecision"] = self.precision
        if self.earliest_data_time is not NotSet:
            edt: Any = self.earliest_data_time
            out["earliestDataDate"] = int(edt.timestamp()) if isinstance(edt, datetime) else edt
        if self.default_range_since is not NotSet:
            out["defaultRangeSince"] = int(self.default_range_since.total_seconds()) * 1000
        if self.default_zoom is not NotSet:
            out["defaultZoom"] = self.default_zoom
        if self.ranges is not NotSet:
            out["ranges"] = normalize_collection(self.ranges)
        if self.thresholds is not NotSet:
            out["thresholds"] = normalize_collection(self.thresholds)
        if self.default_range_view is not NotSet:
            out["defaultRangeView"] = self.default_range_view
        if self.graphable is not NotSet:
            out["notGraphable"] = (not self.graphable) if isinstance(self.graphable, bool) else self.graphable
        if value_is_live(self.value):
            out["live"] = True
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class NumericVariable(Variable):
    """A number (``form=Widget.radial`` for a gauge, ``ranges=`` for its coloured zones)."""

    _leading_strings_1x = 1

    def __init__(
        self,
        display_name: str,
        value: Any = None,
        precision: Any = NotSet,
        ranges: Any = NotSet,
        thresholds: Any = NotSet,
        default_range_view: Any = NotSet,
        form: Any = NotSet,
        **kwargs: Any,
    ):
        super().__init__(display_name, var_type="float", value=value, precision=precision, ranges=ranges,
                         thresholds=thresholds, default_range_view=default_range_view, **kwargs)
        self.form = form

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.form is not NotSet:
            out["form"] = self.form
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class TextVariable(Variable):
    """A string."""

    _free_value = True

    def __init__(self, display_name: str, value: str, **kwargs: Any):
        super().__init__(display_name, var_type="string", value=value, **kwargs)


class BooleanVariable(Variable):
    """True/false (logged on every change by default: ``log_threshold=0``)."""

    _leading_strings_1x = 1

    def __init__(self, display_name: str, value: bool, log_threshold: float | None = 0, **kwargs: Any):
        super().__init__(display_name, var_type="bool", value=value, log_threshold=log_threshold,
                         **kwargs)


class DateTimeVariable(Variable):
    """A date and time."""

    _leading_strings_1x = 1

    def __init__(self, display_name: str, value: datetime, **kwargs: Any):
        super().__init__(display_name, var_type="time", value=value, **kwargs)


class Timestamp(Variable):
    """A moment shown relative to now (``precision="second"`` for a countdown)."""

    type = "uiTimestamp"
    _leading_strings_1x = 1

    def __init__(
        self,
        display_name: str,
        value: Any = NotSet,
        precision: Literal["second", "minute"] | Any = NotSet,
        absolute_format: Any = NotSet,
        **kwargs: Any,
    ):
        super().__init__(display_name, value=value, var_type="timestamp", **kwargs)
        self.precision = precision
        self.absolute_format = absolute_format

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if is_tag_reference(self.value):
            out["currentValue"] = self.value
        elif isinstance(self.value, datetime):
            out["currentValue"] = int(self.value.timestamp() * 1000)
        elif self.value is not NotSet:
            out["currentValue"] = self.value
        if self.precision is not NotSet:
            out["precision"] = self.precision
        if self.absolute_format is not NotSet:
            out["absoluteFormat"] = self.absolute_format
        result: dict[str, Any] = normalize_ui_value(out)
        return result
