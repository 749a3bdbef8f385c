// The host side of simulated threads: the per-OS-thread "current simulated thread" slot and
// the baton an OS thread parks on while another simulated thread runs.
//
// In C because Swift has neither `_Thread_local`, a futex nor a stack switch: the current thread
// is one TLS load (no pthread_getspecific, no lazy key); the baton is, with fibers (Fibers.h, the
// default), the context parked on it, and with OS threads a 32-bit word that is both the
// hand-over's state and the futex the parked thread sleeps on.
#ifndef IOSIM_HOST_THREADS_H
#define IOSIM_HOST_THREADS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The simulated thread (an unretained `SimThread`) running on this OS thread, or NULL. A
/// function, not an inline load: a fiber may resume on another OS thread than the one it
/// stopped on, and a thread-local address must not be kept across that in a caller's frame.
void *iosim_current_thread(void);
void iosim_set_current_thread(void *thread);

/// A hand-over token. With OS threads, `state`: 0 idle (nobody waits, no signal pending), 1
/// signalled, 2 a waiter spins on it, 3 a waiter sleeps on it (futex). With fibers, `waiter`
/// (the context parked on it) and `posted` (a signal that came before the wait).
typedef struct iosim_baton {
    _Atomic uint32_t state;
    uint32_t posted;
    void *waiter;
} iosim_baton;

/// Gives the baton to the thread waiting on it (or about to): never blocks.
void iosim_baton_signal(iosim_baton *baton);

/// Parks until the baton is signalled (a signal that came first is consumed at once). Spins
/// only while the OS threads this process keeps busy (running ones and spinning waiters) are
/// fewer than the cores, then sleeps on a futex.
void iosim_baton_wait(iosim_baton *baton);

/// The number of cores the process may run on (sched_getaffinity), at least 1.
int iosim_available_cores(void);

/// Starts a detached OS thread running `body(context)`. `ended(context)` runs when the thread
/// ends, whether `body` returned or the thread ended in `iosim_end_os_thread` (a cleanup
/// handler). Returns 0, or the error `pthread_create` gave.
int iosim_start_os_thread(void (*body)(void *), void (*ended)(void *), void *context);

/// Ends the calling OS thread (pthread_exit): for a simulated thread that exits and never
/// returns through its frames. Its thread-local state (Swift's exclusivity access set and
/// task-local fallback storage among it) goes with it, so nothing its abandoned frames left
/// there can reach another thread.
_Noreturn void iosim_end_os_thread(void);

/// Ends the calling simulated thread, which exits and never returns through its frames: its
/// fiber (iosim_fiber_end), or with OS threads its OS thread (iosim_end_os_thread).
_Noreturn void iosim_end_simulated_thread(void);

/// Under ThreadSanitizer, tells it that what the calling thread did before `iosim_tsan_release`
/// on `address` happens before what a thread does after `iosim_tsan_acquire` on it: for
/// synchronisation it cannot see (Synchronization.Mutex hands a contended lock over inside the
/// kernel, FUTEX_LOCK_PI). Nothing otherwise.
void iosim_tsan_acquire(void *address);
void iosim_tsan_release(void *address);

/// Writes `diagnostic` to standard error and parks the calling OS thread for good.
_Noreturn void iosim_park_forever(const char *diagnostic);

/// Unwind points: where the main thread of `Simulation.run` returns to when it exits on the
/// caller's own OS thread. `iosim_unwind_point_push` returns a jump buffer for `_setjmp`, kept
/// on a per-OS-thread stack; `iosim_unwind` jumps to the innermost one.
void *iosim_unwind_point_push(void);
void iosim_unwind_point_pop(void);
_Noreturn void iosim_unwind(void);

#ifdef __cplusplus
}
#endif

#endif
