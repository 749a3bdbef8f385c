import CConcurrencyHooks
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts a host-clock deadline (a `ContinuousClock` or `SuspendingClock` instant, which is
/// what `Task.sleep(for:)`, `ContinuousClock().sleep(for:)` and `Task.sleep(until: .now + d)`
/// hand the executor) into the virtual delay a simulated task sleeps.
///
/// The runtime only ever sees an instant: `clock.sleep(for: d)` reads the host clock, adds `d`,
/// and the wake-up reaches the simulation later, with the sum (through
/// ``SimulationExecutor``'s `SchedulingExecutor` conformance on the 6.3 runtime, or the
/// global-executor deadline hook, ``ConcurrencyHooks``). Subtracting the host's `now` at the
/// enqueue loses whatever host time passed in between, and a host that preempts the OS thread
/// for a few milliseconds there (a loaded CI machine does) turned a 1 s sleep into 999 ms.
///
/// So the simulation learns the exact host instant the runtime read: the process's
/// `clock_gettime` (HostClockReads.c in `CConcurrencyHooks`) notes, on an OS thread running a
/// simulated task job, the last CLOCK_BOOTTIME and CLOCK_MONOTONIC value it returned
/// (libswift_Concurrency's clock read calls it through its PLT), and the executor forgets the
/// notes when a job starts (not when the running task hops: a hop is the same job going on).
/// The delay is the deadline minus that read: the duration the task asked for, to the
/// nanosecond, however long the host took. No host time enters the virtual clock.
///
/// A deadline read in an earlier job (a saved `.now + d`, a parent task's read used by a child)
/// has no read of its own job to pair with: it is converted as before, the host time left
/// until it, rounded up to a whole millisecond (the microseconds between a read and its
/// enqueue do not show, a preemption longer than the rounding does).
package enum HostDeadline {
    /// Host time (nanoseconds, really slept) that every conversion first lets pass, as if the
    /// host preempted the OS thread between the runtime's clock read and the enqueue: a test
    /// sets it to show that the virtual delay does not depend on it. Zero outside tests.
    package static let preemptionForTesting = Atomic<Int64>(0)

    /// The delay until a deadline given as the deadline hook gives it: seconds and nanoseconds
    /// on `clock` (0: continuous, 1: suspending; CLOCK_BOOTTIME and CLOCK_MONOTONIC on Linux).
    static func delay(until seconds: Int64, _ nanoseconds: Int64, clock: Int32) -> Duration {
        preemptIfTesting()
        var readSeconds: Int64 = 0
        var readNanoseconds: Int64 = 0
        if iosim_host_clock_last_read(clock, &readSeconds, &readNanoseconds) {
            return nonNegative(.seconds(seconds - readSeconds) + .nanoseconds(nanoseconds - readNanoseconds))
        }
        var now = timespec()
        #if os(Linux)
        clock_gettime(clock == 1 ? CLOCK_MONOTONIC : CLOCK_BOOTTIME, &now)
        #else
        clock_gettime(CLOCK_MONOTONIC, &now)
        #endif
        let left = Duration.seconds(seconds - Int64(now.tv_sec)) + .nanoseconds(nanoseconds - Int64(now.tv_nsec))
        return left.roundedUpToMilliseconds
    }

    /// The delay until `instant` on a host clock (`ContinuousClock` or `SuspendingClock`); nil
    /// for any other clock. The instant's own seconds are not public, so the clock is read once
    /// more here: that read's instant and its noted value give the deadline's distance from the
    /// job's earlier read exactly.
    static func delay<C: Clock>(until instant: C.Instant, clock: C) -> Duration? {
        let id: Int32
        if clock is ContinuousClock {
            id = 0
        } else if clock is SuspendingClock {
            id = 1
        } else {
            return nil
        }
        preemptIfTesting()
        let earlier = lastRead(id)
        let now = clock.now
        guard let left = now.duration(to: instant) as? Duration else { return nil }
        if let earlier, let read = lastRead(id) {
            return nonNegative(left + (read - earlier))
        }
        return left.roundedUpToMilliseconds
    }

    /// The host instant (as a duration since the clock's epoch) last noted on this OS thread.
    private static func lastRead(_ clock: Int32) -> Duration? {
        var seconds: Int64 = 0
        var nanoseconds: Int64 = 0
        guard iosim_host_clock_last_read(clock, &seconds, &nanoseconds) else { return nil }
        return .seconds(seconds) + .nanoseconds(nanoseconds)
    }

    private static func nonNegative(_ duration: Duration) -> Duration { max(duration, .zero) }

    private static func preemptIfTesting() {
        let nanoseconds = preemptionForTesting.load(ordering: .relaxed)
        guard nanoseconds > 0 else { return }
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 { request = remaining }
    }
}
