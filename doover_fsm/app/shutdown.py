"""The Doover shutdown handshake, as events (DESIGN §6).

A coordinator sets the global tag ``shutdown_requested``; every app answers with its own
``shutdown_check_ok`` tag (from ``check_can_shutdown()``, by default from its active states);
the coordinator then sets the global ``shutdown_at`` (unix seconds) and every app's
``on_shutdown_at(dt)`` runs. A ``shutdown_at`` from before this app started is stale and is
ignored (pydoover fired it at boot).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

REQUESTED_TAG = "shutdown_requested"
AT_TAG = "shutdown_at"
CHECK_OK_TAG = "shutdown_check_ok"


class ShutdownTracker:
    """Decides which ``shutdown_at`` values are new and not stale. Not thread-safe."""

    def __init__(self, started_at: float) -> None:
        self.started_at = started_at
        self.scheduled: datetime | None = None

    def accept_shutdown_at(self, value: Any) -> datetime | None:
        """Return the datetime to announce, or None (cleared, stale, malformed or already announced)."""
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if value < self.started_at:
            return None
        dt = datetime.fromtimestamp(value, tz=UTC)
        if self.scheduled is not None and dt == self.scheduled:
            return None
        self.scheduled = dt
        return dt
