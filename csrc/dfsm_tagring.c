/* dfsm_tagring.c - tag table + SPSC tag ring; the contract is in dfsm_tagring.h. */
#include "dfsm_tagring.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dfsm_contract.h"

#define MODULE "dfsm_tagring"
#define CACHE_LINE 64

/* ---- tag table -------------------------------------------------------------------------------- */

struct tag_entry {
	int64_t ts_ns;
	union dfsm_tag_bits v;
	uint8_t type;
	uint8_t changed;
};

struct dfsm_tagtable {
	size_t capacity;
	struct tag_entry *entries;  /* capacity entries */
	uint32_t *dirty;            /* ids marked changed, in first-change order; capacity slots */
	size_t ndirty;
	size_t present;
	struct dfsm_tag_record *log; /* log ring: log_capacity slots, oldest at log_head */
	size_t log_capacity;
	size_t log_head;
	size_t log_count;
	size_t log_peak;
	uint64_t log_drops;
};

struct dfsm_tagtable *dfsm_tagtable_create(size_t capacity, size_t log_capacity)
{
	struct dfsm_tagtable *t;
	size_t i;

	if (capacity == 0 || capacity > DFSM_TAGTABLE_CAPACITY_MAX || log_capacity == 0 ||
	    log_capacity > DFSM_TAGTABLE_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->capacity = capacity;
	t->log_capacity = log_capacity;
	t->entries = calloc(capacity, sizeof(*t->entries));
	t->dirty = calloc(capacity, sizeof(*t->dirty));
	t->log = calloc(log_capacity, sizeof(*t->log));
	if (!t->entries || !t->dirty || !t->log) {
		dfsm_tagtable_destroy(t);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < capacity; i++)
		t->entries[i].type = DFSM_TAG_ABSENT;
	return t;
}

void dfsm_tagtable_destroy(struct dfsm_tagtable *table)
{
	if (!table)
		return;
	free(table->entries);
	free(table->dirty);
	free(table->log);
	free(table);
}

static int valid_i64_type(int type)
{
	return type == DFSM_TAG_ABSENT || type == DFSM_TAG_BOOL || type == DFSM_TAG_INT ||
	       type == DFSM_TAG_REF;
}

static int values_differ(const struct tag_entry *e, int type, union dfsm_tag_bits v)
{
	if (type == DFSM_TAG_REF || e->type != type)
		return 1;
	switch (type) {
	case DFSM_TAG_ABSENT:
		return 0;
	case DFSM_TAG_DOUBLE:
		return memcmp(&e->v.d, &v.d, sizeof(v.d)) != 0;
	default:
		return e->v.i != v.i;
	}
}

static void log_push(struct dfsm_tagtable *t, uint32_t id, int type, int64_t ts_ns,
		     union dfsm_tag_bits v)
{
	struct dfsm_tag_record *rec;

	if (t->log_count == t->log_capacity) {
		t->log_drops++;
		return;
	}
	rec = &t->log[(t->log_head + t->log_count) % t->log_capacity];
	rec->id = id;
	rec->type = (uint8_t)type;
	rec->flags = DFSM_SET_LOG;
	rec->reserved = 0;
	rec->ts_ns = ts_ns;
	rec->v = v;
	t->log_count++;
	if (t->log_count > t->log_peak)
		t->log_peak = t->log_count;
}

/* The one write path: id and type already checked. Returns 1 marked/differs, 0 not, -1 contract. */
static int table_write(struct dfsm_tagtable *t, uint32_t id, int type, unsigned flags,
		       int64_t ts_ns, union dfsm_tag_bits v)
{
	struct tag_entry *e = &t->entries[id];
	int differs = values_differ(e, type, v);

	if (differs) {
		if (e->type == DFSM_TAG_ABSENT && type != DFSM_TAG_ABSENT)
			t->present++;
		else if (e->type != DFSM_TAG_ABSENT && type == DFSM_TAG_ABSENT)
			t->present--;
		e->type = (uint8_t)type;
		e->v = v;
		e->ts_ns = ts_ns;
	}
	if (flags & DFSM_SET_QUIET)
		return differs;
	if (!differs && !(flags & DFSM_SET_FORCE))
		return 0;
	e->ts_ns = ts_ns;
	if (!e->changed) {
		DFSM_CONTRACT(MODULE, DFSM_CONTRACT_TABLE_DIRTY, t->ndirty < t->capacity, return -1);
		e->changed = 1;
		t->dirty[t->ndirty++] = id;
	}
	if (flags & DFSM_SET_LOG)
		log_push(t, id, type, ts_ns, v);
	return 1;
}

int dfsm_tagtable_set_i64(struct dfsm_tagtable *table, uint32_t id, int type, unsigned flags,
			  int64_t ts_ns, int64_t value)
{
	union dfsm_tag_bits v;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table, return -1);
	if (id >= table->capacity || !valid_i64_type(type)) {
		errno = EINVAL;
		return -1;
	}
	if (type == DFSM_TAG_BOOL)
		value = value != 0;
	else if (type == DFSM_TAG_ABSENT)
		value = 0;
	v.i = value;
	return table_write(table, id, type, flags, ts_ns, v);
}

