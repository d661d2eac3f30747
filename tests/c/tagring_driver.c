/*
 * C test driver for csrc/dfsm_tagring.c, built by tests/core/test_sanitizers_tagring.py under
 * -fsanitize=address,undefined and, separately, -fsanitize=thread.
 *
 *   tagring_driver unit      table + ring behaviour, single thread
 *   tagring_driver spsc N    one producer pthread posts N sequenced records while the main
 *                            thread drains; checks no lost/torn records and exact drop counts
 *
 * Prints "OK <mode>" and exits 0 on success; any failed check prints it and exits 1.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfsm_contract.h"
#include "dfsm_tagring.h"

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                      \
		}                                                                     \
	} while (0)

static int violations;

static void on_violation(const struct dfsm_contract_violation *v)
{
	(void)v;
	violations++;
}

static void test_table(void)
{
	struct dfsm_tagtable *t = dfsm_tagtable_create(4, 2);
	uint32_t ids[4];
	uint8_t types[4];
	int64_t ival[4], ts[4];
	double fval[4];
	struct dfsm_tag_batch b = { ids, types, ival, fval, ts, 4, 0 };
	struct dfsm_tagtable_stats st;
	int64_t i = 0;
	double d = 0;
	double nz = -0.0;

	CHECK(t);
	CHECK(dfsm_tagtable_get(t, 0, &i, &d) == DFSM_TAG_ABSENT);
	CHECK(dfsm_tagtable_set_i64(t, 0, DFSM_TAG_INT, 0, 1, 42) == 1);
	CHECK(dfsm_tagtable_set_i64(t, 0, DFSM_TAG_INT, 0, 2, 42) == 0);
	CHECK(dfsm_tagtable_set_i64(t, 0, DFSM_TAG_INT, DFSM_SET_FORCE, 3, 42) == 1);
	CHECK(dfsm_tagtable_set_i64(t, 0, DFSM_TAG_BOOL, 0, 4, 1) == 1); /* INT 42 -> BOOL is a change */
	CHECK(dfsm_tagtable_get(t, 0, &i, &d) == DFSM_TAG_BOOL && i == 1);
	CHECK(dfsm_tagtable_set_f64(t, 1, DFSM_SET_LOG, 5, 0.0) == 1);
	CHECK(dfsm_tagtable_set_f64(t, 1, DFSM_SET_LOG, 6, nz) == 1); /* bitwise compare */
	CHECK(dfsm_tagtable_set_f64(t, 1, DFSM_SET_LOG, 7, nz) == 0);
	CHECK(dfsm_tagtable_set_i64(t, 2, DFSM_TAG_REF, DFSM_SET_LOG, 8, 9) == 1); /* log full: dropped */
	CHECK(dfsm_tagtable_set_i64(t, 3, DFSM_TAG_INT, DFSM_SET_QUIET, 9, 5) == 1);
	CHECK(dfsm_tagtable_set_i64(t, 4, DFSM_TAG_INT, 0, 9, 5) == -1 && errno == EINVAL);
	CHECK(dfsm_tagtable_set_i64(t, 0, DFSM_TAG_DOUBLE, 0, 9, 5) == -1 && errno == EINVAL);

	CHECK(dfsm_tagtable_get_stats(t, &st) == 0);
	CHECK(st.present == 4 && st.pending == 3 && st.log_depth == 2 && st.log_drops == 1);
	CHECK(dfsm_tagtable_collect_changed(t, &b) == 3);
	CHECK(ids[0] == 0 && ids[1] == 1 && ids[2] == 2);
	CHECK(types[0] == DFSM_TAG_BOOL && types[1] == DFSM_TAG_DOUBLE && types[2] == DFSM_TAG_REF);
	CHECK(memcmp(&fval[1], &nz, sizeof(nz)) == 0 && ival[2] == 9);
	CHECK(dfsm_tagtable_collect_changed(t, &b) == 0);
	CHECK(dfsm_tagtable_collect_logged(t, &b) == 2);
	CHECK(ids[0] == 1 && ts[0] == 5 && ids[1] == 1 && ts[1] == 6);
	CHECK(dfsm_tagtable_collect_logged(t, &b) == 0);

	/* batch set: validated before anything is written */
	b.count = 2;
	ids[0] = 0; types[0] = DFSM_TAG_INT; ival[0] = 7;
	ids[1] = 9; types[1] = DFSM_TAG_INT; ival[1] = 7;
	CHECK(dfsm_tagtable_set_batch(t, &b, 0, 10) == -1 && errno == EINVAL);
	CHECK(dfsm_tagtable_get(t, 0, &i, &d) == DFSM_TAG_BOOL);
	ids[1] = 1; types[1] = DFSM_TAG_ABSENT;
	b.ts_ns = NULL;
	CHECK(dfsm_tagtable_set_batch(t, &b, 0, 10) == 2);
	b.ts_ns = ts;
	CHECK(dfsm_tagtable_read(t, 0, &b) == 4 && types[1] == DFSM_TAG_ABSENT && ival[0] == 7);
	CHECK(dfsm_tagtable_read(t, 3, &b) == 1 && ids[0] == 3);

	/* contract hook: NULL handle */
	violations = 0;
	CHECK(dfsm_tagtable_set_i64(NULL, 0, DFSM_TAG_INT, 0, 0, 0) == -1 && errno == ENOTRECOVERABLE);
	CHECK(violations == 1);
	{
		struct dfsm_contract_violation v;

		CHECK(dfsm_contract_last(&v) >= 1 && v.id == DFSM_CONTRACT_NULL_HANDLE);
	}
	CHECK(dfsm_tagtable_create(0, 1) == NULL && errno == EINVAL);
	dfsm_tagtable_destroy(t);
	dfsm_tagtable_destroy(NULL);
}

