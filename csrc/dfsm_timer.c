/* dfsm_timer — see dfsm_timer.h. */
#include "dfsm_timer.h"

#include <errno.h>

#include "dfsm_contract.h"
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL
#define REFRESH_EVERY 32u
#define NOT_NULL(p, on_fail) DFSM_CONTRACT("timer", DFSM_CONTRACT_NULL_HANDLE, (p) != NULL, on_fail)

struct dfsm_timer {
    int fd;
    double quantile;
    int64_t armed_ns;  /* last armed fire time; 0 = not armed */
    uint64_t wakes;    /* total recorded */
    int64_t estimate;  /* learned latency */
    uint32_t head;     /* next slot in window */
    uint32_t filled;   /* valid entries in window */
    int64_t window[DFSM_TIMER_WINDOW];
    int64_t scratch[DFSM_TIMER_WINDOW]; /* selection work area (no allocation after new) */
};

int64_t dfsm_clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static struct timespec to_ts(int64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / NS_PER_S);
    ts.tv_nsec = (long)(ns % NS_PER_S);
    return ts;
}

static int sleep_abs(int64_t until_ns)
{
    struct timespec ts = to_ts(until_ns);
    int rc;
    do {
        rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    } while (rc == EINTR);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return 0;
}

int64_t dfsm_clock_sleep_until(int64_t deadline_ns, int mode, int64_t spin_window_ns)
{
    int64_t now = dfsm_clock_now_ns();
    if (mode == DFSM_FINISH_NONE || deadline_ns <= now)
        return now;
    if (mode == DFSM_FINISH_SPIN) {
        if (spin_window_ns < 0)
            spin_window_ns = 0;
        if (deadline_ns - now > spin_window_ns) {
            if (sleep_abs(deadline_ns - spin_window_ns) != 0)
                return -1;
        }
        /* Bounded: at most spin_window_ns (plus whatever the sleep overshot). */
        do {
            now = dfsm_clock_now_ns();
        } while (now < deadline_ns);
        return now;
    }
    if (mode == DFSM_FINISH_SLEEP) {
        if (sleep_abs(deadline_ns) != 0)
            return -1;
        return dfsm_clock_now_ns();
    }
    errno = EINVAL;
    return -1;
}

dfsm_timer *dfsm_timer_new(double quantile)
{
    if (!(quantile > 0.0 && quantile < 1.0)) {
        errno = EINVAL;
        return NULL;
    }
    dfsm_timer *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->fd < 0) {
        int saved = errno;
        free(t);
        errno = saved;
        return NULL;
    }
    t->quantile = quantile;
    return t;
}

void dfsm_timer_free(dfsm_timer *t)
{
    if (t == NULL)
        return;
    close(t->fd);
    free(t);
}

int dfsm_timer_fd(const dfsm_timer *t)
{
    NOT_NULL(t, return -1);
    return t->fd;
}

int dfsm_timer_arm(dfsm_timer *t, int64_t fire_ns)
{
    NOT_NULL(t, return -1);
    if (fire_ns <= 0) {
        errno = EINVAL;
        return -1;
    }
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value = to_ts(fire_ns);
    if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        return -1;
    t->armed_ns = fire_ns;
    return 0;
}

int dfsm_timer_disarm(dfsm_timer *t)
{
    NOT_NULL(t, return -1);
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        return -1;
    t->armed_ns = 0;
    return 0;
}

int64_t dfsm_timer_consume(dfsm_timer *t)
{
    NOT_NULL(t, return -1);
    uint64_t n = 0;
    ssize_t r = read(t->fd, &n, sizeof(n));
    if (r == (ssize_t)sizeof(n))
        return (int64_t)n;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (r >= 0)
        errno = EIO;
    return -1;
}

/* k-th smallest of a[0..n) (Wirth's selection, in place); n <= DFSM_TIMER_WINDOW, bounded. */
static int64_t select_kth(int64_t *a, int n, int k)
{
    int l = 0, r = n - 1;
    while (l < r) {
        int64_t x = a[k];
        int i = l, j = r;
        do {
            while (a[i] < x)
                i++;
            while (x < a[j])
                j--;
            if (i <= j) {
                int64_t tmp = a[i];
                a[i] = a[j];
                a[j] = tmp;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < k)
            l = i;
        if (k < i)
            r = j;
    }
    return a[k];
}

static void refresh_estimate(dfsm_timer *t)
{
    memcpy(t->scratch, t->window, t->filled * sizeof(int64_t));
    int k = (int)(t->quantile * (double)(t->filled - 1) + 0.5);
    t->estimate = select_kth(t->scratch, (int)t->filled, k);
}

int dfsm_timer_set_quantile(dfsm_timer *t, double quantile)
{
    NOT_NULL(t, return -1);
    if (!(quantile > 0.0 && quantile < 1.0)) {
        errno = EINVAL;
        return -1;
    }
    t->quantile = quantile;
    if (t->filled >= REFRESH_EVERY)
        refresh_estimate(t);
    return 0;
}

static int record_wake(dfsm_timer *t, int64_t latency)
{
    DFSM_CONTRACT("timer", DFSM_CONTRACT_TIMER_WINDOW,
                  t->head < DFSM_TIMER_WINDOW && t->filled <= DFSM_TIMER_WINDOW, return -1);
    if (latency < 0)
        latency = 0;
    t->window[t->head] = latency;
    t->head = (t->head + 1) % DFSM_TIMER_WINDOW;
    if (t->filled < DFSM_TIMER_WINDOW)
        t->filled++;
    t->wakes++;
    if (t->filled >= REFRESH_EVERY && t->wakes % REFRESH_EVERY == 0)
        refresh_estimate(t);
    return 0;
}

int64_t dfsm_timer_finish(dfsm_timer *t, int64_t deadline_ns, int mode, int64_t spin_window_ns,
                          int64_t max_block_ns)
{
    NOT_NULL(t, return -1);
    if (mode < DFSM_FINISH_NONE || mode > DFSM_FINISH_SPIN || max_block_ns < 0) {
        errno = EINVAL;
        return -1;
    }
    if (dfsm_timer_consume(t) < 0)
        return -1;
    int64_t now = dfsm_clock_now_ns();
    if (t->armed_ns > 0 && now >= t->armed_ns) {
        if (record_wake(t, now - t->armed_ns) != 0)
            return -1;
        t->armed_ns = 0;
    }
    if (deadline_ns - now > max_block_ns)
        return now; /* too far: the caller re-arms instead of blocking the loop */
    return dfsm_clock_sleep_until(deadline_ns, mode, spin_window_ns);
}

int64_t dfsm_timer_wake_latency(const dfsm_timer *t)
{
    NOT_NULL(t, return -1);
    return t->estimate;
}

uint64_t dfsm_timer_wakes(const dfsm_timer *t)
{
    NOT_NULL(t, return 0);
    return t->wakes;
}

void dfsm_timer_reset_learning(dfsm_timer *t)
{
    NOT_NULL(t, return);
    t->estimate = 0;
    t->head = 0;
    t->filled = 0;
    t->wakes = 0;
}
