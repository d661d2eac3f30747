/* dfsm_stats — per-scan timing statistics with fixed storage.
 *
 * Lateness (scan start - deadline) and duration (scan end - scan start) go into two log-linear
 * (HDR-style) histograms with nanosecond resolution: values below 128 ns are exact, above that each
 * power of two is split into 64 buckets, so a bucket is at most 1/64 (1.6 %) of its value wide.
 * Counters: scans, overruns, skipped slots, early starts (negative lateness, recorded as 0 in the
 * histogram), min and max of both. Percentiles are computed on demand; recording is O(1).
 *
 * Ownership: dfsm_stats_new() allocates everything; dfsm_stats_free() frees. No allocation after.
 * Threads: not thread-safe; record and read from one thread (the scan thread).
 * Errors: recoverable failures return -1 (or NULL) and set errno. Broken invariants (a NULL handle,
 * a bucket index out of range) go through dfsm_contract_fail() and return -1 with errno
 * ENOTRECOVERABLE (see dfsm_contract.h).
 */
#ifndef DFSM_STATS_H
#define DFSM_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DFSM_STATS_SUB_BITS 6     /* 64 buckets per power of two above the exact range */
#define DFSM_STATS_BUCKETS 3712   /* covers every non-negative int64 */

/* Contract id of this object (see dfsm_timer.h for the timing range). */
#define DFSM_CONTRACT_STATS_BUCKET 201 /* a value mapped outside the histogram */

/* Which histogram to query. */
#define DFSM_STATS_LATENESS 0
#define DFSM_STATS_DURATION 1

typedef struct dfsm_stats dfsm_stats;

/* Everything statistics() shows, filled by one call. Percentiles are bucket midpoints clamped to
 * [min, max]; all are 0 when no scan was recorded. */
typedef struct dfsm_stats_summary {
    uint64_t scans;
    uint64_t overruns;
    uint64_t skipped;
    uint64_t early;
    int64_t lateness_min_ns;
    int64_t lateness_max_ns;
    int64_t lateness_p50_ns;
    int64_t lateness_p90_ns;
    int64_t lateness_p99_ns;
    int64_t lateness_p999_ns;
    int64_t duration_min_ns;
    int64_t duration_max_ns;
    int64_t duration_p50_ns;
    int64_t duration_p90_ns;
    int64_t duration_p99_ns;
    int64_t duration_p999_ns;
} dfsm_stats_summary;

/* Create empty statistics. NULL with errno (ENOMEM) on failure. */
dfsm_stats *dfsm_stats_new(void);

/* Free. NULL is accepted. */
void dfsm_stats_free(dfsm_stats *s);

/* Forget everything recorded. */
void dfsm_stats_reset(dfsm_stats *s);

/* Record one scan: its lateness and duration (ns), the slots skipped before the next one, and
 * whether it overran (ran past the next deadline). Negative durations are an error (EINVAL, -1);
 * negative lateness counts as early and is recorded as 0. Returns 0 or -1 with errno. */
int dfsm_stats_record_scan(dfsm_stats *s, int64_t lateness_ns, int64_t duration_ns, int64_t skipped,
                           int overrun);

/* The value at quantile q (0 <= q <= 1, nearest rank) of histogram which. -1 with errno EINVAL
 * for a bad argument; 0 when empty. */
int64_t dfsm_stats_percentile(const dfsm_stats *s, int which, double q);

/* Fill out with counters and p50/p90/p99/p99.9/min/max of both histograms. Returns 0 (-1 only on a
 * contract violation). */
int dfsm_stats_summarize(const dfsm_stats *s, dfsm_stats_summary *out);

/* Histogram geometry, exposed for tests: bucket index of a value >= 0, and the bucket's lowest
 * value and width. */
int dfsm_stats_bucket_index(int64_t value);
int64_t dfsm_stats_bucket_lowest(int index);
int64_t dfsm_stats_bucket_width(int index);

#ifdef __cplusplus
}
#endif
#endif /* DFSM_STATS_H */
