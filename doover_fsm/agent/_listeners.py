"""Per-channel listener lists shared by the agents.

Thread-safety: thread-safe. ``dispatch`` calls listeners outside the lock (a listener may add
or remove listeners); a listener that raises is logged and counted, never propagated, so one
bad listener cannot kill an agent thread or starve the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from doover_fsm.agent.base import ChannelEvent, Listener

log = logging.getLogger(__name__)


class ListenerRegistry:
    """Listeners per channel; several per channel all fire, in subscription order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_channel: dict[str, list[Listener]] = {}
        self.delivered = 0
        self.errors = 0

    def add(self, channel: str, listener: Listener) -> Callable[[], None]:
        """Register ``listener``; return an idempotent unsubscribe function."""
        with self._lock:
            self._by_channel.setdefault(channel, []).append(listener)
        done = False

        def unsubscribe() -> None:
            nonlocal done
            with self._lock:
                if done:
                    return
                done = True
                lst = self._by_channel.get(channel, [])
                for i, existing in enumerate(lst):
                    if existing is listener:
                        del lst[i]
                        break
                if not lst:
                    self._by_channel.pop(channel, None)

        return unsubscribe

    def channels(self) -> list[str]:
        with self._lock:
            return list(self._by_channel)

    def has(self, channel: str) -> bool:
        with self._lock:
            return bool(self._by_channel.get(channel))

    def dispatch(self, event: ChannelEvent, only: Listener | None = None) -> None:
        """Call every listener of ``event.channel`` (or just ``only`` if it is still subscribed)."""
        with self._lock:
            targets = list(self._by_channel.get(event.channel, ()))
        if only is not None:
            targets = [t for t in targets if t is only]
        for listener in targets:
            try:
                listener(event)
            except Exception:
                self.errors += 1
                log.exception("agent listener %r failed on %s event for channel %r",
                              listener, event.kind, event.channel)
            else:
                self.delivered += 1
