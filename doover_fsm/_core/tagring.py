"""Typed wrapper over the C tag table and tag ring (``csrc/dfsm_tagring.h``).

This is the one module that imports the compiled ``_tagring`` lib. It stays thin: handles with
their lifetime (``close()``; the C object is also freed when the wrapper is collected), batches
as parallel arrays, stats as frozen dataclasses, and errno/contract failures mapped to
exceptions in one place. The hot paths (``set_i64``, ``set_f64``, ``get``, ``post_*``) return the
C result code unchanged so callers pay one cffi call; they call :func:`raise_for` on a negative one.

Thread-safety: a :class:`TagTable` belongs to one thread (the scan thread). A :class:`TagRing`
has one producer side (``post*``, one thread at a time) and one consumer side (``pop``,
``drain_into``; the scan thread). ``statistics()`` of a ring may be called from any thread.
"""

from __future__ import annotations

import errno as _errno
from dataclasses import dataclass

from doover_fsm._core._tagring import ffi, lib
from doover_fsm.errors import InternalError, error_from_errno

__all__ = [
    "ABSENT",
    "BOOL",
    "DOUBLE",
    "FORCE",
    "INT",
    "LOG",
    "QUIET",
    "REF",
    "VOID",
    "Record",
    "RingStats",
    "TableStats",
    "TagBatch",
    "TagRing",
    "TagTable",
    "contract_violations",
    "raise_for",
]

VOID: int = lib.DFSM_TAG_VOID
ABSENT: int = lib.DFSM_TAG_ABSENT
BOOL: int = lib.DFSM_TAG_BOOL
INT: int = lib.DFSM_TAG_INT
DOUBLE: int = lib.DFSM_TAG_DOUBLE
REF: int = lib.DFSM_TAG_REF
FORCE: int = lib.DFSM_SET_FORCE
LOG: int = lib.DFSM_SET_LOG
QUIET: int = lib.DFSM_SET_QUIET
TABLE_CAPACITY_MAX: int = lib.DFSM_TAGTABLE_CAPACITY_MAX
RING_CAPACITY_MAX: int = lib.DFSM_TAGRING_CAPACITY_MAX


def contract_violations() -> int:
    """How many contract violations the C core has recorded in this process."""
    return int(lib.dfsm_contract_last(ffi.NULL))


def raise_for(what: str) -> None:
    """Raise the exception for the C call that just returned -1 (reads cffi's saved errno)."""
    err = ffi.errno
    if err == _errno.ENOTRECOVERABLE:
        v = ffi.new("struct dfsm_contract_violation *")
        lib.dfsm_contract_last(v)
        detail = "unknown"
        if v.module != ffi.NULL:
            detail = (f"{ffi.string(v.module).decode()} #{v.id}: {ffi.string(v.expr).decode()} "
                      f"({ffi.string(v.file).decode()}:{v.line})")
        raise InternalError(f"{what}: C core contract violated: {detail}")
    raise error_from_errno(err, f"{what}: {_errno.errorcode.get(err, err)}")


@dataclass(frozen=True, slots=True)
class TableStats:
    capacity: int
    present: int
    pending: int
    log_capacity: int
    log_depth: int
    log_peak: int
    log_drops: int


@dataclass(frozen=True, slots=True)
class RingStats:
    capacity: int
    depth: int
    peak: int
    posted: int
    dropped: int
    consumed: int


@dataclass(frozen=True, slots=True)
class Record:
    """One ring record as Python values (``value`` is int for BOOL/INT/REF/ABSENT, float for DOUBLE)."""

    id: int
    type: int
    flags: int
    ts_ns: int
    value: int | float


