"""Log triggers: rules that turn a tag write into a logged point (pydoover's ``log_on=``).

``Number(log_on=Rise(80, deadband=4))`` logs the write that takes the value above 82 once,
then re-arms only after it falls to 78. Triggers are shared by every ``Tags`` instance of a
class, so they keep no state of their own: each evaluation gets a per-tag scratch dict owned by
the ``Tags`` instance. Not thread-safe (the scan thread evaluates them).
"""

from __future__ import annotations

from typing import Any, ClassVar


class _Unset:
    """The type of :data:`NotSet` (one instance; falsy; repr ``NotSet``)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NotSet"

    def __bool__(self) -> bool:
        return False

    def __copy__(self) -> _Unset:
        return self

    def __deepcopy__(self, memo: object) -> _Unset:
        return self


#: "No value": a tag declared without a default, or not written yet.
NotSet: Any = _Unset()


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _LogTrigger:
    """A rule deciding whether one write becomes a logged point."""

    def evaluate(self, prev: Any, new: Any, state: dict[str, Any]) -> bool:
        """True if writing ``new`` over ``prev`` should be logged; may update ``state``."""
        raise NotImplementedError


class _Crossing(_LogTrigger):
    """Threshold crossings with hysteresis; each threshold remembers which side the value is on."""

    _FIRES_ON: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *thresholds: float, deadband: float = 0.0):
        if not thresholds:
            raise ValueError(f"{type(self).__name__} requires at least one threshold.")
        self.thresholds: list[float] = sorted(float(t) for t in thresholds)
        self.deadband: float = float(deadband or 0.0)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.thresholds!r}, deadband={self.deadband!r})"

    def evaluate(self, prev: Any, new: Any, state: dict[str, Any]) -> bool:
        if not _numeric(new):
            return False
        sides: dict[float, str] = state.setdefault("sides", {})
        half = self.deadband / 2
        fired = False
        for threshold in self.thresholds:
            side = sides.get(threshold, "below")  # every threshold starts "below"
            if side == "below" and new >= threshold + half:
                sides[threshold] = "above"
                fired = fired or "rise" in self._FIRES_ON
            elif side == "above" and new <= threshold - half:
                sides[threshold] = "below"
                fired = fired or "fall" in self._FIRES_ON
        return fired


class Cross(_Crossing):
    """Log when the value crosses any threshold, either way (``deadband`` = hysteresis band)."""

    _FIRES_ON = frozenset({"rise", "fall"})


class Rise(_Crossing):
    """Log when the value rises through a threshold (high alarms)."""

    _FIRES_ON = frozenset({"rise"})


class Fall(_Crossing):
    """Log when the value falls through a threshold (low alarms)."""

    _FIRES_ON = frozenset({"fall"})


class Delta(_LogTrigger):
    """Log when the value moved ``amount`` (or ``percent`` %) from the last value this logged.

    The first numeric write always logs (it sets the baseline). From a baseline of 0 any
    non-zero value counts as a ``percent`` change.
    """

    def __init__(self, *, amount: float | None = None, percent: float | None = None):
        if (amount is None) == (percent is None):
            raise ValueError("Delta requires exactly one of `amount=` or `percent=`.")
        self.amount: float | None = None if amount is None else float(amount)
        self.percent: float | None = None if percent is None else float(percent)

    def __repr__(self) -> str:
        if self.amount is not None:
            return f"Delta(amount={self.amount!r})"
        return f"Delta(percent={self.percent!r})"

    def evaluate(self, prev: Any, new: Any, state: dict[str, Any]) -> bool:
        if not _numeric(new):
            return False
        base = state.get("last_logged", NotSet)
        if base is NotSet:
            state["last_logged"] = new
            return True
        moved = abs(new - base)
        if self.amount is not None:
            fired = moved >= self.amount
        elif base == 0:
            fired = new != 0
        else:
            assert self.percent is not None
            fired = moved / abs(base) * 100 >= self.percent
        if fired:
            state["last_logged"] = new
        return fired


class AnyChange(_LogTrigger):
    """Log every write that changes the value (booleans and strings)."""

    def __repr__(self) -> str:
        return "AnyChange()"

    def evaluate(self, prev: Any, new: Any, state: dict[str, Any]) -> bool:
        return bool((None if prev is NotSet else prev) != new)


class _Membership(_LogTrigger):
    _ON_NEW: ClassVar[bool] = False

    def __init__(self, value: Any):
        self.value: Any = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"

    def evaluate(self, prev: Any, new: Any, state: dict[str, Any]) -> bool:
        prev = None if prev is NotSet else prev
        if prev == new:
            return False
        return bool((new if self._ON_NEW else prev) == self.value)


class Enter(_Membership):
    """Log the write that changes the value to ``value``."""

    _ON_NEW = True


class Exit(_Membership):
    """Log the write that changes the value away from ``value``."""


NUMERIC_TYPES: frozenset[str] = frozenset({"number", "integer", "float"})
STATE_TYPES: frozenset[str] = frozenset({"boolean", "string"})
NUMERIC_TRIGGERS: tuple[type[_LogTrigger], ...] = (Cross, Rise, Fall, Delta)
STATE_TRIGGERS: tuple[type[_LogTrigger], ...] = (AnyChange, Enter, Exit)


def triggers_for(tag_type: str) -> tuple[type[_LogTrigger], ...]:
    """The trigger classes a tag of ``tag_type`` accepts in ``log_on=``."""
    if tag_type in NUMERIC_TYPES:
        return NUMERIC_TRIGGERS
    if tag_type in STATE_TYPES:
        return STATE_TRIGGERS
    raise TypeError(
        f"log_on is not supported for tag_type {tag_type!r}; "
        f"supported types are: number, integer, float, boolean, string."
    )


def normalise_log_on(log_on: Any, allowed: tuple[type, ...], owner: str) -> list[_LogTrigger]:
    """``log_on=`` (None, one trigger or a collection) as a checked list."""
    if log_on is None:
        items: list[Any] = []
    elif isinstance(log_on, (list, tuple, set, frozenset)):
        items = list(log_on)
    else:
        items = [log_on]
    for item in items:
        if not isinstance(item, allowed):
            names = ", ".join(c.__name__ for c in allowed)
            raise TypeError(f"{owner} log_on accepts {names} descriptors, got {type(item).__name__}.")
    return items


def evaluate_all(triggers: list[_LogTrigger], prev: Any, new: Any, state: dict[str, Any]) -> bool:
    """Run every trigger (each keeps its own state up to date); True if any fired."""
    fired = False
    for i, trigger in enumerate(triggers):
        if trigger.evaluate(prev, new, state.setdefault(f"_t{i}", {})):
            fired = True
    return fired
