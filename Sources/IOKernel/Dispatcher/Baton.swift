import CHostThreads

/// The token a simulated thread parks on until it is handed the CPU (or the caller of
/// ``Simulation/run(_:)`` while the simulation runs).
///
/// With fibers (the default, ``Fiber``), `signal` hands the baton to the context parked on it,
/// which runs as soon as the signaller parks or ends, and `wait` switches to whoever was handed it;
/// a signal that comes before the wait is kept. With `IOSIM_THREADS=os`, a hand-over is a 32-bit
/// futex word (CHostThreads): `signal` makes it signalled and wakes a sleeper; `wait` consumes a
/// signal. The waiter spins for a few microseconds first, but only while the process's running
/// thread and spinning waiters fit on the cores: with more runnable OS threads than cores it
/// sleeps at once, so the thread that should run is never starved (issue 12).
final class Baton: @unchecked Sendable {
    private let token: UnsafeMutablePointer<iosim_baton>

    init() {
        token = .allocate(capacity: 1)
        token.initialize(to: iosim_baton())
    }

    deinit { token.deallocate() }

    /// Hands the baton to the thread parked (or about to park) in `wait`.
    @inline(__always) func signal() { iosim_baton_signal(token) }

    /// Parks until `signal`.
    @inline(__always) func wait() { iosim_baton_wait(token) }
}
