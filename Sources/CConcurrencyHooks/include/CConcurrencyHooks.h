#ifndef C_CONCURRENCY_HOOKS_H
#define C_CONCURRENCY_HOOKS_H

#include <stdbool.h>

/// How a job reached the global executor: at once, after a delay, or at a deadline.
typedef enum {
    IOSimJobNow = 0,
    IOSimJobAfterDelay = 1,
    IOSimJobAtDeadline = 2,
} IOSimJobTiming;

/// Offered every job the Swift runtime enqueues on its global executor. Returns true if it
/// took the job (the simulation will run it), false to let the runtime's own executor have it.
/// For `IOSimJobAfterDelay`, `nanoseconds` is the delay; for `IOSimJobAtDeadline`, `seconds`
/// and `nanoseconds` are the deadline on `clock` (0: continuous, 1: suspending).
typedef bool (*IOSimJobRouter)(void *_Nonnull job, IOSimJobTiming timing, long long seconds,
                               long long nanoseconds, int clock);

/// Installs the simulator's hooks on the Swift runtime's global executor (the
/// `swift_task_enqueueGlobal*_hook` variables of libswift_Concurrency), once per process.
/// Returns false if the runtime does not export them.
bool iosim_install_concurrency_hooks(IOSimJobRouter _Nonnull router);

/// The task running on the calling OS thread (`swift_task_getCurrent`), or NULL. A job that is
/// the running task itself, offered to the global executor, is that task hopping executors.
void *_Nullable iosim_current_task(void);

/// Runs `job` on the generic executor, with no task executor, as the runtime's global executor
/// runs the jobs it is given (`swift_job_run` with the generic `SerialExecutorRef`).
void iosim_run_job_on_generic_executor(void *_Nonnull job);

/// The executor that takes every job enqueued on the calling OS thread while it releases a
/// simulation's leftover wake-ups (NULL otherwise): a job those wake-ups make ready is kept
/// from running anywhere.
void *_Nullable iosim_job_sink(void);
void iosim_set_job_sink(void *_Nullable sink);

/// The calling OS thread's id (`gettid`) and name (`pthread_getname_np`), for diagnostics
/// about Win32 calls made on threads outside the simulation. The name is NUL-terminated.
long iosim_os_thread_id(void);
void iosim_os_thread_name(char *_Nonnull buffer, unsigned long size);

/// Host clock reads (HostClockReads.c): the process's `clock_gettime` is the C library's, and
/// notes, on an OS thread that is running a simulated task job, the last value it returned for
/// CLOCK_BOOTTIME (`ContinuousClock`) and CLOCK_MONOTONIC (`SuspendingClock`).
///
/// Turns noting on or off for the calling OS thread; `forget` drops what was noted.
void iosim_host_clock_capture(bool on, bool forget);

/// The last value noted on the calling OS thread for `clock` (0: continuous, 1: suspending, as
/// the runtime's deadline hook numbers them); false if none was noted since it was forgotten,
/// or if the thread is not noting now (it is not running a simulated task job).
bool iosim_host_clock_last_read(int clock, long long *_Nonnull seconds, long long *_Nonnull nanoseconds);

#endif