int dfsm_tagtable_set_f64(struct dfsm_tagtable *table, uint32_t id, unsigned flags, int64_t ts_ns,
			  double value)
{
	union dfsm_tag_bits v;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table, return -1);
	if (id >= table->capacity) {
		errno = EINVAL;
		return -1;
	}
	v.d = value;
	return table_write(table, id, DFSM_TAG_DOUBLE, flags, ts_ns, v);
}

int dfsm_tagtable_get(const struct dfsm_tagtable *table, uint32_t id, int64_t *ival, double *fval)
{
	const struct tag_entry *e;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table && ival && fval, return -1);
	if (id >= table->capacity) {
		errno = EINVAL;
		return -1;
	}
	e = &table->entries[id];
	if (e->type == DFSM_TAG_DOUBLE)
		*fval = e->v.d;
	else
		*ival = e->v.i;
	return e->type;
}

int dfsm_tagtable_is_pending(const struct dfsm_tagtable *table, uint32_t id)
{
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table, return -1);
	if (id >= table->capacity) {
		errno = EINVAL;
		return -1;
	}
	return table->entries[id].changed ? 1 : 0;
}

static int batch_ok(const struct dfsm_tag_batch *b, int need_ts)
{
	return b && b->ids && b->types && b->ival && b->fval && (!need_ts || b->ts_ns);
}

ssize_t dfsm_tagtable_set_batch(struct dfsm_tagtable *table, const struct dfsm_tag_batch *batch,
				unsigned flags, int64_t ts_ns)
{
	size_t i;
	ssize_t marked = 0;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table && batch_ok(batch, 0), return -1);
	if (batch->count > batch->capacity) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < batch->count; i++) {
		int type = batch->types[i];

		if (batch->ids[i] >= table->capacity ||
		    !(valid_i64_type(type) || type == DFSM_TAG_DOUBLE)) {
			errno = EINVAL;
			return -1;
		}
	}
	for (i = 0; i < batch->count; i++) {
		int type = batch->types[i];
		union dfsm_tag_bits v;
		int rc;

		if (type == DFSM_TAG_DOUBLE)
			v.d = batch->fval[i];
		else if (type == DFSM_TAG_BOOL)
			v.i = batch->ival[i] != 0;
		else
			v.i = type == DFSM_TAG_ABSENT ? 0 : batch->ival[i];
		rc = table_write(table, batch->ids[i], type, flags,
				 batch->ts_ns ? batch->ts_ns[i] : ts_ns, v);
		if (rc < 0)
			return -1;
		marked += rc;
	}
	return marked;
}

static void batch_put(struct dfsm_tag_batch *out, size_t i, uint32_t id, int type, int64_t ts_ns,
		      union dfsm_tag_bits v)
{
	out->ids[i] = id;
	out->types[i] = (uint8_t)type;
	if (type == DFSM_TAG_DOUBLE)
		out->fval[i] = v.d;
	else
		out->ival[i] = v.i;
	if (out->ts_ns)
		out->ts_ns[i] = ts_ns;
}

ssize_t dfsm_tagtable_collect_changed(struct dfsm_tagtable *table, struct dfsm_tag_batch *out)
{
	size_t i, n;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table && batch_ok(out, 0), return -1);
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_TABLE_DIRTY, table->ndirty <= table->capacity, return -1);
	n = table->ndirty < out->capacity ? table->ndirty : out->capacity;
	for (i = 0; i < n; i++) {
		uint32_t id = table->dirty[i];
		struct tag_entry *e = &table->entries[id];

		batch_put(out, i, id, e->type, e->ts_ns, e->v);
		e->changed = 0;
	}
	if (n < table->ndirty)
		memmove(table->dirty, table->dirty + n, (table->ndirty - n) * sizeof(*table->dirty));
	table->ndirty -= n;
	out->count = n;
	return (ssize_t)n;
}

