"""The one owner of an app's scan period: deploy time > the app > pydoover's default of 1 s.

Three layers, each set by one kind of caller:

* **deploy** – ``--period`` (or ``run_for(period=…)``), then the deployment config's
  ``loop_target_period`` (what ``tune --write-config`` writes);
* **app** – the app's own ``loop_target_period`` (class attribute, ``__init__``, ``setup()`` or
  any later assignment);
* **default** – 1 s, what pydoover apps get when they set nothing.

A board's ``[scheduler] period`` is only a suggestion (it is logged, never applied): a board must
not silently make an app that asked for 5 s scan at 100 Hz. Every change of the effective value
reaches the scheduler through the ``on_change`` callback. Loop-thread only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

log = logging.getLogger("doover_fsm.app")

DEFAULT_PERIOD = 1.0


def check_period(value: Any, what: str = "loop_target_period") -> float:
    """``value`` as a finite number of seconds > 0, or a ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


class ScanPeriod:
    """The effective scan period and where it came from (``deploy``, ``app`` or ``default``)."""

    __slots__ = ("_app", "_config", "_config_source", "_deploy", "_deploy_source", "on_change")

    def __init__(self) -> None:
        self._deploy: float | None = None
        self._deploy_source = ""
        self._config: float | None = None
        self._config_source = ""
        self._app: float | None = None
        #: Called with the new effective period whenever it changes (the scheduler's setter).
        self.on_change: Callable[[float], None] | None = None

    @property
    def value(self) -> float:
        """The period the scan runs at, in seconds."""
        if self._deploy is not None:
            return self._deploy
        if self._config is not None:
            return self._config
        return self._app if self._app is not None else DEFAULT_PERIOD

    @property
    def source(self) -> str:
        """Who chose :attr:`value`: e.g. ``"deploy (--period)"``, ``"app"`` or ``"default"``."""
        if self._deploy is not None:
            return f"deploy ({self._deploy_source})"
        if self._config is not None:
            return f"deploy ({self._config_source})"
        return "app" if self._app is not None else "default"

    @property
    def app_value(self) -> float | None:
        """What the app itself asked for (None if it set nothing)."""
        return self._app

    def set_app(self, value: Any) -> None:
        """The app's choice (validated); wins unless a deploy-time period is set."""
        self._update(lambda: setattr(self, "_app", check_period(value)))

    def set_deploy(self, value: Any, source: str) -> None:
        """A deploy-time flag (``--period``, ``run_for``); ``None`` clears it. Beats everything."""
        def apply() -> None:
            self._deploy = None if value is None else check_period(value, source)
            self._deploy_source = source if value is not None else ""
        self._update(apply)

    def set_config(self, value: Any, source: str) -> None:
        """The deployment config's ``loop_target_period`` (``None`` clears it); beats the app."""
        def apply() -> None:
            self._config = None if value is None else check_period(value, source)
            self._config_source = source if value is not None else ""
        self._update(apply)

    def suggest(self, value: Any, source: str) -> None:
        """A board's hint: logged next to what is used, never applied."""
        if value is None:
            return
        try:
            hinted = check_period(value, f"{source} period")
        except ValueError:
            log.warning("%s suggests an invalid period %r; ignored", source, value)
            return
        if hinted != self.value:
            log.info("%s suggests a %gs period; the app runs at %gs (%s). Use --period to change it.",
                     source, hinted, self.value, self.source)

    def _update(self, apply: Callable[[], None]) -> None:
        before = self.value
        apply()
        after = self.value
        if after != before and self.on_change is not None:
            self.on_change(after)
