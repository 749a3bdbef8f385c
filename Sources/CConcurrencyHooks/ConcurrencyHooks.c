// The Swift runtime's global-executor hooks, as swift/include/swift/Runtime/ConcurrencyHooks.def
// declares them: each hook variable holds a swiftcall function that receives the arguments of
// the enqueue call and the runtime's own implementation ("original"), to call when the hook
// does not take the job. They are weak, so that a runtime without them leaves them null.

#define _GNU_SOURCE
#include "CConcurrencyHooks.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

#define IOSIM_SWIFTCC __attribute__((swiftcall))

typedef IOSIM_SWIFTCC void (*EnqueueGlobalOriginal)(void *job);
typedef IOSIM_SWIFTCC void (*EnqueueGlobalWithDelayOriginal)(unsigned long long delay, void *job);
typedef IOSIM_SWIFTCC void (*EnqueueGlobalWithDeadlineOriginal)(long long sec, long long nsec, long long tsec,
                                                                long long tnsec, int clock, void *job);

extern IOSIM_SWIFTCC void (*swift_task_enqueueGlobal_hook)(void *job, EnqueueGlobalOriginal original)
    __attribute__((weak));
extern IOSIM_SWIFTCC void (*swift_task_enqueueGlobalWithDelay_hook)(unsigned long long delay, void *job,
                                                                    EnqueueGlobalWithDelayOriginal original)
    __attribute__((weak));
extern IOSIM_SWIFTCC void (*swift_task_enqueueGlobalWithDeadline_hook)(long long sec, long long nsec, long long tsec,
                                                                       long long tnsec, int clock, void *job,
                                                                       EnqueueGlobalWithDeadlineOriginal original)
    __attribute__((weak));

static _Atomic(IOSimJobRouter) router;

static IOSIM_SWIFTCC void enqueueGlobal(void *job, EnqueueGlobalOriginal original) {
    IOSimJobRouter route = atomic_load(&router);
    if (route == NULL || !route(job, IOSimJobNow, 0, 0, 0)) original(job);
}

static IOSIM_SWIFTCC void enqueueGlobalWithDelay(unsigned long long delay, void *job,
                                                 EnqueueGlobalWithDelayOriginal original) {
    IOSimJobRouter route = atomic_load(&router);
    long long clamped = delay > (unsigned long long)__LONG_LONG_MAX__ ? __LONG_LONG_MAX__ : (long long)delay;
    if (route == NULL || !route(job, IOSimJobAfterDelay, 0, clamped, 0)) original(delay, job);
}

static IOSIM_SWIFTCC void enqueueGlobalWithDeadline(long long sec, long long nsec, long long tsec, long long tnsec,
                                                    int clock, void *job, EnqueueGlobalWithDeadlineOriginal original) {
    IOSimJobRouter route = atomic_load(&router);
    if (route == NULL || !route(job, IOSimJobAtDeadline, sec, nsec, clock)) original(sec, nsec, tsec, tnsec, clock, job);
}

bool iosim_install_concurrency_hooks(IOSimJobRouter router_) {
    if (&swift_task_enqueueGlobal_hook == NULL) return false;
    atomic_store(&router, router_);
    swift_task_enqueueGlobal_hook = enqueueGlobal;
    if (&swift_task_enqueueGlobalWithDelay_hook != NULL) swift_task_enqueueGlobalWithDelay_hook = enqueueGlobalWithDelay;
    if (&swift_task_enqueueGlobalWithDeadline_hook != NULL)
        swift_task_enqueueGlobalWithDeadline_hook = enqueueGlobalWithDeadline;
    return true;
}

// swift/include/swift/Runtime/Concurrency.h: `AsyncTask *swift_task_getCurrent(void)`, swiftcall.
extern IOSIM_SWIFTCC void *swift_task_getCurrent(void);

void *iosim_current_task(void) { return swift_task_getCurrent(); }

// swift/include/swift/Runtime/Concurrency.h: `void swift_job_run(Job *job, SerialExecutorRef
// executor)`, swiftcall; a SerialExecutorRef is an identity and an implementation word, both 0
// for the generic executor.
typedef struct {
    void *identity;
    uintptr_t implementation;
} IOSimSerialExecutorRef;

extern IOSIM_SWIFTCC void swift_job_run(void *job, IOSimSerialExecutorRef executor);

void iosim_run_job_on_generic_executor(void *job) {
    IOSimSerialExecutorRef generic = {NULL, 0};
    swift_job_run(job, generic);
}

static _Thread_local void *jobSink;

void *iosim_job_sink(void) { return jobSink; }

void iosim_set_job_sink(void *sink) { jobSink = sink; }

long iosim_os_thread_id(void) {
#if defined(__linux__)
    return (long)gettid();
#else
    return (long)(unsigned long)pthread_self();
#endif
}

void iosim_os_thread_name(char *buffer, unsigned long size) {
    if (size == 0) return;
    buffer[0] = 0;
    if (pthread_getname_np(pthread_self(), buffer, size) != 0) buffer[0] = 0;
    buffer[size - 1] = 0;
}
