/* dfsm_timer — absolute-deadline wake-ups on CLOCK_MONOTONIC for the scan scheduler.
 *
 * A dfsm_timer wraps one timerfd (CLOCK_MONOTONIC, non-blocking, close-on-exec) that is armed with
 * absolute times, so an event loop can watch its fd and wake at kernel precision (no millisecond
 * rounding). It also learns how late those wake-ups arrive (a windowed percentile of
 * "woke - armed") so the caller can arm early and finish precisely with dfsm_timer_finish().
 *
 * Ownership: dfsm_timer_new() allocates; dfsm_timer_free() closes the fd and frees. Nothing else
 * allocates. Threads: a dfsm_timer is not thread-safe; use it from one thread (the loop thread).
 * Errors: recoverable failures return -1 (or NULL) and set errno. Broken invariants (a NULL handle,
 * inconsistent window bookkeeping) go through dfsm_contract_fail() and return -1 with errno
 * ENOTRECOVERABLE (see dfsm_contract.h).
 */
#ifndef DFSM_TIMER_H
#define DFSM_TIMER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Finish modes for dfsm_timer_finish(). */
#define DFSM_FINISH_NONE 0  /* return at once */
#define DFSM_FINISH_SLEEP 1 /* clock_nanosleep(TIMER_ABSTIME) to the deadline */
#define DFSM_FINISH_SPIN 2  /* sleep to (deadline - spin window), then spin on the clock */

/* Contract ids of this object (dfsm_contract.h numbers the tag ring 100..199; timing uses 200..). */
#define DFSM_CONTRACT_TIMER_WINDOW 200 /* the wake-latency window's head/fill count is out of range */

/* Size of the window of wake latencies the estimate is taken over. */
#define DFSM_TIMER_WINDOW 256

typedef struct dfsm_timer dfsm_timer;

/* Create a timer. quantile (0 < q < 1) is the wake-latency percentile to learn (e.g. 0.9).
 * Returns NULL with errno on failure (EINVAL for a bad quantile, or timerfd_create's errno). */
dfsm_timer *dfsm_timer_new(double quantile);

/* Close the fd and free. NULL is accepted. */
void dfsm_timer_free(dfsm_timer *t);

/* The timerfd to watch for readability (owned by the timer; do not close it); -1 for NULL. */
int dfsm_timer_fd(const dfsm_timer *t);

/* Arm for the absolute CLOCK_MONOTONIC time fire_ns (> 0). A time in the past fires at once.
 * Returns 0, or -1 with errno. */
int dfsm_timer_arm(dfsm_timer *t, int64_t fire_ns);

/* Disarm. Returns 0, or -1 with errno. */
int dfsm_timer_disarm(dfsm_timer *t);

/* Drain the fd's expiration count (non-blocking). Returns the count (0 when nothing was pending),
 * or -1 with errno on a real error. */
int64_t dfsm_timer_consume(dfsm_timer *t);

/* Called once the waiter has woken for the time last armed: drains the fd, records
 * (now - armed) into the wake-latency window, then finishes to deadline_ns with mode.
 * It never blocks past min(deadline_ns, now + max_block_ns); spin_window_ns bounds the busy part
 * of DFSM_FINISH_SPIN. Returns CLOCK_MONOTONIC now (ns) on return, or -1 with errno. */
int64_t dfsm_timer_finish(dfsm_timer *t, int64_t deadline_ns, int mode, int64_t spin_window_ns,
                          int64_t max_block_ns);

/* Change the learned percentile (0 < q < 1); the estimate is recomputed at once from the window.
 * Returns 0, or -1 with errno EINVAL. */
int dfsm_timer_set_quantile(dfsm_timer *t, double quantile);

/* The learned wake latency (ns): the configured percentile over the last DFSM_TIMER_WINDOW
 * wakes, refreshed every 32 wakes; 0 until 32 wakes have been seen (-1 for a NULL handle). */
int64_t dfsm_timer_wake_latency(const dfsm_timer *t);

/* Number of wake latencies recorded since creation (or the last reset). */
uint64_t dfsm_timer_wakes(const dfsm_timer *t);

/* Forget the learned wake latency. */
void dfsm_timer_reset_learning(dfsm_timer *t);

/* CLOCK_MONOTONIC now in ns (the same clock as Python's time.monotonic_ns on Linux). */
int64_t dfsm_clock_now_ns(void);

/* Sleep (or spin the last spin_window_ns when mode is DFSM_FINISH_SPIN) until deadline_ns,
 * without any timer object. Returns now (ns) or -1 with errno. Blocks the calling thread. */
int64_t dfsm_clock_sleep_until(int64_t deadline_ns, int mode, int64_t spin_window_ns);

#ifdef __cplusplus
}
#endif
#endif /* DFSM_TIMER_H */