static void test_ring(void)
{
	struct dfsm_tagring *r = dfsm_tagring_create(3);
	struct dfsm_tagtable *t = dfsm_tagtable_create(8, 8);
	struct dfsm_tag_record rec, held;
	struct dfsm_tagring_stats st;
	int64_t i = 0;
	double d = 0;

	CHECK(r && t);
	CHECK(dfsm_tagring_pop(r, &rec) == -1 && errno == EAGAIN);
	CHECK(dfsm_tagring_post_i64(r, 1, DFSM_TAG_INT, 0, 1, 10) == 0);
	CHECK(dfsm_tagring_post_i64(r, 2, DFSM_TAG_REF, DFSM_SET_LOG, 2, 77) == 0);
	CHECK(dfsm_tagring_post_f64(r, 3, 0, 3, 2.5) == 0);
	CHECK(dfsm_tagring_post_i64(r, 1, DFSM_TAG_INT, 0, 4, 11) == -1 && errno == ENOBUFS);
	CHECK(dfsm_tagring_post_i64(r, 1, DFSM_TAG_DOUBLE, 0, 4, 11) == -1 && errno == EINVAL);
	CHECK(dfsm_tagring_get_stats(r, &st) == 0);
	CHECK(st.depth == 3 && st.peak == 3 && st.posted == 3 && st.dropped == 1 && st.consumed == 0);

	CHECK(dfsm_tagring_drain_into_table(r, t, 100, &held) == 2);
	CHECK(held.type == DFSM_TAG_REF && held.id == 2 && held.v.i == 77 && held.flags == DFSM_SET_LOG);
	CHECK(dfsm_tagtable_get(t, 1, &i, &d) == DFSM_TAG_INT && i == 10);
	CHECK(dfsm_tagring_drain_into_table(r, t, 100, &held) == 1 && held.type == DFSM_TAG_VOID);
	CHECK(dfsm_tagtable_get(t, 3, &i, &d) == DFSM_TAG_DOUBLE && d == 2.5);
	CHECK(dfsm_tagring_drain_into_table(r, t, 100, &held) == 0);

	/* wrap around many times */
	for (int k = 0; k < 100; k++) {
		CHECK(dfsm_tagring_post_i64(r, 5, DFSM_TAG_INT, 0, k, k) == 0);
		CHECK(dfsm_tagring_pop(r, &rec) == 0 && rec.v.i == k && rec.ts_ns == k && rec.id == 5);
	}
	/* a record whose id the table does not have is a broken invariant */
	violations = 0;
	CHECK(dfsm_tagring_post_i64(r, 99, DFSM_TAG_INT, 0, 0, 0) == 0);
	CHECK(dfsm_tagring_drain_into_table(r, t, 100, &held) == -1 && errno == ENOTRECOVERABLE);
	CHECK(violations == 1);
	CHECK(dfsm_tagring_get_stats(r, &st) == 0 && st.depth == 0 && st.consumed == 104);
	dfsm_tagring_destroy(r);
	dfsm_tagtable_destroy(t);
}

