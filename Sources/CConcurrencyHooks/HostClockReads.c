// The host-clock reads of simulated task jobs (see CConcurrencyHooks.h, "Host clock reads").
//
// `clock_gettime` is defined here for the whole process, and calls the C library's own
// (looked up once with dlsym(RTLD_NEXT), so the vDSO's speed is kept) for every caller. On an OS
// thread that is running a simulated task job, it also notes the value it returned for the two
// clocks the Swift runtime's `ContinuousClock` and `SuspendingClock` read (CLOCK_BOOTTIME and
// CLOCK_MONOTONIC on Linux): libswift_Concurrency's `swift_get_time` calls `clock_gettime`
// through its PLT, so the process's definition is the one it reaches. Elsewhere, and for every
// other clock, the call is the C library's and nothing is noted.

#define _GNU_SOURCE
#include "CConcurrencyHooks.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*ClockGettime)(clockid_t, struct timespec *);

static _Atomic(ClockGettime) hostClockGettime;

/// Whether this OS thread is running a simulated task job, and what it read since the job began.
static _Thread_local bool capturing;
static _Thread_local bool readBoottime, readMonotonic;
static _Thread_local struct timespec lastBoottime, lastMonotonic;

static int clockGettimeBySyscall(clockid_t clock, struct timespec *time) {
    return (int)syscall(SYS_clock_gettime, clock, time);
}

static ClockGettime resolvedClockGettime(void) {
    ClockGettime function = atomic_load_explicit(&hostClockGettime, memory_order_acquire);
    if (function != NULL) return function;
    function = (ClockGettime)dlsym(RTLD_NEXT, "clock_gettime");
    if (function == NULL || function == clock_gettime) function = clockGettimeBySyscall;
    atomic_store_explicit(&hostClockGettime, function, memory_order_release);
    return function;
}

int clock_gettime(clockid_t clock, struct timespec *time) {
    int result = resolvedClockGettime()(clock, time);
    if (capturing && result == 0) {
        if (clock == CLOCK_BOOTTIME) {
            lastBoottime = *time;
            readBoottime = true;
        } else if (clock == CLOCK_MONOTONIC) {
            lastMonotonic = *time;
            readMonotonic = true;
        }
    }
    return result;
}

void iosim_host_clock_capture(bool on, bool forget) {
    capturing = on;
    if (forget) readBoottime = readMonotonic = false;
}

bool iosim_host_clock_last_read(int clock, long long *seconds, long long *nanoseconds) {
    bool read = clock == 1 ? readMonotonic : readBoottime;
    if (!capturing || !read) return false;
    struct timespec time = clock == 1 ? lastMonotonic : lastBoottime;
    *seconds = (long long)time.tv_sec;
    *nanoseconds = (long long)time.tv_nsec;
    return true;
}
