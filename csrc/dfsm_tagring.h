/*
 * dfsm_tagring.h - the tag table and the producer->scan tag ring of the doover_fsm C core.
 *
 * Two objects:
 *
 *   struct dfsm_tagtable  id -> (type, last value, changed flag, timestamp), plus a log ring that
 *                         keeps `log` points in order until commit. Capacity fixed at create.
 *   struct dfsm_tagring   a bounded single-producer/single-consumer ring of fixed-size records
 *                         (tag id, type, flags, timestamp, value), lock-free (C11 acquire/release).
 *                         It never blocks: a record that does not fit is dropped and counted.
 *
 * The C core knows nothing of Python objects: strings, big ints, lists, dicts and the like are
 * stored as DFSM_TAG_REF with a 64-bit payload the caller interprets (an index into its side table).
 * REF values are never compared in C: a REF write always counts as a change; the caller compares.
 *
 * Ownership: *_create() allocates everything the object will ever use; nothing allocates after
 * that. *_destroy() frees it; the caller owns the handle. Batches and records are caller storage.
 *
 * Errors: recoverable failures return -1 (NULL for create) and set errno (EINVAL: bad argument,
 * ENOBUFS: ring full, ENOMEM: create failed, EAGAIN: ring empty). Broken invariants (NULL handles,
 * corrupted indices) go through dfsm_contract_fail() and return -1 with errno = ENOTRECOVERABLE.
 *
 * Synchronization:
 *   - dfsm_tagtable_*: not thread-safe; one thread (the scan thread) uses a table.
 *   - dfsm_tagring_post*: the producer side; at most ONE thread at a time.
 *   - dfsm_tagring_pop / dfsm_tagring_drain_into_table: the consumer side; ONE thread at a time
 *     (the scan thread, which also owns the table it drains into).
 *   - dfsm_tagring_get_stats: any thread (atomic reads; exact when the ring is quiescent).
 *   - create/destroy: no concurrent use of the object.
 */
#ifndef DFSM_TAGRING_H
#define DFSM_TAGRING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Value types (entry and record `type`). */
#define DFSM_TAG_VOID   0 /* no record (e.g. nothing held back by a drain) */
#define DFSM_TAG_ABSENT 1 /* the tag has no value (never set, or deleted) */
#define DFSM_TAG_BOOL   2 /* ival is 0 or 1 */
#define DFSM_TAG_INT    3 /* ival */
#define DFSM_TAG_DOUBLE 4 /* fval, compared by bit pattern: 0.0 != -0.0, a NaN equals the same NaN */
#define DFSM_TAG_REF    5 /* ival is a caller payload (side-table index); always a change */

/* Write flags. */
#define DFSM_SET_FORCE 0x1 /* mark the tag changed even if the value is equal */
#define DFSM_SET_LOG   0x2 /* if the write counts as a change, append it to the log ring */
#define DFSM_SET_QUIET 0x4 /* update the value without marking a change (seeding, remote updates) */

/* Limits (capacities above these are EINVAL). */
#define DFSM_TAGTABLE_CAPACITY_MAX (1 << 24)
#define DFSM_TAGRING_CAPACITY_MAX  (1 << 24)

union dfsm_tag_bits {
	int64_t i;
	double d;
};

/* One ring/log record: 24 bytes. */
struct dfsm_tag_record {
	uint32_t id;
	uint8_t type;
	uint8_t flags;
	uint16_t reserved;
	int64_t ts_ns;
	union dfsm_tag_bits v;
};

/*
 * A batch of tags in parallel arrays (caller storage, `capacity` elements each). `fval` holds
 * the value of DFSM_TAG_DOUBLE entries, `ival` the others. `count` is the number in use.
 * `ts_ns` may be NULL where a function says so.
 */
struct dfsm_tag_batch {
	uint32_t *ids;
	uint8_t *types;
	int64_t *ival;
	double *fval;
	int64_t *ts_ns;
	size_t capacity;
	size_t count;
};

struct dfsm_tagtable_stats {
	size_t capacity;     /* tag ids 0 .. capacity-1 */
	size_t present;      /* entries whose type is not DFSM_TAG_ABSENT */
	size_t pending;      /* entries marked changed, not yet collected */
	size_t log_capacity;
	size_t log_depth;    /* log points waiting for collection */
	size_t log_peak;     /* high-water mark of log_depth */
	uint64_t log_drops;  /* log points dropped because the log ring was full */
};

struct dfsm_tagring_stats {
	size_t capacity;
	size_t depth;        /* records posted and not yet consumed */
	size_t peak;         /* high-water mark of depth (capacity - peak = low-water mark of free slots) */
	uint64_t posted;     /* records accepted */
	uint64_t dropped;    /* records refused because the ring was full */
	uint64_t consumed;   /* records popped or drained */
};

struct dfsm_tagtable;
struct dfsm_tagring;

/* ---- tag table (scan thread) ---------------------------------------------------------------- */

/* Create a table of `capacity` ids, all DFSM_TAG_ABSENT, and a log ring of `log_capacity`
 * points. NULL with errno EINVAL (capacity 0 or too big) or ENOMEM. */
struct dfsm_tagtable *dfsm_tagtable_create(size_t capacity, size_t log_capacity);

/* Free the table. NULL is a no-op. */
void dfsm_tagtable_destroy(struct dfsm_tagtable *table);

