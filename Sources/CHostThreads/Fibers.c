#define _GNU_SOURCE
#include "Fibers.h"
#include "HostThreads.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IOSIM_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define IOSIM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define IOSIM_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define IOSIM_TSAN 1
#endif

#if IOSIM_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#endif
#if IOSIM_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

// The Swift runtime's exclusivity hand-over (libswiftCore, C calling convention): what a task
// calls as it starts and stops running on a thread; a fiber does the same at each switch.
extern void swift_task_enterThreadLocalContext(char *state);
extern void swift_task_exitThreadLocalContext(char *state);

#if defined(__x86_64__)
#define IOSIM_HAVE_FIBERS 1
#else
#define IOSIM_HAVE_FIBERS 0
#endif

struct iosim_fiber {
    /// The stack pointer saved when the context stopped (its registers are on its stack).
    void *sp;
    /// The current simulated thread while this context runs.
    void *thread;
    /// Swift's exclusivity access set while the context is parked.
    uintptr_t exclusivity[2];
    /// The C library's `errno` while the context is parked: the host keeps one per OS thread,
    /// a simulated thread has one of its own (as a Windows thread has), and the CRT of the
    /// simulation (Sources/ucrt) keeps its `errno` there.
    int savedErrno;
    void (*body)(void *);
    void *context;
    /// The mapping (guard page included); NULL for an OS thread's own context.
    char *mapping;
    size_t mappingSize;
    /// The usable stack, for AddressSanitizer (an OS thread's own: learnt at its first switch).
    const void *stackBottom;
    size_t stackSize;
    void *asanFakeStack;
    void *tsanFiber;
    iosim_fiber *nextFree;
};

enum { GUARD = 64 * 1024, STACK = 4 * 1024 * 1024, POOL_LIMIT = 64 };

size_t iosim_fiber_stack_size(void) { return STACK; }

// MARK: - Mode

static int mode = -1;  // -1 undecided, 0 OS threads, 1 fibers

bool iosim_fibers_enabled(void) {
    int known = __atomic_load_n(&mode, __ATOMIC_RELAXED);
    if (known >= 0) return known == 1;
    int decided = IOSIM_HAVE_FIBERS;
    const char *choice = getenv("IOSIM_THREADS");
    if (choice && strcmp(choice, "os") == 0) decided = 0;
    __atomic_store_n(&mode, decided, __ATOMIC_RELAXED);
    return decided == 1;
}

// MARK: - Per-OS-thread state
//
// Reached through a function the compiler cannot inline, because a fiber may stop on one OS
// thread and resume on another (a later `run` from another thread): an address of thread-local
// storage computed before a switch must not be reused after it.

struct fiber_tls {
    /// The OS thread's own context (its own stack), whenever no fiber runs on it.
    iosim_fiber own;
    /// The context running now (NULL: `own`).
    iosim_fiber *running;
    /// The context the next wait switches to (the one a signal handed the baton).
    iosim_fiber *next;
    /// The context that switched to the one now landing.
    iosim_fiber *from;
    /// A fiber that ended, to recycle once its stack is left.
    iosim_fiber *retiring;
};

static _Thread_local struct fiber_tls fiberState;

__attribute__((noinline)) static struct fiber_tls *tls(void) {
    struct fiber_tls *state = &fiberState;
    __asm__ volatile("" : "+r"(state));
    return state;
}

static iosim_fiber *running(struct fiber_tls *state) { return state->running ? state->running : &state->own; }

// MARK: - The stack pool

static pthread_mutex_t poolLock = PTHREAD_MUTEX_INITIALIZER;
static iosim_fiber *pool = 0;
static int pooled = 0;

