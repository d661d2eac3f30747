/* dfsm_rt — see dfsm_rt.h. */
#include "dfsm_rt.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>

int dfsm_rt_set_timer_slack(int64_t slack_ns)
{
    if (slack_ns < 0) {
        errno = EINVAL;
        return -1;
    }
    return prctl(PR_SET_TIMERSLACK, (unsigned long)slack_ns, 0, 0, 0) == 0 ? 0 : -1;
}

int64_t dfsm_rt_get_timer_slack(void)
{
    int r = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    return r < 0 ? -1 : (int64_t)r;
}

int dfsm_rt_lock_memory(void) { return mlockall(MCL_CURRENT | MCL_FUTURE); }

int dfsm_rt_unlock_memory(void) { return munlockall(); }
