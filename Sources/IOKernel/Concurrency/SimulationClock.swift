import Synchronization

/// A `Clock` whose instants are the simulation's virtual clock (``Simulation/clock``): sleeping
/// on it lets virtual time pass, so a timeout written with it races device events on the same
/// clock, deterministically, and a test never waits for real.
///
/// ```swift
/// let clock = sim.clock
/// try await sim.run {
///     try await clock.sleep(for: .seconds(1))       // or Task.sleep(for: .seconds(1), clock: clock)
///     print(clock.now)                               // 1000.000ms
/// }
/// ```
///
/// Sleeping works in tasks of an async ``Simulation/run(_:)-(()async->R)``: the task's
/// wake-up is a timer on the virtual clock, which fires when every simulated thread is blocked
/// and it is the earliest thing due. A cancelled sleep throws `CancellationError` at once.
/// Outside the simulation's tasks, `sleep` throws ``AsyncRunError/mainThreadTerminated``-free
/// `CancellationError` immediately rather than wait for a clock nobody moves.
public struct SimulationClock: Clock, @unchecked Sendable {
    /// A point on the virtual clock.
    public struct Instant: InstantProtocol, CustomStringConvertible {
        public let instant: VirtualInstant

        public init(_ instant: VirtualInstant) { self.instant = instant }

        public func advanced(by duration: Duration) -> Instant {
            if duration < .zero {
                let back = (Duration.zero - duration).virtualNanoseconds
                return Instant(VirtualInstant(nanoseconds: instant.nanoseconds > back ? instant.nanoseconds - back : 0))
            }
            return Instant(instant.advanced(by: duration))
        }

        public func duration(to other: Instant) -> Duration { instant.duration(to: other.instant) }

        public static func < (a: Instant, b: Instant) -> Bool { a.instant < b.instant }

        public var description: String { instant.description }
    }

    let kernel: Kernel

    init(kernel: Kernel) { self.kernel = kernel }

    /// The virtual time now.
    public var now: Instant { Instant(kernel.now) }

    /// The virtual clock counts nanoseconds.
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Suspends the calling task until the virtual clock reaches `deadline`.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                guard sleeper.start(continuation) else { return }
                guard let thread = SimThread.current, thread.kernel === kernel else {
                    sleeper.wake(throwing: CancellationError())
                    return
                }
                let event = kernel.timers.schedule(at: deadline.instant, label: "a sleeping task's wake-up") {
                    sleeper.wake(throwing: nil)
                }
                kernel.concurrency.taskTimers.insert(ObjectIdentifier(event))
                sleeper.timer = event
            }
        } onCancel: {
            sleeper.wake(throwing: CancellationError())
        }
    }
}

/// One sleep's continuation, resumed exactly once: by its timer or by cancellation, which may
/// come from any thread (hence the lock).
private final class Sleeper: @unchecked Sendable {
    private struct State {
        var continuation: UnsafeContinuation<Void, any Error>?
        var cancelled = false
        var done = false
    }

    private let state = Mutex(State())
    /// The wake-up timer, cancelled when the sleep is (by the simulated thread that cancels).
    @exclusivity(unchecked) var timer: ScheduledEvent?

    /// Keeps the continuation; false (and resumed at once) if the sleep was already cancelled.
    func start(_ continuation: UnsafeContinuation<Void, any Error>) -> Bool {
        let cancelled = state.withLock { state in
            if state.cancelled { state.done = true } else { state.continuation = continuation }
            return state.cancelled
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
        return !cancelled
    }

    func wake(throwing error: (any Error)?) {
        let continuation = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
            guard !state.done else { return nil }
            if error != nil { state.cancelled = true }
            guard let continuation = state.continuation else { return nil }
            state.done = true
            state.continuation = nil
            return continuation
        }
        guard let continuation else { return }
        if let error {
            // A cancellation on a simulated thread takes the timer with it.
            if SimThread.current != nil { timer?.cancel() }
            continuation.resume(throwing: error)
        } else {
            continuation.resume()
        }
    }
}

extension VirtualInstant {
    /// The duration from this instant to `other` (negative if `other` is earlier).
    public func duration(to other: VirtualInstant) -> Duration {
        other.nanoseconds >= nanoseconds
            ? .nanoseconds(Int64(clamping: other.nanoseconds - nanoseconds))
            : .zero - .nanoseconds(Int64(clamping: nanoseconds - other.nanoseconds))
    }
}

extension Simulation {
    /// The simulation's virtual clock as a Swift `Clock`, for `Task.sleep(for:clock:)`,
    /// `clock.sleep(for:)` and timeouts in tasks of an async ``run(_:)-(()async->R)``.
    public var clock: SimulationClock { SimulationClock(kernel: kernel) }
}
