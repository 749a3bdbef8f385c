import CHostThreads

/// The token an OS thread parks on until it is handed the CPU: a simulated thread's host thread
/// while another simulated thread runs, or the caller of ``Simulation/run(_:)`` while the
/// simulation runs.
///
/// A hand-over is a 32-bit futex word (CHostThreads): `signal` makes it signalled and wakes a
/// sleeper; `wait` consumes a signal. The waiter spins for a few microseconds first (a hand-over
/// to a spinning thread costs a fraction of a microsecond, one through the OS scheduler several)
/// but only while the process's running thread and spinning waiters fit on the cores: with more
/// runnable OS threads than cores it sleeps at once, so the thread that should run is never
/// starved (issue 12), and a parked thread never burns a core for longer than the spin.
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