/*
 * Write a BOOL, INT, REF or ABSENT value (`value` ignored for ABSENT) with `flags`.
 * Returns 1 when the write marks the tag changed (value differs, or DFSM_SET_FORCE; with
 * DFSM_SET_QUIET: when the value differs, nothing is marked), 0 when not; -1 with EINVAL for an
 * id >= capacity or a bad type. A REF write always differs.
 */
int dfsm_tagtable_set_i64(struct dfsm_tagtable *table, uint32_t id, int type, unsigned flags,
			  int64_t ts_ns, int64_t value);

/* Write a DOUBLE value; same contract as dfsm_tagtable_set_i64. */
int dfsm_tagtable_set_f64(struct dfsm_tagtable *table, uint32_t id, unsigned flags, int64_t ts_ns,
			  double value);

/* Read one tag: returns its type (DFSM_TAG_ABSENT .. DFSM_TAG_REF) and stores the value in
 * *fval (DOUBLE) or *ival (others); -1 with EINVAL for a bad id. */
int dfsm_tagtable_get(const struct dfsm_tagtable *table, uint32_t id, int64_t *ival, double *fval);

/* 1 if tag `id` has a write waiting for the next collect_changed (a local change not yet
 * committed), 0 if not, -1 with errno = EINVAL for an id outside the table. Remote updates use
 * it so that they never overwrite a value the scan wrote but has not committed yet. */
int dfsm_tagtable_is_pending(const struct dfsm_tagtable *table, uint32_t id);

/*
 * Write batch->count tags from the batch arrays (ts_ns may be NULL: then `ts_ns` applies to all)
 * with `flags`, in order. All ids and types are checked first: on EINVAL nothing is written.
 * Returns the number of writes that marked a change.
 */
ssize_t dfsm_tagtable_set_batch(struct dfsm_tagtable *table, const struct dfsm_tag_batch *batch,
				unsigned flags, int64_t ts_ns);

/*
 * Move up to out->capacity changed tags (in the order they first changed) into `out`, with their
 * current type, value and timestamp (out->ts_ns may be NULL), and clear their changed flags.
 * Tags that did not fit stay pending. Returns out->count.
 */
ssize_t dfsm_tagtable_collect_changed(struct dfsm_tagtable *table, struct dfsm_tag_batch *out);

/* Move up to out->capacity log points (oldest first; out->ts_ns required) into `out`.
 * Returns out->count. */
ssize_t dfsm_tagtable_collect_logged(struct dfsm_tagtable *table, struct dfsm_tag_batch *out);

/* Read ids first_id .. first_id + out->capacity - 1 (clamped to the capacity) into `out`,
 * absent ones included, without touching change flags. Returns out->count. */
ssize_t dfsm_tagtable_read(const struct dfsm_tagtable *table, uint32_t first_id,
			   struct dfsm_tag_batch *out);

/* Fill *out. Returns 0 (-1/ENOTRECOVERABLE for NULL arguments). */
int dfsm_tagtable_get_stats(const struct dfsm_tagtable *table, struct dfsm_tagtable_stats *out);

/* ---- tag ring (one producer thread -> the scan thread) --------------------------------------- */

/* Create a ring of `capacity` records. NULL with errno EINVAL or ENOMEM. */
struct dfsm_tagring *dfsm_tagring_create(size_t capacity);

/* Free the ring. NULL is a no-op. */
void dfsm_tagring_destroy(struct dfsm_tagring *ring);

/* Producer: post a record. 0 on success; -1 with ENOBUFS when full (the record is dropped and
 * counted), EINVAL for a type that is not ABSENT/BOOL/INT/DOUBLE/REF. Never blocks. */
int dfsm_tagring_post(struct dfsm_tagring *ring, const struct dfsm_tag_record *rec);

/* Producer: post a BOOL/INT/REF/ABSENT value without building a record. As dfsm_tagring_post. */
int dfsm_tagring_post_i64(struct dfsm_tagring *ring, uint32_t id, int type, unsigned flags,
			  int64_t ts_ns, int64_t value);

/* Producer: post a DOUBLE value. As dfsm_tagring_post. */
int dfsm_tagring_post_f64(struct dfsm_tagring *ring, uint32_t id, unsigned flags, int64_t ts_ns,
			  double value);

/* Consumer: take the oldest record. 0, or -1 with EAGAIN when empty. */
int dfsm_tagring_pop(struct dfsm_tagring *ring, struct dfsm_tag_record *out);

/*
 * Consumer: apply up to `max` pending records to `table` in order, as dfsm_tagtable_set_* with
 * each record's flags. A DFSM_TAG_REF record stops the drain: it is consumed and copied to *held
 * for the caller to apply (it owns the side table), and the drain returns. held->type is
 * DFSM_TAG_VOID when nothing was held back. Returns the number of records consumed (held one
 * included). Only records posted before the call are seen, so the loop is bounded.
 */
ssize_t dfsm_tagring_drain_into_table(struct dfsm_tagring *ring, struct dfsm_tagtable *table,
				      size_t max, struct dfsm_tag_record *held);

/* Any thread: fill *out. Returns 0 (-1/ENOTRECOVERABLE for NULL arguments). */
int dfsm_tagring_get_stats(const struct dfsm_tagring *ring, struct dfsm_tagring_stats *out);

#endif /* DFSM_TAGRING_H */