static iosim_fiber *take_fiber(void) {
    pthread_mutex_lock(&poolLock);
    iosim_fiber *fiber = pool;
    if (fiber) {
        pool = fiber->nextFree;
        pooled--;
    }
    pthread_mutex_unlock(&poolLock);
    if (fiber) return fiber;
    fiber = calloc(1, sizeof *fiber);
    if (!fiber) return 0;
    size_t size = STACK + GUARD;
    void *mapping = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
#ifdef MAP_STACK
                         | MAP_STACK
#endif
                         , -1, 0);
    if (mapping == MAP_FAILED) {
        free(fiber);
        return 0;
    }
    // The lowest pages stay inaccessible: an overflow faults instead of writing another stack.
    mprotect(mapping, GUARD, PROT_NONE);
    fiber->mapping = mapping;
    fiber->mappingSize = size;
    fiber->stackBottom = (char *)mapping + GUARD;
    fiber->stackSize = STACK;
    return fiber;
}

/// Back to the pool (or to the host): the fiber is not running and never will again.
static void recycle(iosim_fiber *fiber) {
#if IOSIM_TSAN
    if (fiber->tsanFiber) __tsan_destroy_fiber(fiber->tsanFiber);
#endif
#if IOSIM_ASAN
    // Frames abandoned on it left their redzones poisoned.
    __asan_unpoison_memory_region(fiber->stackBottom, fiber->stackSize);
#endif
    fiber->tsanFiber = 0;
    fiber->asanFakeStack = 0;
    fiber->body = 0;
    fiber->context = 0;
    fiber->thread = 0;
    fiber->exclusivity[0] = fiber->exclusivity[1] = 0;
    fiber->savedErrno = 0;
    pthread_mutex_lock(&poolLock);
    if (pooled < POOL_LIMIT) {
        fiber->nextFree = pool;
        pool = fiber;
        pooled++;
        fiber = 0;
    }
    pthread_mutex_unlock(&poolLock);
    if (fiber) {
        munmap(fiber->mapping, fiber->mappingSize);
        free(fiber);
    }
}

// MARK: - The switch

#if IOSIM_HAVE_FIBERS
#if defined(__APPLE__)
#define IOSIM_SYMBOL(name) "_" #name
#else
#define IOSIM_SYMBOL(name) #name
#endif

/// Saves the callee-saved registers (and the SSE and x87 control words) on the current stack,
/// stores the stack pointer in `*save`, moves to `target` and restores what was saved there.
void iosim_switch_stack(void **save, void *target);
/// Where a new fiber's first switch lands: calls iosim_fiber_main with the fiber (in r12).
void iosim_fiber_trampoline(void);
void iosim_fiber_main(iosim_fiber *fiber);

__asm__(
    ".text\n"
    ".globl " IOSIM_SYMBOL(iosim_switch_stack) "\n"
    IOSIM_SYMBOL(iosim_switch_stack) ":\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    subq $8, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    fnstcw 4(%rsp)\n"
    "    movq %rsp, (%rdi)\n"
    "    movq %rsi, %rsp\n"
    "    ldmxcsr (%rsp)\n"
    "    fldcw 4(%rsp)\n"
    "    addq $8, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    ".globl " IOSIM_SYMBOL(iosim_fiber_trampoline) "\n"
    IOSIM_SYMBOL(iosim_fiber_trampoline) ":\n"
    "    movq %r12, %rdi\n"
    "    call " IOSIM_SYMBOL(iosim_fiber_main) "\n"
    "    ud2\n");

/// A new fiber's stack, laid out as iosim_switch_stack leaves a stopped one: control words,
/// r15, r14, r13, r12 (the fiber), rbx, rbp, and the trampoline as return address.
static void prepare_stack(iosim_fiber *fiber) {
    uintptr_t top = ((uintptr_t)fiber->stackBottom + fiber->stackSize) & ~(uintptr_t)15;
    uint64_t *frame = (uint64_t *)(top - 80);
    memset(frame, 0, 80);
    ((uint32_t *)frame)[0] = 0x1F80;  // MXCSR: every exception masked, round to nearest
    ((uint16_t *)frame)[2] = 0x037F;  // x87 control word: the same
    frame[4] = (uint64_t)(uintptr_t)fiber;
    frame[7] = (uint64_t)(uintptr_t)iosim_fiber_trampoline;
    fiber->sp = frame;
}
#endif

