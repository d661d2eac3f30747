"""A last-writer-wins JSON document whose merges are order-independent (a state-based CRDT).

Why: over MQTT several processes may patch the same aggregate at once, and each publishes
the aggregate as one retained message. Plain JSON would make the broker keep whichever
full state arrived last and silently drop the other writer's keys. An :class:`LwwDoc` keeps,
per path, the stamp of the last write, so two documents can always be merged
(commutative, associative, idempotent); an agent that receives a retained state missing
something it knows merges and republishes, and the retained state converges to the union.

Model: every path (tuple of keys) has at most one entry ``(kind, value, stamp, cut)``:
``kind`` is ``v`` (a non-dict value), ``d`` (a dict: its value is made of its children) or
``t`` (deleted). ``cut`` is the newest stamp at which this path was *replaced* (set to a value,
deleted, or replaced wholesale): every descendant entry older than an ancestor's cut is
hidden. Merging two entries keeps the fields of the newer stamp and the max of the cuts.
A merge-patch applied with stamp ``s`` becomes entries with stamp ``s``: each dict in the
patch gives a ``d`` entry (no cut: merging keeps existing children), each ``None`` a ``t``
entry (cut ``s``) and every other value a ``v`` entry (cut ``s``); a replace also cuts the
root. Applying patches one after another in stamp order gives exactly ``merge_patch``
(property-tested); concurrent writes to *different* keys all survive; for the *same* key the
newest stamp wins everywhere.

Stamps are ``(hybrid-clock microseconds, agent id)``: each agent's clock never goes back and
jumps past every stamp it has seen, so causally later writes win even under small clock skew.
Deleted keys leave a small tombstone entry (needed so that an old replica cannot resurrect
them); entries hidden under a cut are dropped by :meth:`LwwDoc.compact`.

Thread-safety: not thread-safe; :class:`HybridClock` is thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from doover_fsm.agent.merge import copy_json

__all__ = ["HybridClock", "LwwDoc", "Stamp"]

Stamp = tuple[int, str]
Path_ = tuple[str, ...]
_MIN: Stamp = (-1, "")
_ABSENT = object()


class HybridClock:
    """Monotonic stamps ``(µs, agent_id)`` that also move past every stamp observed."""

    def __init__(self, agent_id: str, time_fn: Callable[[], float] = time.time) -> None:
        self.agent_id = agent_id
        self._time = time_fn
        self._last = 0
        self._lock = threading.Lock()

    def now(self) -> Stamp:
        with self._lock:
            t = max(int(self._time() * 1_000_000), self._last + 1)
            self._last = t
            return (t, self.agent_id)

    def observe(self, stamp: Stamp) -> None:
        with self._lock:
            if stamp[0] > self._last:
                self._last = stamp[0]


class _Entry:
    __slots__ = ("cut", "kind", "stamp", "value")

    def __init__(self, kind: str, value: Any, stamp: Stamp, cut: Stamp) -> None:
        self.kind = kind
        self.value = value
        self.stamp = stamp
        self.cut = cut

    def key(self) -> tuple[str, Any, Stamp, Stamp]:
        return (self.kind, self.value, self.stamp, self.cut)


class LwwDoc:
    """One aggregate as per-path last-writer-wins entries (see the module docstring)."""

    def __init__(self) -> None:
        self._entries: dict[Path_, _Entry] = {}

    # --- writes ----------------------------------------------------------------------------------
    def _put(self, path: Path_, kind: str, value: Any, stamp: Stamp, cut: Stamp) -> bool:
        e = self._entries.get(path)
        if e is None:
            self._entries[path] = _Entry(kind, value, stamp, cut)
            return True
        before = e.key()
        if stamp > e.stamp:
            e.kind, e.value, e.stamp = kind, value, stamp
        if cut > e.cut:
            e.cut = cut
        return e.key() != before

    def apply_patch(self, patch: Any, stamp: Stamp, *, replace: bool = False) -> None:
        """Apply a merge-patch (or, with ``replace``, a new whole value) written at ``stamp``."""
        if replace:
            if isinstance(patch, dict):
                self._put((), "d", None, stamp, stamp)
                for k, v in patch.items():
                    if v is None:
                        self._put((k,), "t", None, stamp, stamp)
                    else:
                        self._decompose(v, (k,), stamp)
            elif patch is None:
                self._put((), "t", None, stamp, stamp)
            else:
                self._put((), "v", copy_json(patch), stamp, stamp)
            return
        if patch is None:
            self._put((), "t", None, stamp, stamp)
        else:
            self._decompose(patch, (), stamp)

    def _decompose(self, patch: Any, path: Path_, stamp: Stamp) -> None:
        if isinstance(patch, dict):
            self._put(path, "d", None, stamp, _MIN)
            for k, v in patch.items():
                if v is None:
                    self._put((*path, k), "t", None, stamp, stamp)
                else:
                    self._decompose(v, (*path, k), stamp)
        else:
            self._put(path, "v", copy_json(patch), stamp, stamp)

    def merge(self, other: LwwDoc) -> bool:
        """Merge ``other`` into this document; True if anything changed."""
        changed = False
        for path, e in other._entries.items():
            changed |= self._put(path, e.kind, copy_json(e.value), e.stamp, e.cut)
        return changed

    def compact(self) -> None:
        """Drop entries hidden under an ancestor's cut (they can never become visible again)."""
        cuts: dict[Path_, Stamp] = {}
        for path in sorted(self._entries, key=len):
            inherited = cuts.get(path[:-1], _MIN) if path else _MIN
            e = self._entries[path]
            if e.stamp < inherited:
                del self._entries[path]
                cuts[path] = inherited
            else:
                cuts[path] = max(inherited, e.cut)
            # Paths below a missing parent inherit from the nearest ancestor we have seen.
        # Second pass not needed: sorting by length visits ancestors first; for a path whose
        # parent has no entry, cuts.get() falls back to _MIN, which only keeps extra entries.

    # --- reads -----------------------------------------------------------------------------------
    def max_stamp(self) -> Stamp:
        return max((e.stamp for e in self._entries.values()), default=_MIN)

    def value(self) -> Any:
        """The JSON value this document stands for (None if there is none)."""
        children: dict[Path_, list[str]] = {}
        for path in self._entries:
            for i in range(len(path)):
                lst = children.setdefault(path[:i], [])
                if path[i] not in lst:
                    lst.append(path[i])
        out = self._value((), _MIN, children)
        return None if out is _ABSENT else out

    def _value(self, path: Path_, inherited: Stamp, children: dict[Path_, list[str]]) -> Any:
        e = self._entries.get(path)
        if e is not None and e.stamp < inherited:
            e = None
        cut = inherited if e is None else max(inherited, e.cut)
        if e is not None and e.kind == "v":
            return copy_json(e.value)
        if e is not None and e.kind == "t":
            return _ABSENT
        out: dict[str, Any] = {}
        for k in sorted(children.get(path, ())):
            v = self._value((*path, k), cut, children)
            if v is not _ABSENT:
                out[k] = v
        if e is None and not out:
            return _ABSENT
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LwwDoc):
            return NotImplemented
        return {p: e.key() for p, e in self._entries.items()} == \
            {p: e.key() for p, e in other._entries.items()}

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self._entries)

    # --- wire form -------------------------------------------------------------------------------
    def to_wire(self) -> list[list[Any]]:
        """JSON-able form: ``[[path, kind, value, [µs, agent], [µs, agent]], ...]``."""
        return [[list(p), e.kind, e.value, list(e.stamp), list(e.cut)]
                for p, e in sorted(self._entries.items())]

    @classmethod
    def from_wire(cls, rows: Iterable[Any]) -> LwwDoc:
        """Parse :meth:`to_wire` output; raises ValueError on a malformed row."""
        doc = cls()
        for row in rows:
            try:
                path, kind, value, stamp, cut = row
                p = tuple(str(k) for k in path)
                s: Stamp = (int(stamp[0]), str(stamp[1]))
                c: Stamp = (int(cut[0]), str(cut[1]))
            except (TypeError, ValueError, IndexError) as exc:
                raise ValueError(f"malformed LWW entry {row!r}") from exc
            if kind not in ("v", "d", "t"):
                raise ValueError(f"malformed LWW entry kind {kind!r}")
            doc._put(p, kind, value, s, c)
        return doc

    @classmethod
    def from_value(cls, value: Any, stamp: Stamp) -> LwwDoc:
        """A document holding ``value`` as if written wholesale at ``stamp``."""
        doc = cls()
        if value is not None:
            doc.apply_patch(value, stamp, replace=True)
        return doc
