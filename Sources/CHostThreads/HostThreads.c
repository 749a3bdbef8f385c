#define _GNU_SOURCE
#include "HostThreads.h"
#include "Fibers.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

static _Thread_local void *currentThread = 0;

void *iosim_current_thread(void) { return currentThread; }
void iosim_set_current_thread(void *thread) { currentThread = thread; }

// Fibers.c: the baton when simulated threads are fibers.
void iosim_fiber_baton_signal(iosim_baton *baton);
void iosim_fiber_baton_wait(iosim_baton *baton);

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IOSIM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define IOSIM_TSAN 1
#endif
#if IOSIM_TSAN
void __tsan_acquire(void *address);
void __tsan_release(void *address);
void iosim_tsan_acquire(void *address) { __tsan_acquire(address); }
void iosim_tsan_release(void *address) { __tsan_release(address); }
#else
void iosim_tsan_acquire(void *address) { (void)address; }
void iosim_tsan_release(void *address) { (void)address; }
#endif

enum { IDLE = 0, SIGNALLED = 1, SPINNING = 2, SLEEPING = 3 };

// How many waiters of this process spin right now. A waiter spins only if it, the spinners and
// one running thread fit on the cores: with more runnable OS threads than cores, a spinner would
// take the core the thread that should run needs (issue 12: three threads on two cores).
static _Atomic int spinners = 0;
static _Atomic int cores = 0;

// About 20 µs on a current core; a hand-over to a spinning waiter takes well under 1 µs.
enum { SPIN_LIMIT = 4000 };

int iosim_available_cores(void) {
    int known = atomic_load_explicit(&cores, memory_order_relaxed);
    if (known > 0) return known;
    int count = 1;
    // IOSIM_NO_SPIN: never spin (under valgrind, which runs one thread at a time, a spin only
    // burns instructions).
    const char *noSpin = getenv("IOSIM_NO_SPIN");
    if (noSpin && *noSpin && *noSpin != '0') {
        atomic_store_explicit(&cores, 1, memory_order_relaxed);
        return 1;
    }
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) count = CPU_COUNT(&set);
#else
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online > 0) count = (int)online;
#endif
    if (count < 1) count = 1;
    atomic_store_explicit(&cores, count, memory_order_relaxed);
    return count;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
#if defined(__linux__)
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    (void)word; (void)expected;
    sched_yield();
#endif
}

static void futex_wake(_Atomic uint32_t *word) {
#if defined(__linux__)
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#else
    (void)word;
#endif
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void iosim_baton_signal(iosim_baton *baton) {
    if (iosim_fibers_enabled()) {
        iosim_fiber_baton_signal(baton);
        return;
    }
    uint32_t previous = atomic_exchange_explicit(&baton->state, SIGNALLED, memory_order_acq_rel);
    // A spinning waiter stops counting as a spinner now: it is the running thread from here on,
    // and the signaller (about to wait) may take its place.
    if (previous == SPINNING) atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
    else if (previous == SLEEPING) futex_wake(&baton->state);
}

void iosim_baton_wait(iosim_baton *baton) {
    if (iosim_fibers_enabled()) {
        iosim_fiber_baton_wait(baton);
        return;
    }
    uint32_t expected = SIGNALLED;
    if (atomic_compare_exchange_strong_explicit(&baton->state, &expected, IDLE, memory_order_acq_rel, memory_order_acquire))
        return;
    int limit = iosim_available_cores();
    // Room for this spinner beside the running thread and the other spinners?
    int now = atomic_fetch_add_explicit(&spinners, 1, memory_order_relaxed);
    if (now + 2 <= limit) {
        expected = IDLE;
        if (atomic_compare_exchange_strong_explicit(&baton->state, &expected, SPINNING, memory_order_acq_rel, memory_order_acquire)) {
            for (int i = 0; i < SPIN_LIMIT; i++) {
                if (atomic_load_explicit(&baton->state, memory_order_acquire) == SIGNALLED) {
                    // The signaller took this thread off the spinner count.
                    atomic_store_explicit(&baton->state, IDLE, memory_order_relaxed);
                    return;
                }
                cpu_relax();
            }
            expected = SPINNING;
            if (!atomic_compare_exchange_strong_explicit(&baton->state, &expected, SLEEPING, memory_order_acq_rel, memory_order_acquire)) {
                // Signalled at the last moment (and taken off the count by the signaller).
                atomic_store_explicit(&baton->state, IDLE, memory_order_relaxed);
                return;
            }
            atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
        } else {
            // Signalled between the first look and now.
            atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
            atomic_store_explicit(&baton->state, IDLE, memory_order_relaxed);
            return;
        }
    } else {
        atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
        expected = IDLE;
        if (!atomic_compare_exchange_strong_explicit(&baton->state, &expected, SLEEPING, memory_order_acq_rel, memory_order_acquire)) {
            atomic_store_explicit(&baton->state, IDLE, memory_order_relaxed);
            return;
        }
    }
    while (atomic_load_explicit(&baton->state, memory_order_acquire) == SLEEPING) futex_wait(&baton->state, SLEEPING);
    atomic_store_explicit(&baton->state, IDLE, memory_order_relaxed);
}

struct start {
    void (*body)(void *);
    void (*ended)(void *);
    void *context;
};

static void *os_thread_main(void *argument) {
    struct start start = *(struct start *)argument;
    free(argument);
    pthread_cleanup_push(start.ended, start.context);
    start.body(start.context);
    pthread_cleanup_pop(1);
    return 0;
}

int iosim_start_os_thread(void (*body)(void *), void (*ended)(void *), void *context) {
    struct start *start = malloc(sizeof *start);
    if (!start) return -1;
    start->body = body;
    start->ended = ended;
    start->context = context;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int result = pthread_create(&thread, &attributes, os_thread_main, start);
    pthread_attr_destroy(&attributes);
    if (result != 0) free(start);
    return result;
}

_Noreturn void iosim_end_os_thread(void) {
    pthread_exit(0);
}

_Noreturn void iosim_end_simulated_thread(void) {
    if (iosim_fibers_enabled()) iosim_fiber_end();
    pthread_exit(0);
}

_Noreturn void iosim_park_forever(const char *diagnostic) {
    fputs(diagnostic, stderr);
    fflush(stderr);
    for (;;) pause();
}

struct unwind_point {
    jmp_buf buffer;
    struct unwind_point *outer;
};

static _Thread_local struct unwind_point *unwind_top = 0;

void *iosim_unwind_point_push(void) {
    struct unwind_point *point = malloc(sizeof *point);
    if (!point) abort();
    point->outer = unwind_top;
    unwind_top = point;
    return point->buffer;
}

void iosim_unwind_point_pop(void) {
    struct unwind_point *point = unwind_top;
    if (!point) return;
    unwind_top = point->outer;
    free(point);
}

_Noreturn void iosim_unwind(void) {
    longjmp(unwind_top->buffer, 1);
}
