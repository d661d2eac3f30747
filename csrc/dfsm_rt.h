/* dfsm_rt — per-thread real-time knobs that Python's os module does not expose.
 *
 * Threads: each call acts on the calling thread (timer slack) or the process (mlockall).
 * Errors: -1 with errno (EPERM when the system refuses).
 */
#ifndef DFSM_RT_H
#define DFSM_RT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Set the calling thread's timer slack (ns, >= 1; 0 restores the default). Returns 0 or -1. */
int dfsm_rt_set_timer_slack(int64_t slack_ns);

/* The calling thread's timer slack in ns, or -1 with errno. */
int64_t dfsm_rt_get_timer_slack(void);

/* Lock current and future pages into RAM (mlockall(MCL_CURRENT|MCL_FUTURE)). Returns 0 or -1. */
int dfsm_rt_lock_memory(void);

/* Undo dfsm_rt_lock_memory. Returns 0 or -1. */
int dfsm_rt_unlock_memory(void);

#ifdef __cplusplus
}
#endif
#endif /* DFSM_RT_H */
