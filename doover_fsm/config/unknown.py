"""Keys a deployment config may carry that the app does not declare, and "did you mean" for the rest.

pydoover takes any unknown key silently, so ``maximum_flwo: 900`` leaves ``maximum_flow`` at its
default and nobody notices. doover_fsm refuses an unknown key with the declared key it most
likely meant, except the keys Doover's platform and doover_fsm put in an app's deployment entry:

* upper-case keys (``APP_KEY``, ``APP_DISPLAY_NAME``, ``AGENT_ID``: the platform's namespace;
  app keys are derived lower-case);
* ``dv_*`` keys and pydoover's application resource keys (``dv_app_position``,
  ``interpreter_hidden``, ``cockpit_visible``...: the platform's UI settings);
* doover_fsm's deploy-time keys: ``loop_target_period``, ``board``, ``modbus``.

``DOOVER_FSM_UNKNOWN_CONFIG_KEYS=warn`` turns the refusal into a logged warning (for a fleet
whose platform adds a key this list does not know yet). Thread-safety: pure functions.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable

__all__ = ["PLATFORM_KEYS", "is_platform_key", "misspells_declared", "suggest", "unknown_keys_are_errors"]

#: Keys doover_fsm or pydoover's application resources define for a deployment entry.
PLATFORM_KEYS = frozenset({
    "loop_target_period", "board", "modbus",
    "dv_app_position", "dv_app_default_open", "interpreter_hidden", "interpreter_full_width", "cockpit_visible",
})
_PLATFORM_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
ENV_VAR = "DOOVER_FSM_UNKNOWN_CONFIG_KEYS"


def is_platform_key(key: str) -> bool:
    """True for a key the platform or doover_fsm adds to an app's deployment entry."""
    return key in PLATFORM_KEYS or key.startswith("dv_") or bool(_PLATFORM_UPPER.fullmatch(key))


def suggest(key: str, known: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The declared key ``key`` most likely misspells (case and ``-``/space/``_`` ignored), or None."""
    candidates = [k for k in known if isinstance(k, str)]
    if not candidates:
        return None

    def norm(text: str) -> str:
        return re.sub(r"[\s\-_]+", "_", text.strip().lower())

    by_norm = {norm(k): k for k in candidates}
    exact = by_norm.get(norm(key))
    if exact is not None:
        return exact
    match = difflib.get_close_matches(norm(key), list(by_norm), n=1, cutoff=cutoff)
    return by_norm[match[0]] if match else None


def misspells_declared(key: str, absent: Iterable[str]) -> bool:
    """True if a ``dv_*`` key that is not one of the known platform keys is a near miss of a declared
    key the entry lacks (``dv__app_position`` for ``dv_app_position``); upper-case keys never are."""
    if key in PLATFORM_KEYS or _PLATFORM_UPPER.fullmatch(key):
        return False
    return suggest(key, absent, cutoff=0.85) is not None


def unknown_keys_are_errors() -> bool:
    """False when ``$DOOVER_FSM_UNKNOWN_CONFIG_KEYS`` is ``warn`` (unknown keys are then logged)."""
    return os.environ.get(ENV_VAR, "error").strip().lower() != "warn"
