"""Events: everything that happens outside the scan, queued in arrival order.

Producers (agent, UI, tag subscriptions, DI edges, Modbus polls, the scheduler) post an
:class:`Event` to the app's :class:`EventQueue` from any thread. At the start of each scan the
queue is drained in order: each event's ``callback`` (the user's hook, if any) runs, then
``trigger`` is dispatched to the app's state machine when the machine knows that trigger.
Events are immutable once posted.

Trigger names (documented in the README, built only through the helpers below):

=========================  ====================================================
``message_<channel>``       a message was created on ``channel``
``message_update_<ch>``     a message on ``channel`` was updated
``oneshot_<channel>``       a one-shot message arrived on ``channel``
``aggregate_<channel>``     the aggregate of ``channel`` was updated
``sync_<channel>``          ``channel`` was (re)synchronised (first state)
``ui_<name>``               a UI command for interaction/handler ``name``
``tag_<tag>``               own tag ``tag`` changed (from outside this app)
``tag_<app_key>_<tag>``     another app's tag changed
``global_<tag>``            a global tag changed
``config_updated``          the deployment config changed
``shutdown_requested``      the ``shutdown_requested`` global tag became true
``shutdown_at``             ``shutdown_at`` was set (payload: datetime)
``di_<pin>``                a DI edge (``di_<pin>_rising`` / ``_falling`` too)
``modbus_<name>``           a Modbus subscription result (``modbus_error`` on failure)
``agent_online`` / ``agent_offline``  the agent's connection changed
``overrun``                 a scan missed its deadline
``exception``               a callback raised (payload: the exception)
=========================  ====================================================
"""

from __future__ import annotations

import collections
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

_UNSAFE = re.compile(r"[^0-9A-Za-z_]")


def trigger_name(*parts: object) -> str:
    """Join parts into a trigger name that is a valid Python identifier suffix."""
    return "_".join(_UNSAFE.sub("_", str(p)) for p in parts if p is not None and p != "")


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, for the scan to dispatch.

    ``source`` says who posted it (``agent``, ``ui``, ``tag``, ``di``, ``modbus``,
    ``scheduler``, ``shutdown``, ``config``, ``error``); ``data`` is the payload the state
    machine callbacks see as ``event.data``; ``ts_ns`` is a CLOCK_MONOTONIC (or, for DI
    edges, kernel) timestamp; ``callback`` is an optional zero-argument function run first
    in the scan (it may return an awaitable, which the scan awaits).
    """

    trigger: str
    source: str
    data: Any = None
    ts_ns: int = 0
    callback: Callable[[], Awaitable[Any] | Any] | None = field(default=None, compare=False, repr=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __getattr__(self, name: str) -> Any:
        # Convenience: event.channel, event.edge, ... read from ``extra``.
        try:
            return self.extra[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, slots=True)
class EventQueueStats:
    """Snapshot of an :class:`EventQueue` (see ``statistics()``)."""

    depth: int
    peak: int
    posted: int
    dropped: int
    capacity: int


class EventQueue:
    """Bounded FIFO of events. ``post`` is thread-safe; ``drain`` belongs to the scan.

    When full, new events are dropped and counted (the scan must never block on a
    producer, nor a producer on the scan).
    """

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity <= 0:
            raise ValueError(f"EventQueue capacity must be > 0, got {capacity}")
        self._q: collections.deque[Event] = collections.deque()
        self._capacity = capacity
        self._lock = threading.Lock()
        self._peak = 0
        self._posted = 0
        self._dropped = 0
        self._wakeup: Callable[[], None] | None = None

    def set_wakeup(self, wakeup: Callable[[], None] | None) -> None:
        """Register a function called (from the posting thread) after each post."""
        self._wakeup = wakeup

    def post(self, event: Event) -> bool:
        """Append ``event``; return False (and count a drop) if the queue is full."""
        with self._lock:
            if len(self._q) >= self._capacity:
                self._dropped += 1
                return False
            self._q.append(event)
            self._posted += 1
            if len(self._q) > self._peak:
                self._peak = len(self._q)
        wakeup = self._wakeup
        if wakeup is not None:
            wakeup()
        return True

    def drain(self, limit: int | None = None) -> list[Event]:
        """Remove and return queued events in arrival order (at most ``limit``)."""
        with self._lock:
            if limit is None or limit >= len(self._q):
                out = list(self._q)
                self._q.clear()
            else:
                out = [self._q.popleft() for _ in range(limit)]
        return out

    def __len__(self) -> int:
        return len(self._q)

    @property
    def dropped(self) -> int:
        """Events dropped because the queue was full (cheap: no lock, for a per-scan check)."""
        return self._dropped

    def statistics(self) -> EventQueueStats:
        with self._lock:
            return EventQueueStats(len(self._q), self._peak, self._posted, self._dropped, self._capacity)