class TagBatch:
    """Caller-owned parallel arrays for the batch calls. Not thread-safe."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"TagBatch: capacity must be > 0, got {capacity!r}")
        self.capacity = capacity
        self._ids = ffi.new("uint32_t[]", capacity)
        self._types = ffi.new("uint8_t[]", capacity)
        self._ival = ffi.new("int64_t[]", capacity)
        self._fval = ffi.new("double[]", capacity)
        self._ts = ffi.new("int64_t[]", capacity)
        b = ffi.new("struct dfsm_tag_batch *")
        b.ids, b.types, b.ival, b.fval, b.ts_ns = self._ids, self._types, self._ival, self._fval, self._ts
        b.capacity = capacity
        self.c = b

    def fill(self, ids: list[int], types: list[int], ival: list[int], fval: list[float]) -> None:
        """Load entries for ``TagTable.set_batch`` (same length lists; ts taken from the call)."""
        n = len(ids)
        if not (n == len(types) == len(ival) == len(fval)) or n > self.capacity:
            raise ValueError(f"TagBatch.fill: {n} entries do not fit capacity {self.capacity} or lengths differ")
        self._ids[0:n] = ids
        self._types[0:n] = types
        self._ival[0:n] = ival
        self._fval[0:n] = fval
        self.c.count = n

    def unpack(self, n: int) -> tuple[list[int], list[int], list[int], list[float]]:
        """The first ``n`` entries as lists: ids, types, ival, fval."""
        return (ffi.unpack(self._ids, n), ffi.unpack(self._types, n), ffi.unpack(self._ival, n),
                ffi.unpack(self._fval, n))

    def unpack_ts(self, n: int) -> list[int]:
        """The first ``n`` timestamps (ns)."""
        return ffi.unpack(self._ts, n)


class TagTable:
    """The C tag table: ids 0..capacity-1, change flags, a log ring. Not thread-safe (scan thread)."""

    def __init__(self, capacity: int, log_capacity: int) -> None:
        ptr = lib.dfsm_tagtable_create(capacity, log_capacity)
        if ptr == ffi.NULL:
            raise_for(f"TagTable(capacity={capacity}, log_capacity={log_capacity})")
        self.ptr = ffi.gc(ptr, lib.dfsm_tagtable_destroy)
        self.capacity = capacity
        self.log_capacity = log_capacity
        # Hot-path entry points: the raw cffi functions (first argument: self.ptr).
        self.c_set_i64 = lib.dfsm_tagtable_set_i64
        self.c_set_f64 = lib.dfsm_tagtable_set_f64
        self.c_get = lib.dfsm_tagtable_get
        # Scratch outputs for c_get (this table's thread only).
        self.ival_out = ffi.new("int64_t[1]")
        self.fval_out = ffi.new("double[1]")

    def close(self) -> None:
        """Free the C table now. Later calls see a NULL handle: InternalError, never a crash."""
        if self.ptr != ffi.NULL:
            ffi.release(self.ptr)
            self.ptr = ffi.NULL

    def set_i64(self, tag_id: int, type_: int, flags: int, ts_ns: int, value: int) -> bool:
        rc = lib.dfsm_tagtable_set_i64(self.ptr, tag_id, type_, flags, ts_ns, value)
        if rc < 0:
            raise_for(f"TagTable.set_i64(id={tag_id})")
        return rc == 1

    def set_f64(self, tag_id: int, flags: int, ts_ns: int, value: float) -> bool:
        rc = lib.dfsm_tagtable_set_f64(self.ptr, tag_id, flags, ts_ns, value)
        if rc < 0:
            raise_for(f"TagTable.set_f64(id={tag_id})")
        return rc == 1

    def get(self, tag_id: int) -> tuple[int, int | float]:
        """(type, value) of one tag; value is a float for DOUBLE, else an int."""
        ival = ffi.new("int64_t *")
        fval = ffi.new("double *")
        t = lib.dfsm_tagtable_get(self.ptr, tag_id, ival, fval)
        if t < 0:
            raise_for(f"TagTable.get(id={tag_id})")
        return t, (fval[0] if t == DOUBLE else ival[0])

    def is_pending(self, tag_id: int) -> bool:
        """True if the tag has a local write not yet collected by ``collect_changed``."""
        rc = lib.dfsm_tagtable_is_pending(self.ptr, tag_id)
        if rc < 0:
            raise_for("TagTable.is_pending")
        return rc == 1

    def set_batch(self, batch: TagBatch, flags: int, ts_ns: int) -> int:
        """Write the filled batch in order; returns how many writes marked a change."""
        n = lib.dfsm_tagtable_set_batch(self.ptr, batch.c, flags, ts_ns)
        if n < 0:
            raise_for("TagTable.set_batch")
        return int(n)

    def collect_changed(self, batch: TagBatch) -> int:
        """Move changed tags into ``batch`` and clear their flags; returns the count (one C call)."""
        n = lib.dfsm_tagtable_collect_changed(self.ptr, batch.c)
        if n < 0:
            raise_for("TagTable.collect_changed")
        return int(n)

    def collect_logged(self, batch: TagBatch) -> int:
        """Move log points (oldest first) into ``batch``; returns the count."""
        n = lib.dfsm_tagtable_collect_logged(self.ptr, batch.c)
        if n < 0:
            raise_for("TagTable.collect_logged")
        return int(n)

    def read(self, first_id: int, batch: TagBatch) -> int:
        """Read ids first_id.. into ``batch`` without touching change flags; returns the count."""
        n = lib.dfsm_tagtable_read(self.ptr, first_id, batch.c)
        if n < 0:
            raise_for("TagTable.read")
        return int(n)

    def statistics(self) -> TableStats:
        s = ffi.new("struct dfsm_tagtable_stats *")
        if lib.dfsm_tagtable_get_stats(self.ptr, s) < 0:
            raise_for("TagTable.statistics")
        return TableStats(s.capacity, s.present, s.pending, s.log_capacity, s.log_depth, s.log_peak,
                          s.log_drops)


class TagRing:
    """The C SPSC tag ring: one producer thread posts, the scan thread drains. Never blocks."""

    def __init__(self, capacity: int) -> None:
        ptr = lib.dfsm_tagring_create(capacity)
        if ptr == ffi.NULL:
            raise_for(f"TagRing(capacity={capacity})")
        self.ptr = ffi.gc(ptr, lib.dfsm_tagring_destroy)
        self.capacity = capacity
        self.c_post_i64 = lib.dfsm_tagring_post_i64
        self.c_post_f64 = lib.dfsm_tagring_post_f64
        self._held = ffi.new("struct dfsm_tag_record *")

    def close(self) -> None:
        """Free the C ring now (no thread may be posting). Later calls raise InternalError."""
        if self.ptr != ffi.NULL:
            ffi.release(self.ptr)
            self.ptr = ffi.NULL

    def post_i64(self, tag_id: int, type_: int, flags: int, ts_ns: int, value: int) -> bool:
        """Producer: False if the ring was full (the record was dropped and counted)."""
        if lib.dfsm_tagring_post_i64(self.ptr, tag_id, type_, flags, ts_ns, value) == 0:
            return True
        if ffi.errno == _errno.ENOBUFS:
            return False
        raise_for(f"TagRing.post_i64(id={tag_id})")
        return False  # pragma: no cover

    def post_f64(self, tag_id: int, flags: int, ts_ns: int, value: float) -> bool:
        """Producer: False if the ring was full (the record was dropped and counted)."""
        if lib.dfsm_tagring_post_f64(self.ptr, tag_id, flags, ts_ns, value) == 0:
            return True
        if ffi.errno == _errno.ENOBUFS:
            return False
        raise_for(f"TagRing.post_f64(id={tag_id})")
        return False  # pragma: no cover

    def pop(self) -> Record | None:
        """Consumer: the oldest record, or None when empty."""
        rec = ffi.new("struct dfsm_tag_record *")
        if lib.dfsm_tagring_pop(self.ptr, rec) < 0:
            if ffi.errno == _errno.EAGAIN:
                return None
            raise_for("TagRing.pop")
        value = rec.v.d if rec.type == DOUBLE else rec.v.i
        return Record(rec.id, rec.type, rec.flags, rec.ts_ns, value)

    def drain_into(self, table: TagTable, max_records: int) -> tuple[int, Record | None]:
        """Consumer: apply up to ``max_records`` records to ``table``.

        Returns (records consumed, the REF record that stopped the drain or None). The caller
        applies a held REF record itself (it owns the side table) and calls again.
        """
        held = self._held
        n = lib.dfsm_tagring_drain_into_table(self.ptr, table.ptr, max_records, held)
        if n < 0:
            raise_for("TagRing.drain_into")
        if held.type == VOID:
            return int(n), None
        return int(n), Record(held.id, held.type, held.flags, held.ts_ns, held.v.i)

    def statistics(self) -> RingStats:
        """Any thread. Exact when no producer is posting."""
        s = ffi.new("struct dfsm_tagring_stats *")
        if lib.dfsm_tagring_get_stats(self.ptr, s) < 0:
            raise_for("TagRing.statistics")
        return RingStats(s.capacity, s.depth, s.peak, s.posted, s.dropped, s.consumed)
