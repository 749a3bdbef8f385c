import Dispatch
import Synchronization

/// The token a simulated thread's OS thread parks on until the scheduler hands it the CPU.
///
/// Hand-overs between simulated threads are frequent and short, so `wait` first spins on an
/// atomic flag for a few microseconds (a hand-over to a thread that is spinning takes well under
/// a microsecond) and only then sleeps on a semaphore. The three states make the hand-shake safe:
/// `signal` wakes the semaphore only if the waiter announced that it is going to sleep on it.
final class Baton: Sendable {
    private static let idle: UInt8 = 0
    private static let signalled: UInt8 = 1
    private static let sleeping: UInt8 = 2
    private static let spins = 20_000

    private let state = Atomic<UInt8>(0)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Hands the baton to the thread parked (or about to park) in `wait`.
    func signal() {
        if state.exchange(Self.signalled, ordering: .acquiringAndReleasing) == Self.sleeping {
            semaphore.signal()
        }
    }

    /// Parks until `signal`.
    func wait() {
        for _ in 0..<Self.spins {
            if state.compareExchange(expected: Self.signalled, desired: Self.idle, ordering: .acquiringAndReleasing).exchanged {
                return
            }
        }
        if state.compareExchange(expected: Self.idle, desired: Self.sleeping, ordering: .acquiringAndReleasing).exchanged {
            semaphore.wait()
        }
        state.store(Self.idle, ordering: .releasing)
    }
}
