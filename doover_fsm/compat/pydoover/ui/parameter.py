"""``pydoover.ui.parameter``. Re-exports only: the code lives in doover_fsm.ui."""

from doover_fsm.ui.legacy.decorators import (
    datetime_parameter as datetime_parameter,
)
from doover_fsm.ui.legacy.decorators import (
    numeric_parameter as numeric_parameter,
)
from doover_fsm.ui.legacy.decorators import (
    text_parameter as text_parameter,
)
from doover_fsm.ui.legacy.elements import (
    DateTimeParameter as DateTimeParameter,
)
from doover_fsm.ui.legacy.elements import (
    NumericParameter as NumericParameter,
)
from doover_fsm.ui.legacy.elements import (
    TextParameter as TextParameter,
)
from doover_fsm.ui.parameter import (
    BooleanParameter as BooleanParameter,
)
from doover_fsm.ui.parameter import (
    DatetimeInput as DatetimeInput,
)
from doover_fsm.ui.parameter import (
    FloatInput as FloatInput,
)
from doover_fsm.ui.parameter import (
    Parameter as Parameter,
)
from doover_fsm.ui.parameter import (
    TextInput as TextInput,
)
from doover_fsm.ui.parameter import (
    TimeInput as TimeInput,
)

__all__ = [
    "BooleanParameter",
    "DateTimeParameter",
    "DatetimeInput",
    "FloatInput",
    "NumericParameter",
    "Parameter",
    "TextInput",
    "TextParameter",
    "TimeInput",
    "datetime_parameter",
    "numeric_parameter",
    "text_parameter",
]