ssize_t dfsm_tagtable_collect_logged(struct dfsm_tagtable *table, struct dfsm_tag_batch *out)
{
	size_t i, n;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table && batch_ok(out, 1), return -1);
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_TABLE_LOG,
		      table->log_count <= table->log_capacity && table->log_head < table->log_capacity,
		      return -1);
	n = table->log_count < out->capacity ? table->log_count : out->capacity;
	for (i = 0; i < n; i++) {
		const struct dfsm_tag_record *rec = &table->log[table->log_head];

		batch_put(out, i, rec->id, rec->type, rec->ts_ns, rec->v);
		table->log_head = (table->log_head + 1) % table->log_capacity;
	}
	table->log_count -= n;
	out->count = n;
	return (ssize_t)n;
}

ssize_t dfsm_tagtable_read(const struct dfsm_tagtable *table, uint32_t first_id,
			   struct dfsm_tag_batch *out)
{
	size_t i, n = 0;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table && batch_ok(out, 0), return -1);
	if (first_id < table->capacity) {
		n = table->capacity - first_id;
		if (n > out->capacity)
			n = out->capacity;
	}
	for (i = 0; i < n; i++) {
		const struct tag_entry *e = &table->entries[first_id + i];

		batch_put(out, i, (uint32_t)(first_id + i), e->type, e->ts_ns, e->v);
	}
	out->count = n;
	return (ssize_t)n;
}

int dfsm_tagtable_get_stats(const struct dfsm_tagtable *table, struct dfsm_tagtable_stats *out)
{
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, table && out, return -1);
	out->capacity = table->capacity;
	out->present = table->present;
	out->pending = table->ndirty;
	out->log_capacity = table->log_capacity;
	out->log_depth = table->log_count;
	out->log_peak = table->log_peak;
	out->log_drops = table->log_drops;
	return 0;
}

/* ---- SPSC tag ring ---------------------------------------------------------------------------- */

/*
 * head: next slot the producer writes (producer-owned, published with release).
 * tail: next slot the consumer reads (consumer-owned, published with release).
 * Both count records ever, so depth = head - tail and the slot is index % capacity. The producer
 * and consumer halves sit on their own cache lines so the two threads do not share one.
 */
struct dfsm_tagring {
	size_t capacity;
	struct dfsm_tag_record *slots;

	_Alignas(CACHE_LINE) _Atomic uint64_t head;
	_Atomic uint64_t posted;
	_Atomic uint64_t dropped;
	_Atomic uint64_t peak;

	_Alignas(CACHE_LINE) _Atomic uint64_t tail;
	_Atomic uint64_t consumed;
};

