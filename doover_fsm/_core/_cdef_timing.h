/* cffi cdef for doover_fsm._core._timing (dfsm_timer, dfsm_stats, dfsm_rt).
 * Constants are "..." so csrc/*.h stay the only source of truth. */

#define DFSM_FINISH_NONE ...
#define DFSM_FINISH_SLEEP ...
#define DFSM_FINISH_SPIN ...
#define DFSM_TIMER_WINDOW ...
#define DFSM_STATS_BUCKETS ...
#define DFSM_STATS_LATENESS ...
#define DFSM_STATS_DURATION ...

typedef struct dfsm_timer dfsm_timer;
dfsm_timer *dfsm_timer_new(double quantile);
void dfsm_timer_free(dfsm_timer *t);
int dfsm_timer_fd(const dfsm_timer *t);
int dfsm_timer_arm(dfsm_timer *t, int64_t fire_ns);
int dfsm_timer_disarm(dfsm_timer *t);
int64_t dfsm_timer_consume(dfsm_timer *t);
int64_t dfsm_timer_finish(dfsm_timer *t, int64_t deadline_ns, int mode, int64_t spin_window_ns,
                          int64_t max_block_ns);
int dfsm_timer_set_quantile(dfsm_timer *t, double quantile);
int64_t dfsm_timer_wake_latency(const dfsm_timer *t);
uint64_t dfsm_timer_wakes(const dfsm_timer *t);
void dfsm_timer_reset_learning(dfsm_timer *t);
int64_t dfsm_clock_now_ns(void);
int64_t dfsm_clock_sleep_until(int64_t deadline_ns, int mode, int64_t spin_window_ns);

typedef struct dfsm_stats dfsm_stats;
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
dfsm_stats *dfsm_stats_new(void);
void dfsm_stats_free(dfsm_stats *s);
void dfsm_stats_reset(dfsm_stats *s);
int dfsm_stats_record_scan(dfsm_stats *s, int64_t lateness_ns, int64_t duration_ns, int64_t skipped,
                           int overrun);
int64_t dfsm_stats_percentile(const dfsm_stats *s, int which, double q);
int dfsm_stats_summarize(const dfsm_stats *s, dfsm_stats_summary *out);
int dfsm_stats_bucket_index(int64_t value);
int64_t dfsm_stats_bucket_lowest(int index);
int64_t dfsm_stats_bucket_width(int index);

int dfsm_rt_set_timer_slack(int64_t slack_ns);
int64_t dfsm_rt_get_timer_slack(void);
int dfsm_rt_lock_memory(void);
int dfsm_rt_unlock_memory(void);

#define DFSM_CONTRACT_TIMER_WINDOW ...
#define DFSM_CONTRACT_STATS_BUCKET ...
struct dfsm_contract_violation {
    const char *module;
    int id;
    const char *expr;
    const char *file;
    int line;
};
uint64_t dfsm_contract_last(struct dfsm_contract_violation *out);
