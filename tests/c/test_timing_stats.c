/* Sanitizer test of dfsm_stats and dfsm_timer (built and run by tests/scheduler/test_c_sanitized.py
 * with -fsanitize=address,undefined). Exits non-zero on the first failed check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dfsm_contract.h"
#include "dfsm_stats.h"
#include "dfsm_timer.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int geometry(void)
{
    /* Every bucket's values map back to it; widths are <= 1/64 of the value above 128. */
    for (int i = 0; i < DFSM_STATS_BUCKETS; i++) {
        int64_t lo = dfsm_stats_bucket_lowest(i);
        int64_t w = dfsm_stats_bucket_width(i);
        CHECK(dfsm_stats_bucket_index(lo) == i);
        CHECK(dfsm_stats_bucket_index((int64_t)((uint64_t)lo + (uint64_t)w - 1u)) == i);
        if (lo >= 128)
            CHECK(w * 64 <= lo);
    }
    CHECK(dfsm_stats_bucket_index(INT64_MAX) == DFSM_STATS_BUCKETS - 1);
    CHECK(dfsm_stats_bucket_index(-5) == 0);
    return 0;
}

static int stats(void)
{
    dfsm_stats *s = dfsm_stats_new();
    CHECK(s != NULL);
    CHECK(dfsm_stats_percentile(s, DFSM_STATS_LATENESS, 0.5) == 0);
    for (int64_t v = 1; v <= 100000; v++)
        CHECK(dfsm_stats_record_scan(s, v * 10, v, v % 1000 == 0 ? 2 : 0, v % 1000 == 0) == 0);
    CHECK(dfsm_stats_record_scan(s, -7, 1, 0, 0) == 0);
    CHECK(dfsm_stats_record_scan(s, 1, -1, 0, 0) == -1 && errno == EINVAL);
    CHECK(dfsm_stats_percentile(s, 7, 0.5) == -1 && errno == EINVAL);
    CHECK(dfsm_stats_percentile(s, DFSM_STATS_LATENESS, 1.5) == -1);
    dfsm_stats_summary sum;
    dfsm_stats_summarize(s, &sum);
    CHECK(sum.scans == 100001);
    CHECK(sum.overruns == 100);
    CHECK(sum.skipped == 200);
    CHECK(sum.early == 1);
    CHECK(sum.lateness_min_ns == -7);
    CHECK(sum.lateness_max_ns == 1000000);
    int64_t p50 = sum.lateness_p50_ns; /* exact: 500000 */
    CHECK(p50 > 500000 - 500000 / 64 && p50 < 500000 + 500000 / 64);
    CHECK(sum.duration_max_ns == 100000);
    dfsm_stats_reset(s);
    dfsm_stats_summarize(s, &sum);
    CHECK(sum.scans == 0 && sum.lateness_p99_ns == 0);
    dfsm_stats_free(s);
    dfsm_stats_free(NULL);
    return 0;
}

static int timer(void)
{
    CHECK(dfsm_timer_new(1.5) == NULL && errno == EINVAL);
    dfsm_timer *t = dfsm_timer_new(0.9);
    CHECK(t != NULL);
    CHECK(dfsm_timer_fd(t) >= 0);
    CHECK(dfsm_timer_consume(t) == 0);
    CHECK(dfsm_timer_arm(t, 0) == -1 && errno == EINVAL);
    for (int i = 0; i < 40; i++) {
        int64_t now = dfsm_clock_now_ns();
        CHECK(dfsm_timer_arm(t, now + 100000) == 0);
        CHECK(dfsm_clock_sleep_until(now + 150000, DFSM_FINISH_SLEEP, 0) >= now + 150000);
        int64_t r = dfsm_timer_finish(t, now + 200000, i % 2 ? DFSM_FINISH_SPIN : DFSM_FINISH_SLEEP,
                                      100000, 1000000);
        CHECK(r >= now + 200000);
    }
    CHECK(dfsm_timer_wakes(t) == 40);
    CHECK(dfsm_timer_wake_latency(t) >= 0);
    CHECK(dfsm_timer_finish(t, 0, 9, 0, 0) == -1 && errno == EINVAL);
    CHECK(dfsm_timer_disarm(t) == 0);
    dfsm_timer_reset_learning(t);
    CHECK(dfsm_timer_wakes(t) == 0 && dfsm_timer_wake_latency(t) == 0);
    dfsm_timer_free(t);
    dfsm_timer_free(NULL);
    return 0;
}

static int contracts(void)
{
    /* A NULL handle is a broken invariant: -1, ENOTRECOVERABLE, recorded with module and id. */
    struct dfsm_contract_violation v;
    CHECK(dfsm_stats_record_scan(NULL, 0, 0, 0, 0) == -1 && errno == ENOTRECOVERABLE);
    CHECK(dfsm_contract_last(&v) >= 1 && v.id == DFSM_CONTRACT_NULL_HANDLE);
    CHECK(v.module[0] == 's'); /* "stats" */
    dfsm_stats_summary sum;
    CHECK(dfsm_stats_summarize(NULL, &sum) == -1 && errno == ENOTRECOVERABLE);
    CHECK(dfsm_timer_arm(NULL, 1) == -1 && errno == ENOTRECOVERABLE);
    CHECK(dfsm_timer_finish(NULL, 1, DFSM_FINISH_NONE, 0, 0) == -1 && errno == ENOTRECOVERABLE);
    CHECK(dfsm_timer_fd(NULL) == -1);
    CHECK(dfsm_contract_last(&v) >= 5 && v.module[0] == 't'); /* "timer" */
    return 0;
}

int main(void)
{
    if (geometry() || stats() || timer() || contracts())
        return 1;
    puts("ok");
    return 0;
}
