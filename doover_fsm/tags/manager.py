"""The tag manager: pydoover's ``app.tag_manager`` over doover_fsm's C tag store.

:class:`TagManager` (``pydoover.tags.manager.TagsManagerDocker``) reads and writes the app's
:class:`~doover_fsm.tags.store.TagStore` and turns what changed into one commit per scan:

* one ``tag_values`` aggregate merge-patch (every tag changed since the last commit);
* a one-shot message of the ``live=True`` tags someone is watching (``dv-ui-sub``);
* logged points as ``tag_values`` messages, as pydoover writes them: one message per commit with
  every ``log=True`` write (or fired ``log_on`` trigger), and every ``tag_log_interval`` seconds
  (15 min; the first commit too) one message with everything else that changed.

Inside an app the runtime binds a *sink* (:meth:`TagManager.bind_sink`): each commit is handed
to it synchronously and the scan never waits for the agent. Without a sink, ``await
commit_tags()`` writes to ``client`` with pydoover's device-agent calls
(``update_channel_aggregate``, ``send_oneshot_message``, ``create_message``).

Not thread-safe: the scan thread only (producer threads use ``TagStore.post_from_thread``).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doover_fsm._util.maybe_async import Completed, call_maybe_async
from doover_fsm.clock import Clock, MonotonicClock
from doover_fsm.tags._merge import changes, overlay, overlay_into
from doover_fsm.tags.store import TagStore, _same

log = logging.getLogger(__name__)

TAG_CLOUD_MAX_AGE = 60 * 15
TAG_OBSERVED_MAX_AGE = 3
TAG_CHANNEL_NAME = "tag_values"
LIVE_TAG_CHANNEL_NAME = "tag_values"
UI_SUB_CHANNEL_NAME = "dv-ui-sub"
UI_SUB_FRESH_MS = 120_000

_ABSENT: Any = object()
_DONE: Completed[None] = Completed(None)


class LogMode(enum.Enum):
    """What a commit writes to logged history (pydoover's processor option; kept for its name)."""

    ALWAYS = "always"
    NEVER = "never"
    ONLY_CHANGED = "only_changed"
    ONLY_SET = "only_set"


class KeyPath:
    """A tag key as a path into ``tag_values``: ``KeyPath("speed", app_key="pump")`` is ``["pump", "speed"]``."""

    def __init__(self, key: str | list[str] | KeyPath, app_key: str | None = None):
        if isinstance(key, KeyPath):
            self._path: list[str] = key.path
            self.app_key: str | None = key.app_key
            self.key: Any = key.key
            return
        path = [key] if isinstance(key, str) else list(key)
        if not path or any(not isinstance(part, str) or not part for part in path):
            raise ValueError("KeyPath requires one or more non-empty string path segments.")
        if app_key is not None:
            if not isinstance(app_key, str):
                raise ValueError("App key must be a string.")
            path.insert(0, app_key)
        self._path = path
        self.app_key = app_key
        self.key = key

    def get(self) -> list[str]:
        """The path segments (a copy)."""
        return list(self._path)

    @property
    def path(self) -> list[str]:
        return self._path

    def construct_dict(self, value: Any) -> Any:
        """``value`` wrapped in nested dicts along the path."""
        for part in reversed(self._path):
            value = {part: value}
        return value

    def lookup_dict(self, d: dict[str, Any], raise_key_error: bool = False) -> Any:
        """The value at this path in ``d`` (None, or KeyError if asked, when missing)."""
        current: Any = d
        for part in self._path:
            if not isinstance(current, dict):
                return None
            if part not in current:
                if raise_key_error:
                    raise KeyError(part)
                return None
            current = current[part]
        return current

    def in_dict(self, d: dict[str, Any]) -> bool:
        """True if ``d`` has a value at this path."""
        current: Any = d
        for part in self._path:
            if not isinstance(current, dict) or part not in current:
                return False
            current = current[part]
        return True

    def __eq__(self, other: object) -> bool:
        """Equal to a key, list or KeyPath that starts with this path."""
        parts = other.get() if isinstance(other, KeyPath) else other
        if not isinstance(parts, (list, tuple)):
            parts = [parts]
        return len(parts) >= len(self._path) and all(a == b for a, b in zip(self._path, parts, strict=False))

    def __hash__(self) -> int:
        return hash(".".join(self._path))

    def __repr__(self) -> str:
        return f"KeyPath({self._path!r})"


class TagsManager:
    """The interface a :class:`~doover_fsm.tags.declare.Tags` instance reads and writes through."""

    def get_tag(self, key: str | list[str] | KeyPath, default: Any = None, app_key: str | None = None,
                raise_key_error: bool = False) -> Any | None:
        """A tag's value."""
        raise NotImplementedError

    async def set_tag(self, key: str, value: Any, app_key: str | None = None, flush: bool = False,
                      log: bool = False) -> None:
        """Write a tag."""
        raise NotImplementedError

    async def commit_tags(self) -> None:
        """Publish what was written since the last commit."""
        return


@dataclass(frozen=True, slots=True)
class LogMessage:
    """One ``tag_values`` message: its body and its timestamp (None: when the agent writes it)."""

    data: dict[str, Any]
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class TagCommit:
    """What one commit publishes: the aggregate patch, the live one-shot and the log messages, in order."""

    patch: dict[str, Any]
    messages: list[LogMessage] = field(default_factory=list)
    live: dict[str, Any] | None = None
    #: How stale the cloud may let the patch get (pydoover's ``max_age_secs``: 3 s while watched).
    max_age_secs: float = TAG_CLOUD_MAX_AGE

    def __bool__(self) -> bool:
        return bool(self.patch or self.messages or self.live)


_NOTHING = TagCommit({})

#: Receives each commit inside an app runtime (called on the scan thread; must not block).
TagSink = Callable[[TagCommit], None]
#: Registers a tag subscription ``((app_key or None, tag), callback)``; returns the unsubscribe function.
Subscribe = Callable[[tuple[str | None, str], Callable[..., Any]], Callable[[], None]]


class TagManager(TagsManager):
    """pydoover's ``TagsManagerDocker`` over a :class:`TagStore`. Scan thread only."""

    def __init__(self, client: Any = None, tag_log_interval: int = TAG_CLOUD_MAX_AGE, app_key: str | None = None):
        self._init(TagStore(), client, tag_log_interval, app_key, None)

    @classmethod
    def over_store(cls, store: TagStore, *, app_key: str | None = None, client: Any = None,
                   tag_log_interval: float = TAG_CLOUD_MAX_AGE, clock: Clock | None = None,
                   subscribe: Subscribe | None = None) -> TagManager:
        """A manager over an existing store (the app runtime's), timing logs on ``clock``.

        ``subscribe((app_key, tag), callback) -> unsubscribe`` receives ``subscribe_to_tag`` calls
        for plain tag names (the runtime's subscription registry, which runs them in the scan).
        """
        self = cls.__new__(cls)
        self._init(store, client, tag_log_interval, app_key, clock)
        self._subscribe = subscribe
        return self

    def _init(self, store: TagStore, client: Any, tag_log_interval: float, app_key: str | None,
              clock: Clock | None) -> None:
        if not isinstance(store, TagStore):
            raise TypeError(f"TagManager: store must be a TagStore, got {type(store).__name__}")
        self._store = store
        self._subscribe: Subscribe | None = None
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        self._sink: TagSink | None = None
        self.client = client
        self.app_key = app_key
        self.tag_log_interval = tag_log_interval
        self.observed_max_age = TAG_OBSERVED_MAX_AGE
        self.default_max_age = TAG_CLOUD_MAX_AGE
        #: pydoover 0.4 logged every tag change; True makes each commit's patch a message too.
        self.log_all_changes = False
        self.ui_sub_aggregate: dict[str, Any] = {}
        self._live_tag_keys: list[KeyPath] = []
        self._tag_subscriptions: dict[KeyPath, list[Callable[..., Any]]] = {}
        self._last_tag_log_time = 0.0
        self._pending_tag_log: dict[str, Any] = {}
        self._pending_immediate_log: dict[str, Any] = {}
        self._log_last: dict[tuple[str | None, str], bool] = {}  # last write this commit was logged
        self._held: dict[str, Any] = {}  # absorbed by a log flush, published by the next commit
        self._replaced: set[tuple[str | None, str]] = set()  # held tags since given a non-dict value
        self._dict_done: dict[tuple[str | None, str], bool] = {}  # dict writes already in the periodic log
        self._dict_patch: dict[tuple[str | None, str], Any] = {}  # dicts as written since the last commit
        #: True while a write needs more than the store (logged points, dict writes, held patches): while
        #: False, a plain scalar write to the store is all this manager would do (read-only outside).
        self.busy = False
        self._store_set = store.set  # bound once: the hot path's one call

    # ---- wiring ---------------------------------------------------------------------------------
    @property
    def store(self) -> TagStore:
        return self._store

    def bind_sink(self, sink: TagSink | None) -> None:
        """Hand every commit to ``sink`` (the app runtime's committer) instead of awaiting ``client``."""
        self._sink = sink

    async def setup(self, skip_sync: bool = False) -> None:
        """Adopt the agent's ``tag_values`` (pydoover waits for the channel sync here).

        Inside an app runtime the store is already synced before ``setup()``: nothing to do.
        """
        if skip_sync or self._sink is not None or self.client is None:
            return
        fetch = getattr(self.client, "fetch_channel_aggregate", None)
        if fetch is None:
            return
        aggregate = await call_maybe_async(fetch, TAG_CHANNEL_NAME)
        data = getattr(aggregate, "data", aggregate)
        if isinstance(data, dict):
            self._replace_tag_values(data)

    # ---- reads ------------------------------------------------------------------------------------
    @property
    def _tag_values(self) -> dict[str, Any]:
        """The whole ``tag_values`` as this app sees it: ``{app_key: {tag: value}, global: value}`` (a copy)."""
        return self._store.snapshot()

    @_tag_values.setter
    def _tag_values(self, data: dict[str, Any]) -> None:
        self._store.replace(data if data is not None else {})

    def get_tag(self, key: str | list[str] | KeyPath, default: Any = None, app_key: str | None = None,
                raise_key_error: bool = False) -> Any | None:
        """The value at ``key`` (of ``app_key``; a global tag or an app's section without it).

        Lists and dicts are copies. Missing: ``default``, or KeyError with ``raise_key_error``.
        """
        if app_key is not None and type(key) is str:
            value = self._store.get(app_key, key, _ABSENT)
            if value is not _ABSENT:
                return value
        path = KeyPath(key, app_key=app_key).path
        value = self._lookup(path)
        if value is _ABSENT:
            if raise_key_error:
                raise KeyError(KeyPath(key, app_key=app_key))
            return default
        return value

    def _lookup(self, path: list[str]) -> Any:
        store = self._store
        head, rest = path[0], path[1:]
        if store.is_section(head):
            if not rest:
                section = store.section(head)
                return _ABSENT if section is None else section
            value = store.get(head, rest[0], _ABSENT)
            rest = rest[1:]
        else:
            value = store.get(None, head, _ABSENT)
        for part in rest:
            if type(value) is not dict or part not in value:
                return _ABSENT
            value = value[part]
        return value

    # ---- writes -----------------------------------------------------------------------------------
    def set_tag(  # type: ignore[override]  # pydoover's own subclass inserts only_if_changed too
            self, key: str | list[str] | KeyPath, value: Any, app_key: str | None = None,
            only_if_changed: bool = True, flush: bool = False, log: bool = False) -> Any:
        """Write one tag; visible to reads at once, published at the next commit (awaitable or not).

        A dict is merged into the tag's current dict. ``log=True`` makes the write a logged point
        (if it changed the value); ``flush=True`` publishes the aggregate now.
        """
        if type(key) is str and (app_key is not None or not self._store.is_section(key)):
            try:
                changed = self.write(app_key, key, value, only_if_changed, log)
            except ValueError:
                if app_key is None or not self._store.is_global(app_key):
                    raise
                changed = self.write(None, app_key, {key: value}, only_if_changed, log)  # inside a global dict
        else:
            changed = self._apply_layout(KeyPath(key, app_key=app_key).construct_dict(value), only_if_changed, log)
        return self._flush_now() if flush and changed else _DONE

    def set_tags(self, tags: dict[str, Any], only_if_changed: bool = True, key: Any = None,
                 app_key: str | None = None, flush: bool = False, log: bool = False) -> Any:
        """Write several tags: ``tags`` in the ``tag_values`` layout, or under ``key``/``app_key``."""
        if not isinstance(tags, dict):
            raise TypeError(f"set_tags takes a dict of tag -> value, got {type(tags).__name__}")
        if key is not None:
            tags = KeyPath(key, app_key=app_key).construct_dict(tags)
        elif app_key is not None:
            tags = {app_key: tags}
        changed = self._apply_layout(tags, only_if_changed, log)
        return self._flush_now() if flush and changed else _DONE

    def _apply_layout(self, data: dict[str, Any], only_if_changed: bool, log: bool) -> bool:
        store = self._store
        changed = False
        for top, value in data.items():
            if store.is_section(top) or (type(value) is dict and not store.is_global(top)):
                if type(value) is not dict:
                    raise ValueError(f"tag_values[{top!r}] is an app's section; it cannot be set to {value!r}")
                for name, v in value.items():
                    changed = self.write(top, name, v, only_if_changed, log) or changed
            else:
                changed = self.write(None, top, value, only_if_changed, log) or changed
        return changed

    def write(self, app_key: str | None, name: str, value: Any, only_if_changed: bool, log: bool) -> bool:
        """The one write path (hot; the app's own ``set_tag`` comes straight here): the C store decides
        whether it changed; dicts merge first. Returns whether the value changed."""
        t = type(value)
        if t is float or t is int or t is bool or t is str:  # the scan's usual write: lean
            changed = self._store_set(app_key, name, value, only_if_changed=only_if_changed)
            if changed and (log or self.busy):
                self._bookkeep(app_key, name, value, value, log)
            return changed
        store = self._store
        stored = value
        if t is dict:
            current = store.get(app_key, name, _ABSENT)
            if only_if_changed and not changes({} if current is _ABSENT else current, value):
                return False
            stored = overlay(None if current is _ABSENT else current, value)
        elif value is None and not store.knows(app_key, name):
            only_if_changed = False  # deleting a tag never seen still publishes the delete (as pydoover)
        changed = store.set(app_key, name, stored, only_if_changed=only_if_changed)
        if changed:
            self._bookkeep(app_key, name, value, stored, log)
        return changed

    def _bookkeep(self, app_key: str | None, name: str, value: Any, stored: Any, log: bool) -> None:
        """After a changed write: what the patch and the two log messages must say about it."""
        self.busy = True
        key = (app_key, name)
        if stored is not value:  # a dict: publish what was written (the agent merges it too)
            self._dict_patch[key] = overlay(self._dict_patch.get(key), value)
        elif self._dict_patch or self._held:  # a plain value replaces what dict writes merged
            self._dict_patch.pop(key, None)
            if self._dict_done.pop(key, None):  # the periodic log holds the dict: replace it
                section = self._pending_tag_log if app_key is None else \
                    self._pending_tag_log.setdefault(app_key, {})
                section[name] = value
            if self._held:
                self._replaced.add(key)
        if log:
            self._note_logged(app_key, name, value, stored)
            return
        if self._log_last:  # a plain write after a logged one: the periodic log gets it again
            self._log_last.pop(key, None)
        if stored is not value:  # the periodic log merges a written dict now
            section = self._pending_tag_log if app_key is None else \
                self._pending_tag_log.setdefault(app_key, {})
            section[name] = overlay(section.get(name), value)
            self._dict_done[key] = True

    def _note_logged(self, app_key: str | None, name: str, value: Any, stored: Any) -> None:
        """A logged write: into this commit's log message, out of the periodic one."""
        section = self._pending_immediate_log if app_key is None else \
            self._pending_immediate_log.setdefault(app_key, {})
        section[name] = overlay(section.get(name), value)
        # Out of the periodic log (a dict only by the leaves it wrote), so nothing is logged twice.
        _strip(self._pending_tag_log, {name: value} if app_key is None else {app_key: {name: value}})
        self._log_last[(app_key, name)] = True

    # ---- commit -----------------------------------------------------------------------------------
    def commit_now(self) -> TagCommit:
        """Collect this scan's commit and hand it to the bound sink (the scan's step 6). Never blocks."""
        commit = self._collect(periodic=None)
        if commit is not _NOTHING and self._sink is not None:
            self._sink(commit)
        return commit

    async def commit_tags(self) -> None:
        """Publish everything written since the last commit (pydoover's end-of-loop call)."""
        await self._deliver(self._collect(periodic=None))

    async def flush_tags(self) -> bool:
        """Publish the aggregate patch now (log messages wait for the next commit)."""
        patch = self._absorb()
        if not patch:
            return False
        await self._deliver(TagCommit(patch, max_age_secs=self.max_age_secs))
        return True

    async def flush_logs(self, timestamp: datetime | None = None) -> bool:
        """Write the periodic log message now (everything changed and not logged since the last one).

        The aggregate patch is not sent here; it waits for the next commit, as in pydoover.
        """
        self._hold(self._absorb())
        if not self._pending_tag_log:
            return False
        data, self._pending_tag_log = self._pending_tag_log, {}
        self._last_tag_log_time = self._clock.time()
        await self._deliver(TagCommit({}, [LogMessage(data, timestamp)]))
        return True

    async def flush_immediate_logs(self, timestamp: datetime | None = None) -> bool:
        """Write the message of ``log=True`` writes now (the aggregate patch waits for the commit)."""
        self._hold(self._absorb())
        if not self._pending_immediate_log:
            return False
        data, self._pending_immediate_log = self._pending_immediate_log, {}
        await self._deliver(TagCommit({}, [LogMessage(data, timestamp)]))
        return True

    def _hold(self, patch: dict[str, Any]) -> None:
        """Keep an absorbed patch for the next commit (values are whole tag values: later ones win)."""
        self.busy = True
        held = self._held
        for top, value in patch.items():
            if self._store.is_section(top) and type(value) is dict:
                section = held.setdefault(top, {})
                for name, v in value.items():
                    section[name] = overlay(section[name], v) if type(v) is dict and \
                        type(section.get(name)) is dict and (top, name) not in self._replaced else v
            elif type(value) is dict and type(held.get(top)) is dict and (None, top) not in self._replaced:
                held[top] = overlay(held[top], value)
            else:
                held[top] = value

    async def flush_live_tags(self) -> bool:
        """Send the watched ``live=True`` tags as a one-shot message now."""
        live = self._live_payload()
        if live is None:
            return False
        await self._deliver(TagCommit({}, live=live))
        return True

    async def log_history(self, points: Iterable[tuple[datetime, dict[str, Any]]], app_key: str | None = None) -> int:
        """Backfill logged values: one message per ``(timestamp, {tag: value})`` point, dated ``timestamp``.

        Current values are not touched. ``app_key`` defaults to this app. Returns the messages written.
        """
        owner = app_key if app_key is not None else self.app_key
        messages = [LogMessage({owner: tags} if owner else tags, timestamp) for timestamp, tags in points if tags]
        if messages:
            await self._deliver(TagCommit({}, messages))
        return len(messages)

    def _flush_now(self) -> Any:
        patch = self._absorb()
        if not patch:
            return _DONE
        commit = TagCommit(patch, max_age_secs=self.max_age_secs)
        if self._sink is not None:
            self._sink(commit)
            return _DONE
        return self._deliver(commit)

    def _absorb(self) -> dict[str, Any]:
        """Commit the store; fold its changes into the periodic log buffer. Returns the aggregate patch."""
        commit = self._store.commit()
        if not commit.patch and not commit.logged and not self.busy:
            return {}  # an idle scan: nothing written, nothing held (busy covers _log_last/_dict_patch/_held)
        for point in commit.logged:  # store-level log=True writes (other writers than this manager)
            self._note_logged(point.app_key, point.name, point.value, point.value)
        patch = commit.patch
        if self._dict_patch:
            for (top, name), part in self._dict_patch.items():
                scope = patch if top is None else patch.get(top)
                if isinstance(scope, dict) and type(scope.get(name)) is dict:
                    scope[name] = part
            self._dict_patch.clear()
        if patch and not self.log_all_changes:
            done = self._log_last.keys() | self._dict_done.keys()
            periodic = self._pending_tag_log
            for top, value in patch.items():
                if self._store.is_section(top):
                    for name, v in value.items():
                        if (top, name) not in done:
                            section = periodic.setdefault(top, {})
                            section[name] = overlay(section.get(name), v)
                elif (None, top) not in done:
                    periodic[top] = overlay(periodic.get(top), value)
        self._log_last.clear()
        self._dict_done.clear()
        if self._held:  # a log flush took earlier changes: publish them with these
            self._hold(patch)
            patch, self._held = self._held, {}
            self._replaced.clear()
        self.busy = bool(self._log_last or self._dict_patch or self._held)
        return patch

    def _collect(self, periodic: bool | None) -> TagCommit:
        patch = self._absorb()
        messages: list[LogMessage] = []
        if self.log_all_changes and patch:
            messages.append(LogMessage(overlay({}, patch)))
        if self._pending_immediate_log:
            messages.append(LogMessage(self._pending_immediate_log))
            self._pending_immediate_log = {}
        if self._pending_tag_log:
            now = self._clock.time()
            if periodic or (periodic is None and now - self._last_tag_log_time >= self.tag_log_interval):
                messages.append(LogMessage(self._pending_tag_log))
                self._pending_tag_log = {}
                self._last_tag_log_time = now
        live = self._live_payload() if self._live_tag_keys else None
        if not (patch or messages or live):
            return _NOTHING  # the usual idle scan: no new object
        return TagCommit(patch, messages, live, self.max_age_secs if patch else TAG_CLOUD_MAX_AGE)

    async def _deliver(self, commit: TagCommit) -> None:
        if not commit:
            return
        if self._sink is not None:
            self._sink(commit)
            return
        client = self.client
        if client is None:
            return
        if commit.patch:
            await call_maybe_async(client.update_channel_aggregate, TAG_CHANNEL_NAME, commit.patch,
                                   max_age_secs=commit.max_age_secs, return_aggregate=False)
        if commit.live:
            await call_maybe_async(client.send_oneshot_message, LIVE_TAG_CHANNEL_NAME, commit.live)
        for message in commit.messages:
            await call_maybe_async(client.create_message, TAG_CHANNEL_NAME, message.data,
                                   timestamp=message.timestamp)

    # ---- live tags and who is watching (dv-ui-sub) ---------------------------------------------------
    def set_live_tags(self, keys: Iterable[KeyPath | tuple[str | None, str]]) -> None:
        """The ``(app_key, tag)`` pairs of the ``live=True`` tags (``Tags.get_live_tag_keys()``)."""
        self._live_tag_keys = [k if isinstance(k, KeyPath) else KeyPath(k[1], app_key=k[0]) for k in keys]

    def _live_payload(self) -> dict[str, Any] | None:
        if not self._live_tag_keys:
            return None
        opened = self._live_tags_opened()
        if not opened:
            return None
        payload: dict[str, Any] = {}
        for path in self._live_tag_keys:
            qualified = f"{path.app_key}.{path.key}" if path.app_key else path.key
            if qualified not in opened:
                continue
            value = self._lookup(path.path)
            if value is not _ABSENT:
                overlay_into(payload, path.construct_dict(value))
        return payload or None

    async def on_ui_sub_update(self, event: Any) -> None:
        """Adopt a ``dv-ui-sub`` aggregate (an event with ``.aggregate.data``, or the dict itself)."""
        self.ui_sub_aggregate = _event_data(event) or {}

    def _fresh_bucket_entries(self, bucket: str) -> Iterable[Any]:
        entries = self.ui_sub_aggregate.get(bucket) or {}
        if not isinstance(entries, dict):
            return
        now_ms = self._clock.time() * 1000
        for entry in entries.values():
            ts = entry.get("ts") if isinstance(entry, dict) else entry
            if isinstance(ts, (int, float)) and not isinstance(ts, bool) and now_ms - ts < UI_SUB_FRESH_MS:
                yield entry

    @property
    def is_being_observed(self) -> bool:
        """Someone has this device open in any way (page, group view, an app, a live tag)."""
        return any(next(iter(self._fresh_bucket_entries(b)), None) is not None
                   for b in ("agent_open", "group_open", "app_open", "live_tag_open"))

    @property
    def is_agent_open(self) -> bool:
        return next(iter(self._fresh_bucket_entries("agent_open")), None) is not None

    @property
    def is_group_open(self) -> bool:
        return next(iter(self._fresh_bucket_entries("group_open")), None) is not None

    def is_live_tag_open(self, tag_name: str, app_key: str | None = None) -> bool:
        """Someone watches this tag in live mode (``app_key`` defaults to this app)."""
        owner = app_key if app_key is not None else self.app_key
        return (f"{owner}.{tag_name}" if owner else tag_name) in self._live_tags_opened()

    @property
    def is_app_open(self) -> bool:
        """Someone has this app expanded (tags are then published with ``observed_max_age``)."""
        if not self.app_key:
            return False
        return any(self.app_key in (e.get("apps") or [])
                   for e in self._fresh_bucket_entries("app_open") if isinstance(e, dict))

    def _live_tags_opened(self) -> set[str]:
        opened: set[str] = set()
        for entry in self._fresh_bucket_entries("live_tag_open"):
            if isinstance(entry, dict):
                opened.update(entry.get("tags") or [])
        return opened

    @property
    def max_age_secs(self) -> float:
        """How stale the cloud may let this app's tag updates get (short while someone watches)."""
        return self.observed_max_age if self.is_app_open else self.default_max_age

    # ---- changes from outside and subscriptions ----------------------------------------------------
    def _replace_tag_values(self, data: dict[str, Any] | None) -> None:
        """Adopt the agent's whole ``tag_values``, keeping local writes not committed yet."""
        self._store.replace(data or {}, keep_pending=True)

    async def _on_tag_sync(self, event: Any) -> None:
        """The agent's ``tag_values`` after a (re)connect: an event with ``.aggregate.data``, or the dict."""
        self._replace_tag_values(_event_data(event))

    async def _on_tag_update(self, event: Any) -> None:
        """The agent's ``tag_values`` after an update: adopt it and call the subscribers of what changed."""
        data = _event_data(event) or {}
        before = self._store.snapshot()
        self._replace_tag_values(data)
        if self._tag_subscriptions:
            await self.fulfill_tag_subscriptions(_diff(before, self._store.snapshot()))

    def subscribe_to_tag(self, key: str | list[str] | KeyPath,
                         callback: Callable[[str, Any], Awaitable[Any]] | Callable[[str, Any], Any],
                         app_key: str | None = None) -> Callable[[], None]:
        """Call ``callback(key, value)`` when the tag changes; several callbacks may subscribe.

        Returns a function that removes this subscription.
        """
        if not callable(callback):
            raise TypeError(f"subscribe_to_tag({key!r}): callback is not callable")
        if self._subscribe is not None and type(key) is str:
            return self._subscribe((app_key, key), callback)
        path = KeyPath(key, app_key=app_key)
        self._tag_subscriptions.setdefault(path, []).append(callback)

        def unsubscribe() -> None:
            callbacks = self._tag_subscriptions.get(path, [])
            if callback in callbacks:
                callbacks.remove(callback)

        return unsubscribe

    def unsubscribe_from_tag(self, key: str | list[str] | KeyPath, app_key: str | None = None) -> None:
        """Remove every subscription to this tag."""
        self._tag_subscriptions.pop(KeyPath(key, app_key=app_key), None)

    def subscribers(self, app_key: str | None, name: str) -> tuple[Callable[..., Any], ...]:
        """The callbacks subscribed to one tag (``app_key`` None: a global tag)."""
        return tuple(self._tag_subscriptions.get(KeyPath(name, app_key=app_key), ()))

    async def fulfill_tag_subscriptions(self, diff: dict[str, Any] | None) -> None:
        """Call the subscribers of every tag in ``diff`` (a ``tag_values`` patch); errors are logged."""
        if not diff:
            return
        for path, callbacks in list(self._tag_subscriptions.items()):
            if not path.in_dict(diff):
                continue
            value = path.lookup_dict(diff)
            for callback in list(callbacks):
                try:
                    await call_maybe_async(callback, path.key, value)
                except Exception:
                    log.exception("tag subscriber %r for %s failed", callback, ".".join(path.path))


def _event_data(event: Any) -> dict[str, Any] | None:
    """The aggregate dict of a pydoover event (``event.aggregate.data``), or the dict itself."""
    aggregate = getattr(event, "aggregate", event)
    data = getattr(aggregate, "data", aggregate)
    return data if isinstance(data, dict) else None


def _strip(target: dict[str, Any], paths: dict[str, Any]) -> None:
    """Remove from ``target`` every leaf path of ``paths`` (and dicts left empty by that)."""
    for key, value in paths.items():
        if key not in target:
            continue
        if type(value) is dict and type(target[key]) is dict:
            _strip(target[key], value)
            if not target[key]:
                del target[key]
        else:
            del target[key]


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``old`` to ``new`` as a patch (keys gone from ``new`` are left out)."""
    out: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key, _ABSENT)
        if type(value) is dict and type(before) is dict:
            inner = _diff(before, value)
            if inner:
                out[key] = inner
        elif before is _ABSENT or not _same(before, value):
            out[key] = value
    return out


#: pydoover's name for the device-app tag manager.
TagsManagerDocker = TagManager