/// What every context does first when it gets the CPU back (or first gets it): tell the
/// sanitizers where it came from, take back its `errno`, and recycle a fiber that ended to get here.
__attribute__((noinline)) static void landed(iosim_fiber *self) {
    struct fiber_tls *state = tls();
    errno = self->savedErrno;
#if IOSIM_ASAN
    iosim_fiber *from = state->from;
    __sanitizer_finish_switch_fiber(self->asanFakeStack, &from->stackBottom, &from->stackSize);
#else
    (void)self;
#endif
    iosim_fiber *retiring = state->retiring;
    state->retiring = 0;
    if (retiring) recycle(retiring);
}

__attribute__((noinline)) static void switch_to(iosim_fiber *target, bool ending) {
#if IOSIM_HAVE_FIBERS
    struct fiber_tls *state = tls();
    iosim_fiber *self = running(state);
    self->thread = iosim_current_thread();
    self->savedErrno = errno;
    // This context's accesses leave the thread's set with it; the target's come back.
    swift_task_exitThreadLocalContext((char *)self->exclusivity);
    swift_task_enterThreadLocalContext((char *)target->exclusivity);
    iosim_set_current_thread(target->thread);
    state->running = target == &state->own ? 0 : target;
    state->from = self;
    if (ending) state->retiring = self;
#if IOSIM_TSAN
    if (!self->tsanFiber) self->tsanFiber = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(target->tsanFiber, 0);
#endif
#if IOSIM_ASAN
    __sanitizer_start_switch_fiber(ending ? 0 : &self->asanFakeStack, target->stackBottom, target->stackSize);
#endif
    iosim_switch_stack(&self->sp, target->sp);
    landed(self);
#else
    (void)target; (void)ending;
    abort();
#endif
}

void iosim_fiber_main(iosim_fiber *fiber) {
    landed(fiber);
    fiber->body(fiber->context);
    iosim_fiber_end();
}

// MARK: - Fibers and batons

iosim_fiber *iosim_fiber_start(void (*body)(void *), void *context, void *thread) {
#if IOSIM_HAVE_FIBERS
    iosim_fiber *fiber = take_fiber();
    if (!fiber) return 0;
    fiber->body = body;
    fiber->context = context;
    fiber->thread = thread;
#if IOSIM_TSAN
    fiber->tsanFiber = __tsan_create_fiber(0);
#endif
    prepare_stack(fiber);
    tls()->next = fiber;
    return fiber;
#else
    (void)body; (void)context; (void)thread;
    return 0;
#endif
}

static _Noreturn void no_next_context(void) {
    fputs("overlapped-sim: a simulated thread gave up the CPU, but no simulated thread was handed it "
          "(a scheduler bug); stopping\n", stderr);
    fflush(stderr);
    abort();
}

_Noreturn void iosim_fiber_end(void) {
    struct fiber_tls *state = tls();
    iosim_fiber *next = state->next;
    if (!next || !state->running) no_next_context();
    state->next = 0;
    switch_to(next, true);
    abort();
}

void iosim_fiber_discard(iosim_fiber *fiber) {
    if (fiber) recycle(fiber);
}

/// A baton in fiber mode: `waiter` is the context parked on it, `posted` a signal that came
/// before its wait. Signalling hands the baton to the waiter (it runs at the signaller's next
/// wait or end); waiting switches to whoever was handed it.
void iosim_fiber_baton_signal(iosim_baton *baton) {
    iosim_fiber *waiter = baton->waiter;
    if (waiter) {
        baton->waiter = 0;
        tls()->next = waiter;
    } else {
        baton->posted = 1;
    }
}

void iosim_fiber_baton_wait(iosim_baton *baton) {
    if (baton->posted) {
        baton->posted = 0;
        return;
    }
    struct fiber_tls *state = tls();
    iosim_fiber *next = state->next;
    if (!next) no_next_context();
    state->next = 0;
    iosim_fiber *self = running(state);
    if (next == self) return;
    baton->waiter = self;
    switch_to(next, false);
}
