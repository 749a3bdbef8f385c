// Fibers: simulated threads as stackful coroutines on the OS thread that runs the simulation.
//
// A fiber is a stack (from a process-wide pool) and the registers saved when it stopped. A
// switch saves the running context's callee-saved registers on its stack, moves to the other
// stack and restores its registers: a few dozen instructions, no system call, and no other OS
// thread to wake, so it costs the same on a loaded host as on an idle one (issue 12).
//
// What a switch carries besides the registers (each context keeps its own):
// - the current simulated thread (iosim_current_thread);
// - Swift's dynamic exclusivity access set, which the runtime keeps per OS thread: saved and
//   restored with swift_task_exitThreadLocalContext/swift_task_enterThreadLocalContext, as the
//   concurrency runtime does when a task stops and resumes on a thread, so that an access a
//   parked thread has in progress is not seen by the others (no false "simultaneous access");
// - under ThreadSanitizer, its fiber (__tsan_switch_to_fiber); under AddressSanitizer, its stack
//   bounds and fake stack (__sanitizer_start_switch_fiber/__sanitizer_finish_switch_fiber).
// Everything else the runtimes keep per OS thread is shared by the fibers of that OS thread:
// the current task and task-local values among it (see the README, Speed).
#ifndef IOSIM_FIBERS_H
#define IOSIM_FIBERS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct iosim_fiber iosim_fiber;

/// Whether simulated threads are fibers: true where the switch is implemented (x86-64), unless
/// the environment says IOSIM_THREADS=os (each simulated thread on an OS thread of its own,
/// handed the CPU through the baton's futex). Decided once per process.
bool iosim_fibers_enabled(void);

/// Makes a fiber that runs `body(context)` on a pooled stack, with `thread` as its current
/// simulated thread, and makes it the context the next baton wait on this OS thread switches
/// to. When `body` returns, the fiber ends (iosim_fiber_end). NULL if no stack could be had.
iosim_fiber *iosim_fiber_start(void (*body)(void *), void *context, void *thread);

/// Ends the running fiber: switches to the context that was handed the baton and never
/// returns; the stack goes back to the pool once it is left. The frames on it are abandoned.
_Noreturn void iosim_fiber_end(void);

/// Gives back the stack of a parked fiber that will never run again (its simulation is
/// released): its frames are abandoned where they stopped.
void iosim_fiber_discard(iosim_fiber *fiber);

/// The usable size of a fiber's stack, in bytes.
size_t iosim_fiber_stack_size(void);

#ifdef __cplusplus
}
#endif

#endif
