"""Who wants to hear about what: tag subscriptions and channel subscriptions of one app.

``subscribe_to_tag`` callbacks and ``subscribe()``d channels are recorded here and turned into
scan events (callback + trigger) when a change arrives. Several callbacks may subscribe to one
tag (pydoover keeps only the last: a defect, DESIGN §6). Events are built on any thread; the
callbacks run in the scan. Registration is loop-thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from doover_fsm._util.maybe_async import call_maybe_async
from doover_fsm.agent.base import ChannelEvent
from doover_fsm.agent.models import EventSubscription, subscription_kinds
from doover_fsm.app.channels import ALL_KINDS, KIND_TRIGGERS, user_channel_event
from doover_fsm.events import Event, trigger_name

TagCallback = Callable[[str, Any], Any]
TagKey = tuple[str | None, str]  # (owner app key, or None for a global tag; tag name)
TagChange = tuple[str | None, str, Any, Any]  # (owner, name, old, new)


class TagSubscriptions:
    """``subscribe_to_tag`` callbacks, keyed by (owner, tag)."""

    def __init__(self) -> None:
        self._subs: dict[TagKey, list[TagCallback]] = {}

    def add(self, key: TagKey, callback: TagCallback) -> Callable[[], None]:
        """Register ``callback``; returns the function that removes it again."""
        if not callable(callback):
            raise TypeError(f"subscribe_to_tag({key[1]!r}): callback is not callable")
        self._subs.setdefault(key, []).append(callback)

        def unsubscribe() -> None:
            subs = self._subs.get(key, [])
            if callback in subs:
                subs.remove(callback)

        return unsubscribe

    def events_for(self, changes: Iterable[TagChange], app_key: str, now_ns: int) -> list[Event]:
        """One event per changed tag: its subscribers' callbacks, then its trigger."""
        out: list[Event] = []
        for owner, name, old, new in changes:
            if owner is None:
                trig = trigger_name("global", name)
            elif owner == app_key:
                trig = trigger_name("tag", name)
            else:
                trig = trigger_name("tag", owner, name)
            data = {"app_key": owner, "tag": name, "old": old, "value": new}
            out.append(Event(trig, "tag", data, now_ns, self._callback((owner, name), name, new),
                             {"app_key": owner, "tag": name}))
        return out

    def own_write_events(self, patch: dict[str, Any], now_ns: int) -> list[Event]:
        """Our own committed writes reach this app's subscribers too (no trigger: not from outside)."""
        out: list[Event] = []
        for (owner, name), subs in self._subs.items():
            if not subs:
                continue
            scope = patch if owner is None else patch.get(owner)
            if isinstance(scope, dict) and name in scope:
                value = scope[name]
                out.append(Event("", "tag", {"app_key": owner, "tag": name, "value": value}, now_ns,
                                 self._callback((owner, name), name, value)))
        return out

    def _callback(self, key: TagKey, name: str, value: Any) -> Callable[[], Any] | None:
        subs = tuple(self._subs.get(key, ()))
        if not subs:
            return None
        return lambda: _run_all(subs, name, value)


async def _run_all(subs: tuple[TagCallback, ...], name: str, value: Any) -> None:
    errors = []
    for cb in subs:
        try:
            await call_maybe_async(cb, name, value)
        except Exception as exc:  # one failing subscriber must not starve the others
            errors.append(exc)
    if errors:
        raise errors[0]


class ChannelSubscriptions:
    """``subscribe()``d channels, the event kinds wanted, and pydoover 0.x aggregate callbacks."""

    def __init__(self) -> None:
        self.kinds: dict[str, frozenset[str]] = {}
        self._extra: dict[str, list[Callable[[ChannelEvent], Any]]] = {}

    @property
    def channels(self) -> list[str]:
        return list(self.kinds)

    def add(self, channel: str, events: Any = None) -> None:
        self.kinds[channel] = parse_kinds(events)

    def add_aggregate_callback(self, channel: str, callback: Callable[[str, Any], Any]) -> None:
        """pydoover 0.x: ``callback(channel_name, aggregate)`` after each aggregate update."""
        self._extra.setdefault(channel, []).append(lambda event: callback(event.channel, event.data))
        self.add(channel, ("aggregate", "sync"))

    def event_for(self, event: ChannelEvent, hooks: Any, now_ns: int) -> Event | None:
        """The scan event for a subscribed channel's change (the ``on_*`` hook of ``hooks``), or None."""
        kinds = self.kinds.get(event.channel)
        if kinds is None or event.kind not in kinds:
            return None
        hook = getattr(hooks, KIND_TRIGGERS[event.kind][1])
        extra = tuple(self._extra.get(event.channel, ())) if event.kind in ("aggregate", "sync") else ()

        async def run_hooks(event: ChannelEvent) -> None:
            await call_maybe_async(hook, event)
            for h in extra:
                await call_maybe_async(h, event)

        return user_channel_event(event, run_hooks, now_ns)


def parse_kinds(events: Any) -> frozenset[str]:
    """``subscribe(events=…)``: pydoover's ``EventSubscription`` flags, None/"all", a kind, or kinds."""
    if isinstance(events, EventSubscription):
        return subscription_kinds(events)
    if events is None or events == "all":
        return ALL_KINDS
    items = [events] if isinstance(events, str) else list(events)
    bad = [e for e in items if e not in ALL_KINDS]
    if bad:
        raise ValueError(f"subscribe: unknown event kinds {bad!r} (known: {sorted(ALL_KINDS)})")
    return frozenset(items)
