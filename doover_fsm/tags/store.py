"""TagStore: the tag values of every app on this device, kept in the C tag table.

Scalars (bool, int64, float) live in C; everything else (str, big ints, lists, dicts) lives in
a Python side table and C holds a REF entry for it. The C core does change detection, change
flags, timestamps and the ordered log of ``log=True`` points; ``commit()`` collects all changed
tags with ONE C call and returns them in the Doover ``tag_values`` layout
(``{app_key: {tag: value}, global_tag: value}``, DESIGN §6).

Value rules:

* Every JSON value round-trips exactly: ``True`` stays ``True`` (never ``1``), ints stay ints
  (beyond int64 they go to the side table), floats stay floats including ``-0.0``, str, lists
  and dicts (deep-copied on the way in and out, so callers can never mutate stored values).
  Tuples are stored as lists, as JSON would. Keys of nested dicts must be str.
* Change detection is by value and by type: ``1`` -> ``True`` is a change, ``0.0`` -> ``-0.0``
  is a change, an equal list is not.
* NaN and +-Infinity are rejected with ValueError naming the tag: the Doover wire is strict
  JSON (the agent refuses them too), so the error surfaces where the value is set.
* ``None`` deletes a tag (a merge-patch ``None``): ``get()`` returns the default afterwards,
  ``snapshot()`` omits it, and the next commit carries ``None`` so the aggregate drops it too.
* Values from outside the app (:meth:`TagStore.load`, :meth:`TagStore.replace`,
  :meth:`TagStore.apply_remote`) never raise: what cannot be taken (a bad shape or key, a value
  that does not fit the tag's declared type, see :meth:`TagStore.declare_types`) is set aside,
  logged naming channel, app, tag and value, and kept in :attr:`TagStore.set_aside`.
* The first use of a top-level key decides whether it is a global tag or an app section; using it
  the other way later is a ValueError. Tag ids are never reused (a deleted tag keeps its slot),
  so ``capacity`` bounds the number of distinct (app_key, tag) names ever used.

Thread-safety: every method runs on the scan thread, except :meth:`TagStore.post_from_thread`,
which producer threads call (they are serialised by a lock, so the C ring keeps its single
producer). Posted values become visible at the next :meth:`drain` or :meth:`commit`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, NamedTuple

from doover_fsm._core import tagring as _c
from doover_fsm.clock import Clock, MonotonicClock
from doover_fsm.errors import DooverFSMError
from doover_fsm.tags.types import TypeTable, describe_type, fits

__all__ = ["Commit", "LoggedPoint", "SetAside", "TagCapacityError", "TagStore", "TagStoreStats"]

log = logging.getLogger("doover_fsm.tags")
#: Where values from outside come from, as set-aside records and log lines name it.
STORED = "channel 'tag_values' (stored)"
REMOTE = "channel 'tag_values' (remote write)"
SYNC = "channel 'tag_values' (sync)"

KEY_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1
_INF = math.inf
_ABSENT, _BOOL, _INT, _DOUBLE, _REF = _c.ABSENT, _c.BOOL, _c.INT, _c.DOUBLE, _c.REF
_FORCE, _LOG, _QUIET = _c.FORCE, _c.LOG, _c.QUIET
_MISSING: Any = object()
_pack_d = struct.Struct("<d").pack


class TagCapacityError(DooverFSMError, RuntimeError):
    """The tag store has no free tag slot left; names the tag that did not fit."""


class LoggedPoint(NamedTuple):
    """One ``log=True`` write, in write order. ``ts`` is unix seconds, ``ts_ns`` the same in ns.

    A NamedTuple (immutable) rather than a frozen dataclass: commits build thousands of them.
    """

    app_key: str | None
    name: str
    value: Any
    ts: float
    ts_ns: int


class SetAside(NamedTuple):
    """A value from outside that the store did not take: where from, which app and tag, what, and why.

    ``name`` is None when a whole app section (or the whole aggregate, ``app_key`` None too) was
    set aside. The tag keeps its previous value, or starts from its default at load.
    """

    source: str
    app_key: str | None
    name: str | None
    value: Any
    reason: str

    def describe(self) -> str:
        where = self.source
        if self.app_key is not None:
            where += f", app {self.app_key!r}"
        if self.name is not None:
            where += f", tag {self.name!r}"
        try:
            shown = json.dumps(self.value, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"{where}: value {shown} set aside: {self.reason}"


@dataclass(frozen=True, slots=True)
class Commit:
    """What changed since the previous commit: a ``tag_values`` merge-patch and the logged points."""

    patch: dict[str, Any]
    logged: list[LoggedPoint]


@dataclass(frozen=True, slots=True)
class TagStoreStats:
    tags: int            # distinct (app_key, tag) names allocated (deleted ones included)
    present: int         # tags that currently have a value
    capacity: int
    pending: int         # tags changed since the last commit
    ring_capacity: int
    ring_depth: int      # producer records not yet drained
    ring_peak: int       # high-water mark of ring_depth
    ring_posted: int     # producer records accepted
    ring_drops: int      # producer records dropped because the ring was full
    log_capacity: int
    log_depth: int
    log_peak: int
    log_drops: int       # log points dropped because the log ring was full
    commits: int
    set_aside: int = 0   # values from outside not taken (bad stored aggregate, remote writes of a wrong type)


def _where(app_key: str | None, name: str) -> str:
    return name if app_key is None else f"{app_key}/{name}"


def _check_key(key: object, what: str) -> str:
    if type(key) is not str or not KEY_RE.fullmatch(key):
        raise ValueError(f"invalid {what} {key!r}: must be a non-empty string matching ^[a-zA-Z0-9_-]+$")
    return key


def _copy_value(value: Any, where: str) -> Any:
    """Validate a JSON value and return a private deep copy (tuples become lists)."""
    t = type(value)
    if t is str or t is bool or value is None:
        return value
    if t is int:
        return value
    if t is float:
        if -_INF < value < _INF:
            return value
        raise ValueError(f"tag {where}: {value!r} is not JSON (NaN/Infinity are not allowed)")
    if t is list or t is tuple:
        return [_copy_value(v, where) for v in value]
    if t is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise TypeError(f"tag {where}: dict key {k!r} is not a str (not JSON)")
            out[k] = _copy_value(v, where)
        return out
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _copy_value(float(value), where)
    raise TypeError(f"tag {where}: value of type {t.__name__} is not JSON-able")


def _copy_out(value: Any) -> Any:
    """Deep copy of an already validated stored value (containers only need copying)."""
    t = type(value)
    if t is list:
        return [_copy_out(v) for v in value]
    if t is dict:
        return {k: _copy_out(v) for k, v in value.items()}
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values and of the same types throughout (True != 1, 0.0 != -0.0)."""
    t = type(a)
    if t is not type(b):
        return False
    if t is float:
        return _pack_d(a) == _pack_d(b)
    if t is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if t is dict:
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    return bool(a == b)


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 merge-patch (None deletes, dicts merge, anything else replaces). Never aliases."""
    if type(patch) is not dict:
        return _copy_out(patch)
    out = dict(target) if type(target) is dict else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = _merge_patch(out.get(k), v)
    return out


class TagStore:
    """Tag values for all apps, in the C tag table. Scan thread only, except ``post_from_thread``."""

    def __init__(self, capacity: int = 4096, ring_capacity: int = 4096, clock: Clock | None = None,
                 *, log_capacity: int = 4096) -> None:
        for what, n, top in (("capacity", capacity, _c.TABLE_CAPACITY_MAX),
                             ("ring_capacity", ring_capacity, _c.RING_CAPACITY_MAX),
                             ("log_capacity", log_capacity, _c.TABLE_CAPACITY_MAX)):
            if type(n) is not int or not 0 < n <= top:
                raise ValueError(f"TagStore: {what} must be an int in 1..{top}, got {n!r}")
        self._table = _c.TagTable(capacity, log_capacity)
        self._ring = _c.TagRing(ring_capacity)
        self._capacity = capacity
        self._ring_capacity = ring_capacity
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        if type(self._clock) is MonotonicClock:
            self._now_ns = time.time_ns
        else:
            wall = self._clock.time
            self._now_ns = lambda: round(wall() * 1e9)
        # Hot path: raw cffi entry points and the table handle.
        self._tp = self._table.ptr
        self._c_set_i64 = self._table.c_set_i64
        self._c_set_f64 = self._table.c_set_f64
        self._c_get = self._table.c_get
        self._gi = self._table.ival_out
        self._gf = self._table.fval_out
        self._changed_batch = _c.TagBatch(capacity)
        self._log_batch = _c.TagBatch(log_capacity)
        # Names: (app_key, name) <-> id. Allocation may come from a producer thread: locked.
        self._ids: dict[tuple[str | None, str], int] = {}
        self._keys: list[tuple[str | None, str]] = []
        self._apps: dict[str, list[int]] = {}
        self._globals: set[str] = set()
        self._alloc_lock = threading.Lock()
        # Side tables: current REF values by id; REF values of pending log points by log payload.
        self._objs: dict[int, Any] = {}
        self._log_objs: list[Any] = []
        # Producer side: REF values posted but not yet drained, keyed by a producer sequence.
        self._post_lock = threading.Lock()
        self._posted: dict[int, Any] = {}
        self._post_seq = 0
        self._commits = 0
        # Values from outside that were not taken (newest last) and the declared types they are checked by.
        self.set_aside: deque[SetAside] = deque(maxlen=100)
        self._set_aside_count = 0
        self._types: TypeTable | None = None

    # ---- names ---------------------------------------------------------------------------------
    def _new_id(self, app_key: str | None, name: str) -> int:
        with self._alloc_lock:
            key = (app_key, name)
            tid = self._ids.get(key)
            if tid is not None:
                return tid
            _check_key(name, "tag name")
            if app_key is None:
                if name in self._apps:
                    raise ValueError(f"global tag {name!r} collides with the app section {name!r}")
            else:
                _check_key(app_key, "app_key")
                if app_key in self._globals:
                    raise ValueError(f"app section {app_key!r} collides with the global tag {app_key!r}")
            tid = len(self._keys)
            if tid >= self._capacity:
                raise TagCapacityError(
                    f"tag store is full ({self._capacity} tags): cannot add tag {_where(app_key, name)!r}")
            self._keys.append(key)
            if app_key is None:
                self._globals.add(name)
            else:
                self._apps.setdefault(app_key, []).append(tid)
            self._ids[key] = tid  # published last: other threads look names up without the lock
            return tid

    def _is_section(self, key: str, value: Any) -> bool:
        if key in self._apps:
            return True
        if key in self._globals:
            return False
        return type(value) is dict

    # ---- scan-thread writes --------------------------------------------------------------------
    def set(self, app_key: str | None, name: str, value: Any, *, only_if_changed: bool = True,
            log: bool = False) -> bool:
        """Write a tag (``app_key`` None: a global tag). Visible to ``get`` at once.

        Returns True when the write is marked for the next commit: the value changed, or
        ``only_if_changed=False``. With ``log=True`` a marked write is also a logged point.
        """
        tid = self._ids.get((app_key, name))
        if tid is None:
            tid = self._new_id(app_key, name)
        flags = 0 if only_if_changed else _FORCE
        if log:
            flags |= _LOG
        t = type(value)
        if t is float and -_INF < value < _INF:
            rc = self._c_set_f64(self._tp, tid, flags, self._now_ns(), value)
        elif t is int and _I64_MIN <= value <= _I64_MAX:
            rc = self._c_set_i64(self._tp, tid, _INT, flags, self._now_ns(), value)
        elif t is bool:
            rc = self._c_set_i64(self._tp, tid, _BOOL, flags, self._now_ns(), value)
        else:
            return self._write(tid, value, flags, self._now_ns()) == 1
        if rc < 0:
            _c.raise_for(f"TagStore.set({_where(app_key, name)!r})")
        if rc and self._objs:
            self._objs.pop(tid, None)
        return rc == 1

    def _write(self, tid: int, value: Any, flags: int, ts_ns: int) -> int:
        """The general write path (any value, any flags). Returns the C result (1 = marked)."""
        if value is None:
            rc = self._c_set_i64(self._tp, tid, _ABSENT, flags, ts_ns, 0)
        else:
            app_key, name = self._keys[tid]
            value = _copy_value(value, _where(app_key, name))
            t = type(value)
            if t is float:
                rc = self._c_set_f64(self._tp, tid, flags, ts_ns, value)
            elif t is bool:
                rc = self._c_set_i64(self._tp, tid, _BOOL, flags, ts_ns, value)
            elif t is int and _I64_MIN <= value <= _I64_MAX:
                rc = self._c_set_i64(self._tp, tid, _INT, flags, ts_ns, value)
            else:
                return self._write_ref(tid, value, flags, ts_ns)
        if rc < 0:
            _c.raise_for(f"TagStore: write of tag {_where(*self._keys[tid])!r}")
        if rc:
            self._objs.pop(tid, None)
        return int(rc)

    def _write_ref(self, tid: int, value: Any, flags: int, ts_ns: int) -> int:
        if not flags & _FORCE and self._c_get(self._tp, tid, self._gi, self._gf) == _REF \
                and _same(self._objs[tid], value):
            return 0
        payload = 0
        if flags & _LOG and not flags & _QUIET:
            payload = len(self._log_objs)
            self._log_objs.append(value)
        rc = self._c_set_i64(self._tp, tid, _REF, flags, ts_ns, payload)
        if rc < 0:
            _c.raise_for(f"TagStore: write of tag {_where(*self._keys[tid])!r}")
        self._objs[tid] = value
        return int(rc)

    # ---- reads ---------------------------------------------------------------------------------
    def get(self, app_key: str | None, name: str, default: Any = None) -> Any:
        """The tag's value (a private copy for lists/dicts), or ``default`` if it has none."""
        tid = self._ids.get((app_key, name))
        if tid is None:
            return default
        t = self._c_get(self._tp, tid, self._gi, self._gf)
        if t == _INT:
            return self._gi[0]
        if t == _DOUBLE:
            return self._gf[0]
        if t == _BOOL:
            return self._gi[0] == 1
        if t == _REF:
            v = self._objs[tid]
            return _copy_out(v) if type(v) is list or type(v) is dict else v
        return default

    def _decode(self, tid: int, t: int, i: int, f: float) -> Any:
        if t == _INT:
            return i
        if t == _DOUBLE:
            return f
        if t == _BOOL:
            return i == 1
        if t == _REF:
            return _copy_out(self._objs[tid])
        return None

    def snapshot(self) -> dict[str, Any]:
        """The whole ``tag_values`` aggregate as this store sees it (drained records included)."""
        out: dict[str, Any] = {}
        n_ids = len(self._keys)
        first = 0
        batch = self._changed_batch
        while first < n_ids:
            n = min(self._table.read(first, batch), n_ids - first)
            ids, types, iv, fv = batch.unpack(n)
            for tid, t, i, f in zip(ids, types, iv, fv, strict=True):
                if t == _ABSENT:
                    continue
                app_key, name = self._keys[tid]
                v = self._decode(tid, t, i, f)
                if app_key is None:
                    out[name] = v
                else:
                    out.setdefault(app_key, {})[name] = v
            first += n
        return out

    # ---- producer thread -----------------------------------------------------------------------
    def post_from_thread(self, app_key: str | None, name: str, value: Any, *, log: bool = False) -> bool:
        """Hand a value to the scan thread through the C ring (never blocks).

        Returns False if the ring was full (the value is dropped and counted in statistics).
        Applied at the next ``drain()``/``commit()`` with ``only_if_changed=True`` semantics.
        Thread-safe (producer threads are serialised).
        """
        tid = self._ids.get((app_key, name))
        if tid is None:
            tid = self._new_id(app_key, name)
        flags = _LOG if log else 0
        ts = self._now_ns()
        ring = self._ring
        if value is not None:
            value = _copy_value(value, _where(app_key, name))
        t = type(value)
        with self._post_lock:
            if value is None:
                return ring.post_i64(tid, _ABSENT, flags, ts, 0)
            if t is float:
                return ring.post_f64(tid, flags, ts, value)
            if t is bool:
                return ring.post_i64(tid, _BOOL, flags, ts, value)
            if t is int and _I64_MIN <= value <= _I64_MAX:
                return ring.post_i64(tid, _INT, flags, ts, value)
            seq = self._post_seq
            self._post_seq = seq + 1
            self._posted[seq] = value  # stored before the record is published
            if ring.post_i64(tid, _REF, flags, ts, seq):
                return True
            del self._posted[seq]
            return False

    def drain(self) -> int:
        """Apply the producer records posted so far (scan start). Returns how many were consumed.

        Bounded: at most ``ring_capacity`` records per call, so a busy producer cannot stall a scan.
        """
        budget = self._ring_capacity
        total = 0
        while budget > 0:
            n, held = self._ring.drain_into(self._table, budget)
            total += n
            budget -= n
            if held is None:
                break
            self._write(held.id, self._posted.pop(int(held.value)), held.flags & _LOG, held.ts_ns)
        return total

    # ---- commit --------------------------------------------------------------------------------
    def commit(self) -> Commit:
        """Drain the ring, then return everything changed since the last commit and clear the flags."""
        self.drain()
        patch: dict[str, Any] = {}
        v: Any  # an int, float, bool, copied JSON value or None, by the tag's type
        batch = self._changed_batch
        n = self._table.collect_changed(batch)  # the one C call that collects changed ids
        if n:
            keys = self._keys
            objs = self._objs
            ids, types, iv, fv = batch.unpack(n)
            for tid, t, i, f in zip(ids, types, iv, fv, strict=True):
                if t == _INT:
                    v = i
                elif t == _DOUBLE:
                    v = f
                elif t == _BOOL:
                    v = i == 1
                elif t == _REF:
                    v = _copy_out(objs[tid])
                else:
                    v = None
                app_key, name = keys[tid]
                if app_key is None:
                    patch[name] = v
                else:
                    section = patch.get(app_key)
                    if section is None:
                        section = patch[app_key] = {}
                    section[name] = v
        logged: list[LoggedPoint] = []
        m = self._table.collect_logged(self._log_batch)
        if m:
            ids, types, iv, fv = self._log_batch.unpack(m)
            tss = self._log_batch.unpack_ts(m)
            log_objs = self._log_objs
            keys = self._keys
            for tid, t, i, f, ts in zip(ids, types, iv, fv, tss, strict=True):
                if t == _INT:
                    v = i
                elif t == _DOUBLE:
                    v = f
                elif t == _BOOL:
                    v = i == 1
                elif t == _REF:
                    v = _copy_out(log_objs[i])
                else:
                    v = None
                app_key, name = keys[tid]
                logged.append(LoggedPoint(app_key, name, v, ts / 1e9, ts))
        self._log_objs.clear()
        self._commits += 1
        return Commit(patch, logged)

    # ---- outside updates -----------------------------------------------------------------------
    def declare_types(self, table: TypeTable | None) -> None:
        """Check values from outside (``load``, ``replace``, ``apply_remote``) against declared types.

        ``table()`` gives ``{(app_key, tag): type}`` (see :func:`doover_fsm.tags.types.declared_types`);
        it is asked once per load or remote patch. None: take any JSON value.
        """
        self._types = table

    def reserve_section(self, app_key: str) -> None:
        """Mark ``app_key`` as an app's section before it has tags, so a stored or remote scalar
        under that key is set aside instead of being taken as a global tag."""
        with self._alloc_lock:
            _check_key(app_key, "app_key")
            if app_key in self._globals:
                raise ValueError(f"app section {app_key!r} collides with the global tag {app_key!r}")
            self._apps.setdefault(app_key, [])

    def _type_table(self) -> dict[tuple[str | None, str], str]:
        if self._types is None:
            return {}
        try:
            return dict(self._types())
        except Exception:  # a broken declaration must not stop tag updates
            log.exception("tag types could not be read; values from outside are taken unchecked")
            return {}

    def _aside(self, out: list[SetAside], source: str, app_key: str | None, name: str | None, value: Any,
               reason: str) -> None:
        record = SetAside(source, app_key, name, value, reason)
        out.append(record)
        self.set_aside.append(record)
        self._set_aside_count += 1
        log.warning("%s", record.describe())

    def _outside_value(self, out: list[SetAside], source: str, types: dict[tuple[str | None, str], str],
                       app_key: str | None, name: Any, value: Any) -> Any:
        """``value`` as the tag will hold it, or _MISSING (set aside, logged) if it cannot be taken."""
        try:
            _check_key(name, "tag name")
            if app_key is None and name in self._apps:
                raise ValueError(f"{name!r} is an app's section, not a global tag")
            if app_key is not None and app_key in self._globals:
                raise ValueError(f"{app_key!r} is a global tag, not an app's section")
            copied = None if value is None else _copy_value(value, _where(app_key, name))
        except (TypeError, ValueError) as exc:
            self._aside(out, source, app_key, name if isinstance(name, str) else repr(name), value, str(exc))
            return _MISSING
        tag_type = types.get((app_key, name))
        if tag_type is not None and not fits(tag_type, copied):
            self._aside(out, source, app_key, name, value, f"the tag is declared {tag_type!r} and takes "
                        f"{describe_type(tag_type)}")
            return _MISSING
        return copied

    def _outside_sections(self, out: list[SetAside], source: str,
                          aggregate: Any) -> list[tuple[str | None, str | None, Any]]:
        """The ``(app_key, name, value)`` items of an outside aggregate/patch that have a usable shape.

        ``name`` None with an ``app_key`` is a whole section set to null. Bad shapes are set aside.
        """
        if type(aggregate) is not dict:
            self._aside(out, source, None, None, aggregate, "tag_values must be a JSON object")
            return []
        items: list[tuple[str | None, str | None, Any]] = []
        for key, value in aggregate.items():
            try:
                _check_key(key, "aggregate key")
            except ValueError as exc:
                self._aside(out, source, None, repr(key), value, str(exc))
                continue
            if self._is_section(key, value):
                if value is None:
                    items.append((key, None, None))
                elif type(value) is dict:
                    items.extend((key, name, v) for name, v in value.items())
                else:
                    self._aside(out, source, key, None, value,
                                "an app's tags must be a JSON object (null deletes them)")
            else:
                items.append((None, key, value))
        return items

    def load(self, aggregate: Any) -> list[SetAside]:
        """Seed from a stored ``tag_values`` aggregate without marking anything for commit.

        Never fails on what is stored: a value that cannot be taken (the aggregate not an object,
        an app's section not an object, a bad key, a value of the wrong declared type) is set
        aside and logged, and that tag starts from its default. Returns what was set aside.
        """
        out: list[SetAside] = []
        ts = self._now_ns()
        types = self._type_table()
        for app_key, name, value in self._outside_sections(out, STORED, aggregate):
            if name is None:
                for tid in self._apps.get(app_key or "", ()):
                    self._write(tid, None, _QUIET, ts)
                continue
            taken = self._outside_value(out, STORED, types, app_key, name, value)
            if taken is not _MISSING:
                self._take(out, STORED, app_key, name, taken, ts)
        return out

    def _take(self, out: list[SetAside], source: str, app_key: str | None, name: str, value: Any,
              ts: int) -> int | None:
        """Write an already checked outside value (not marked for commit); None if there is no room."""
        try:
            tid = self._id_for(app_key, name)
        except (TagCapacityError, ValueError) as exc:
            self._aside(out, source, app_key, name, value, str(exc))
            return None
        self._write(tid, value, _QUIET, ts)
        return tid

    def replace(self, aggregate: Any, *, keep_pending: bool = False) -> list[SetAside]:
        """Make the store hold exactly ``aggregate`` (a whole ``tag_values``), not marked for commit.

        With ``keep_pending`` a tag written locally and not committed yet keeps its value (the
        agent's copy is older than the scan's write). Used when the whole aggregate is adopted.
        What cannot be taken is set aside and logged, as in :meth:`load`; an aggregate that is
        not an object changes nothing.
        """
        out: list[SetAside] = []
        items = self._outside_sections(out, STORED, aggregate)
        if type(aggregate) is not dict:
            return out
        ts = self._now_ns()
        types = self._type_table()
        keep: set[int] = set()
        for app_key, name, value in items:
            if name is None:
                continue
            taken = self._outside_value(out, STORED, types, app_key, name, value)
            if taken is _MISSING:
                tid = self._ids.get((app_key, name))
                if tid is not None:
                    keep.add(tid)  # a refused value keeps the tag's previous value
                continue
            tid = self._ids.get((app_key, name))
            if tid is not None and keep_pending and self._table.is_pending(tid):
                keep.add(tid)
                continue
            written = self._take(out, STORED, app_key, name, taken, ts)
            if written is not None:
                keep.add(written)
        for tid in range(len(self._keys)):
            if tid not in keep and not (keep_pending and self._table.is_pending(tid)):
                self._write(tid, None, _QUIET, ts)
        return out

    def knows(self, app_key: str | None, name: str) -> bool:
        """True if this tag name was ever used (written, loaded or deleted) in this store."""
        return (app_key, name) in self._ids

    def is_section(self, key: str) -> bool:
        """True if ``key`` names an app section (``{app_key: {tag: value}}``) of ``tag_values``."""
        return key in self._apps

    def is_global(self, key: str) -> bool:
        """True if ``key`` names a global tag (one that was ever written)."""
        return key in self._globals

    def section(self, app_key: str) -> dict[str, Any] | None:
        """The current tags of one app as a new dict, or None if that app has none."""
        ids = self._apps.get(app_key)
        if not ids:
            return None
        out: dict[str, Any] = {}
        for tid in ids:
            name = self._keys[tid][1]
            value = self.get(app_key, name, _MISSING)
            if value is not _MISSING:
                out[name] = value
        return out or None

    def _id_for(self, app_key: str | None, name: str) -> int:
        tid = self._ids.get((app_key, name))
        return self._new_id(app_key, name) if tid is None else tid

    def apply_remote(self, patch: Any, *, source: str = REMOTE) -> list[tuple[str | None, str, Any, Any]]:
        """Apply a deep merge-patch of ``tag_values`` from outside (None deletes).

        Tag values that are dicts are merged recursively (RFC 7386). Not marked for commit.
        A tag written locally and not committed yet keeps the local value: the scan's write is
        newer than anything the agent can hand back before the commit (e.g. the channel's first
        sync, taken before ``setup`` ran). A value that does not fit (a bad key, an app's tags
        replaced by a non-object, a value of the wrong declared type, see :meth:`declare_types`)
        is refused: the tag keeps its value, and the refusal is logged and kept in
        :attr:`set_aside` under ``source`` (what the log names as where the value came from).
        Returns ``(app_key, name, old, new)`` for every tag whose value really changed
        (``old``/``new`` is None when the tag had/has no value).
        """
        out: list[SetAside] = []
        changes: list[tuple[str | None, str, Any, Any]] = []
        ts = self._now_ns()
        items = self._outside_sections(out, source, patch)
        types = self._type_table() if items else {}
        for app_key, name, value in items:
            if name is None:
                for tid in list(self._apps.get(app_key or "", ())):
                    self._remote_set(out, source, types, app_key, self._keys[tid][1], None, ts, changes)
            else:
                self._remote_set(out, source, types, app_key, name, value, ts, changes)
        return changes

    def _remote_set(self, out: list[SetAside], source: str, types: dict[tuple[str | None, str], str],
                    app_key: str | None, name: str, patch_value: Any, ts: int,
                    changes: list[tuple[str | None, str, Any, Any]]) -> None:
        tid = self._ids.get((app_key, name))
        if tid is not None and self._table.is_pending(tid):
            return  # an uncommitted local write wins; the next commit publishes it
        old = self.get(app_key, name, _MISSING) if isinstance(name, str) else _MISSING
        if patch_value is None:
            if old is _MISSING:
                return
            new = None
        else:
            merged = _merge_patch(None if old is _MISSING else old, patch_value)
            new = self._outside_value(out, source, types, app_key, name, merged)
            if new is _MISSING or (old is not _MISSING and _same(old, new)):
                return
        if self._take(out, source, app_key, name, new, ts) is None:
            return
        changes.append((app_key, name, None if old is _MISSING else old, _copy_out(new)))

    # ---- introspection -------------------------------------------------------------------------
    def statistics(self) -> TagStoreStats:
        ts = self._table.statistics()
        rs = self._ring.statistics()
        return TagStoreStats(
            tags=len(self._keys), present=ts.present, capacity=self._capacity, pending=ts.pending,
            ring_capacity=rs.capacity, ring_depth=rs.depth, ring_peak=rs.peak, ring_posted=rs.posted,
            ring_drops=rs.dropped, log_capacity=ts.log_capacity, log_depth=ts.log_depth,
            log_peak=ts.log_peak, log_drops=ts.log_drops, commits=self._commits,
            set_aside=self._set_aside_count,
        )

    def close(self) -> None:
        """Free the C table and ring now (otherwise freed when the store is collected)."""
        with self._post_lock:
            self._ring.close()
        self._table.close()
        self._tp = self._table.ptr  # NULL now: a later call raises InternalError instead of crashing
