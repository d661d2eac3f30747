"""Turn agent channel changes into scan events, in arrival order.

Agent listeners may run on any thread (the MQTT network thread, the SQLite poller), so they
only build an :class:`~doover_fsm.events.Event` and post it; everything else happens in the
scan. Internal events (``source="internal"``) carry a callback that returns follow-up events
which the scan dispatches at once, in order (e.g. one ``tag_values`` patch → one event per
changed tag).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from doover_fsm.agent.base import ChannelEvent
from doover_fsm.events import Event, trigger_name

INTERNAL = "internal"

#: ChannelEvent.kind → (trigger prefix, Application hook name)
KIND_TRIGGERS: dict[str, tuple[str, str]] = {
    "message_create": ("message", "on_message_create"),
    "message_update": ("message_update", "on_message_update"),
    "oneshot": ("oneshot", "on_oneshot_message"),
    "aggregate": ("aggregate", "on_aggregate_update"),
    "sync": ("sync", "on_channel_sync"),
}

ALL_KINDS = frozenset(KIND_TRIGGERS)


def channel_trigger(kind: str, channel: str) -> str:
    """The trigger name for a channel event (see :mod:`doover_fsm.events`)."""
    return trigger_name(KIND_TRIGGERS[kind][0], channel)


def user_channel_event(event: ChannelEvent, hook: Callable[[ChannelEvent], Any] | None, ts_ns: int) -> Event:
    """A channel event for the app: the ``on_*`` hook runs, then the trigger is dispatched."""
    callback = None if hook is None else (lambda: hook(event))
    return Event(
        trigger=channel_trigger(event.kind, event.channel),
        source="agent",
        data=event,
        ts_ns=ts_ns,
        callback=callback,
        extra={"channel": event.channel, "kind": event.kind, "message_id": event.message_id},
    )


def internal_event(name: str, expand: Callable[[], list[Event] | None], ts_ns: int, data: Any = None) -> Event:
    """An event handled by the runtime itself; ``expand`` returns follow-up events."""
    return Event(trigger="", source=INTERNAL, data=data, ts_ns=ts_ns, callback=expand, extra={"name": name})