struct producer {
	struct dfsm_tagring *ring;
	long n;
	long accepted;
	long dropped;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (long k = 0; k < p->n; k++) {
		/* id, ts and value are all derived from k, so a torn record is detectable */
		int rc = dfsm_tagring_post_i64(p->ring, (uint32_t)(k % 8), DFSM_TAG_INT, 0, 3 * k, k);

		if (rc == 0)
			p->accepted++;
		else if (errno == ENOBUFS)
			p->dropped++;
		else
			exit(2);
		if (k % 64 == 63)
			sched_yield(); /* let the consumer catch up sometimes: a mix of accepts and drops */
	}
	return NULL;
}

static void test_spsc(long n)
{
	struct producer p = { dfsm_tagring_create(256), n, 0, 0 };
	struct dfsm_tagtable *t = dfsm_tagtable_create(8, 1);
	struct dfsm_tag_record rec, held;
	struct dfsm_tagring_stats st;
	pthread_t th;
	long got = 0, last = -1, rounds = 0;
	int done = 0;

	CHECK(p.ring && t);
	CHECK(pthread_create(&th, NULL, produce, &p) == 0);
	while (!done) {
		struct dfsm_tagring_stats s2;

		/* alternate the two consumer calls: pop (checked one by one) and drain_into_table */
		if (rounds++ % 2 == 0) {
			while (dfsm_tagring_pop(p.ring, &rec) == 0) {
				CHECK(rec.v.i > last);
				CHECK(rec.id == (uint32_t)(rec.v.i % 8) && rec.ts_ns == 3 * rec.v.i);
				last = rec.v.i;
				got++;
			}
		} else {
			ssize_t k = dfsm_tagring_drain_into_table(p.ring, t, 1000, &held);

			CHECK(k >= 0 && held.type == DFSM_TAG_VOID);
			got += k;
		}
		/* got <= accepted and dropped only grows, so this holds exactly when all are accounted */
		dfsm_tagring_get_stats(p.ring, &s2);
		done = (uint64_t)got + s2.dropped == (uint64_t)n;
	}
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(dfsm_tagring_get_stats(p.ring, &st) == 0);
	CHECK(p.accepted + p.dropped == n);
	CHECK((long)st.posted == p.accepted && (long)st.dropped == p.dropped);
	CHECK((long)st.consumed == got && got == p.accepted);
	CHECK(st.peak <= 256);
	printf("spsc: posted=%ld accepted=%ld dropped=%ld peak=%zu\n", n, p.accepted, p.dropped, st.peak);
	dfsm_tagring_destroy(p.ring);
	dfsm_tagtable_destroy(t);
}

int main(int argc, char **argv)
{
	dfsm_contract_set_handler(on_violation);
	if (argc >= 2 && strcmp(argv[1], "unit") == 0) {
		test_table();
		test_ring();
		printf("OK unit\n");
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "spsc") == 0) {
		test_spsc(atol(argv[2]));
		printf("OK spsc\n");
		return 0;
	}
	fprintf(stderr, "usage: %s unit | spsc N\n", argv[0]);
	return 2;
}