struct dfsm_tagring *dfsm_tagring_create(size_t capacity)
{
	struct dfsm_tagring *r;
	size_t size = (sizeof(*r) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;

	if (capacity == 0 || capacity > DFSM_TAGRING_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	r = aligned_alloc(CACHE_LINE, size);
	if (!r)
		return NULL;
	memset(r, 0, size);
	r->capacity = capacity;
	r->slots = calloc(capacity, sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	atomic_init(&r->head, 0);
	atomic_init(&r->posted, 0);
	atomic_init(&r->dropped, 0);
	atomic_init(&r->peak, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->consumed, 0);
	return r;
}

void dfsm_tagring_destroy(struct dfsm_tagring *ring)
{
	if (!ring)
		return;
	free(ring->slots);
	free(ring);
}

int dfsm_tagring_post(struct dfsm_tagring *ring, const struct dfsm_tag_record *rec)
{
	uint64_t head, tail, depth;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, ring && rec, return -1);
	if (!(valid_i64_type(rec->type) || rec->type == DFSM_TAG_DOUBLE)) {
		errno = EINVAL;
		return -1;
	}
	head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	/* acquire: the consumer has finished reading every slot below tail before we reuse it */
	tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
	depth = head - tail;
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_RING_INDICES, depth <= ring->capacity, return -1);
	if (depth == ring->capacity) {
		atomic_fetch_add_explicit(&ring->dropped, 1, memory_order_relaxed);
		errno = ENOBUFS;
		return -1;
	}
	ring->slots[head % ring->capacity] = *rec;
	/* release: the slot contents are visible before the consumer sees the new head */
	atomic_store_explicit(&ring->head, head + 1, memory_order_release);
	atomic_fetch_add_explicit(&ring->posted, 1, memory_order_relaxed);
	if (depth + 1 > atomic_load_explicit(&ring->peak, memory_order_relaxed))
		atomic_store_explicit(&ring->peak, depth + 1, memory_order_relaxed);
	return 0;
}

int dfsm_tagring_post_i64(struct dfsm_tagring *ring, uint32_t id, int type, unsigned flags,
			  int64_t ts_ns, int64_t value)
{
	struct dfsm_tag_record rec = {
		.id = id, .type = (uint8_t)type, .flags = (uint8_t)flags, .ts_ns = ts_ns,
	};

	if (!valid_i64_type(type)) {
		errno = EINVAL;
		return -1;
	}
	rec.v.i = type == DFSM_TAG_BOOL ? value != 0 : value;
	return dfsm_tagring_post(ring, &rec);
}

int dfsm_tagring_post_f64(struct dfsm_tagring *ring, uint32_t id, unsigned flags, int64_t ts_ns,
			  double value)
{
	struct dfsm_tag_record rec = {
		.id = id, .type = DFSM_TAG_DOUBLE, .flags = (uint8_t)flags, .ts_ns = ts_ns,
	};

	rec.v.d = value;
	return dfsm_tagring_post(ring, &rec);
}

int dfsm_tagring_pop(struct dfsm_tagring *ring, struct dfsm_tag_record *out)
{
	uint64_t head, tail;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, ring && out, return -1);
	tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	head = atomic_load_explicit(&ring->head, memory_order_acquire);
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_RING_INDICES, head - tail <= ring->capacity, return -1);
	if (head == tail) {
		errno = EAGAIN;
		return -1;
	}
	*out = ring->slots[tail % ring->capacity];
	atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
	atomic_fetch_add_explicit(&ring->consumed, 1, memory_order_relaxed);
	return 0;
}

ssize_t dfsm_tagring_drain_into_table(struct dfsm_tagring *ring, struct dfsm_tagtable *table,
				      size_t max, struct dfsm_tag_record *held)
{
	uint64_t head, tail, n = 0;
	int bad = 0;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, ring && table && held, return -1);
	held->type = DFSM_TAG_VOID;
	tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	head = atomic_load_explicit(&ring->head, memory_order_acquire);
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_RING_INDICES, head - tail <= ring->capacity, return -1);
	while (tail != head && n < max) {
		const struct dfsm_tag_record *rec = &ring->slots[tail % ring->capacity];

		tail++;
		n++;
		if (rec->type == DFSM_TAG_REF) {
			*held = *rec;
			break;
		}
		if (rec->id >= table->capacity ||
		    table_write(table, rec->id, rec->type, rec->flags & ~(unsigned)DFSM_SET_QUIET,
				rec->ts_ns, rec->v) < 0) {
			bad = 1;
			break;
		}
	}
	atomic_store_explicit(&ring->tail, tail, memory_order_release);
	atomic_fetch_add_explicit(&ring->consumed, n, memory_order_relaxed);
	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_RING_RECORD, !bad, return -1);
	return (ssize_t)n;
}

int dfsm_tagring_get_stats(const struct dfsm_tagring *ring, struct dfsm_tagring_stats *out)
{
	uint64_t tail, head;

	DFSM_CONTRACT(MODULE, DFSM_CONTRACT_NULL_HANDLE, ring && out, return -1);
	/* tail first: head only grows, so head - tail never underflows */
	tail = atomic_load_explicit(&((struct dfsm_tagring *)ring)->tail, memory_order_acquire);
	head = atomic_load_explicit(&((struct dfsm_tagring *)ring)->head, memory_order_acquire);
	out->capacity = ring->capacity;
	out->depth = (size_t)(head - tail);
	out->peak = (size_t)atomic_load_explicit(&((struct dfsm_tagring *)ring)->peak,
						 memory_order_relaxed);
	out->posted = atomic_load_explicit(&((struct dfsm_tagring *)ring)->posted,
					   memory_order_relaxed);
	out->dropped = atomic_load_explicit(&((struct dfsm_tagring *)ring)->dropped,
					    memory_order_relaxed);
	out->consumed = atomic_load_explicit(&((struct dfsm_tagring *)ring)->consumed,
					     memory_order_relaxed);
	return 0;
}
