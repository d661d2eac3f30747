/* dfsm_stats — see dfsm_stats.h. */
#include "dfsm_stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dfsm_contract.h"

#define SUB_HALF (1 << DFSM_STATS_SUB_BITS)    /* 64 */
#define EXACT (2 * SUB_HALF)                   /* 128 exact buckets */
#define NOT_NULL(p, on_fail) DFSM_CONTRACT("stats", DFSM_CONTRACT_NULL_HANDLE, (p) != NULL, on_fail)

typedef struct hist {
    uint64_t total;
    int64_t min;
    int64_t max;
    uint64_t counts[DFSM_STATS_BUCKETS];
} hist;

struct dfsm_stats {
    uint64_t scans;
    uint64_t overruns;
    uint64_t skipped;
    uint64_t early;
    hist h[2];
};

int dfsm_stats_bucket_index(int64_t value)
{
    if (value < 0)
        value = 0;
    if (value < EXACT)
        return (int)value;
    int msb = 63 - __builtin_clzll((unsigned long long)value); /* >= 7 */
    int shift = msb - DFSM_STATS_SUB_BITS;                     /* value >> shift in [64,127] */
    return EXACT + (msb - 7) * SUB_HALF + (int)((value >> shift) - SUB_HALF);
}

int64_t dfsm_stats_bucket_lowest(int index)
{
    if (index < EXACT)
        return index;
    int g = (index - EXACT) / SUB_HALF;
    int64_t sub = (index - EXACT) % SUB_HALF + SUB_HALF;
    return sub << (g + 1);
}

int64_t dfsm_stats_bucket_width(int index)
{
    if (index < EXACT)
        return 1;
    return (int64_t)1 << ((index - EXACT) / SUB_HALF + 1);
}

static void hist_reset(hist *h)
{
    memset(h, 0, sizeof(*h));
}

static void hist_record(hist *h, int64_t v)
{
    int i = dfsm_stats_bucket_index(v);
    DFSM_CONTRACT("stats", DFSM_CONTRACT_STATS_BUCKET, i >= 0 && i < DFSM_STATS_BUCKETS, return);
    if (h->total == 0 || v < h->min)
        h->min = v;
    if (h->total == 0 || v > h->max)
        h->max = v;
    h->total++;
    h->counts[i]++;
}

static int64_t hist_value_at(const hist *h, double q)
{
    if (h->total == 0)
        return 0;
    /* Nearest rank: the smallest value with at least ceil(q * n) samples at or below it. */
    uint64_t rank = (uint64_t)ceil(q * (double)h->total);
    if (rank < 1)
        rank = 1;
    if (rank > h->total)
        rank = h->total;
    uint64_t seen = 0;
    for (int i = 0; i < DFSM_STATS_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            int64_t mid = dfsm_stats_bucket_lowest(i) + (dfsm_stats_bucket_width(i) - 1) / 2;
            int64_t lo = h->min < 0 ? 0 : h->min;
            if (mid < lo)
                mid = lo;
            if (mid > h->max)
                mid = h->max;
            return mid;
        }
    }
    return h->max;
}

dfsm_stats *dfsm_stats_new(void)
{
    dfsm_stats *s = calloc(1, sizeof(*s));
    if (s == NULL)
        errno = ENOMEM;
    return s;
}

void dfsm_stats_free(dfsm_stats *s)
{
    free(s);
}

void dfsm_stats_reset(dfsm_stats *s)
{
    NOT_NULL(s, return);
    s->scans = s->overruns = s->skipped = s->early = 0;
    hist_reset(&s->h[0]);
    hist_reset(&s->h[1]);
}

int dfsm_stats_record_scan(dfsm_stats *s, int64_t lateness_ns, int64_t duration_ns, int64_t skipped,
                           int overrun)
{
    NOT_NULL(s, return -1);
    if (duration_ns < 0 || skipped < 0) {
        errno = EINVAL;
        return -1;
    }
    s->scans++;
    if (overrun)
        s->overruns++;
    s->skipped += (uint64_t)skipped;
    hist *lat = &s->h[DFSM_STATS_LATENESS];
    if (lateness_ns < 0) {
        s->early++;
        /* min keeps the true (negative) value; the histogram holds 0. */
        if (lat->total == 0 || lateness_ns < lat->min)
            lat->min = lateness_ns;
        if (lat->total == 0)
            lat->max = 0;
        else if (lat->max < 0)
            lat->max = 0;
        lat->total++;
        lat->counts[0]++;
    } else {
        hist_record(lat, lateness_ns);
    }
    hist_record(&s->h[DFSM_STATS_DURATION], duration_ns);
    return 0;
}

int64_t dfsm_stats_percentile(const dfsm_stats *s, int which, double q)
{
    NOT_NULL(s, return -1);
    if ((which != DFSM_STATS_LATENESS && which != DFSM_STATS_DURATION) || !(q >= 0.0 && q <= 1.0)) {
        errno = EINVAL;
        return -1;
    }
    return hist_value_at(&s->h[which], q);
}

int dfsm_stats_summarize(const dfsm_stats *s, dfsm_stats_summary *out)
{
    NOT_NULL(s, return -1);
    NOT_NULL(out, return -1);
    const hist *lat = &s->h[DFSM_STATS_LATENESS];
    const hist *dur = &s->h[DFSM_STATS_DURATION];
    out->scans = s->scans;
    out->overruns = s->overruns;
    out->skipped = s->skipped;
    out->early = s->early;
    out->lateness_min_ns = lat->min;
    out->lateness_max_ns = lat->max;
    out->lateness_p50_ns = hist_value_at(lat, 0.5);
    out->lateness_p90_ns = hist_value_at(lat, 0.9);
    out->lateness_p99_ns = hist_value_at(lat, 0.99);
    out->lateness_p999_ns = hist_value_at(lat, 0.999);
    out->duration_min_ns = dur->min;
    out->duration_max_ns = dur->max;
    out->duration_p50_ns = hist_value_at(dur, 0.5);
    out->duration_p90_ns = hist_value_at(dur, 0.9);
    out->duration_p99_ns = hist_value_at(dur, 0.99);
    out->duration_p999_ns = hist_value_at(dur, 0.999);
    return 0;
}
