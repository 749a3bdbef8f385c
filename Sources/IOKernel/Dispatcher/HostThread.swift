import CHostThreads
import Dispatch
import Synchronization

/// An OS thread that hosts simulated threads, one at a time and one after another: how
/// simulated threads run with `IOSIM_THREADS=os` (by default they are fibers, Fiber.swift, which
/// says why, with the measurements).
///
/// With OS threads everything the Swift runtime keeps per thread (the exclusivity access set,
/// task-local values outside a task, the current task) is each simulated thread's own; the price
/// is a trip through the host's scheduler at every switch. The adaptive ``Baton`` spins briefly
/// only while the running thread and the spinners fit on the cores, and sleeps on a futex
/// otherwise, so it never starves the thread that should run, but a sleeping thread waits for a
/// core: on a loaded host a switch takes tens of microseconds or more.
///
/// **Pooling.** Starting an OS thread costs tens of microseconds; a schedule explorer starts one
/// per simulated thread per schedule. A host whose simulated thread returned goes back to an
/// idle pool (up to ``idleLimit``) and takes the next simulated thread started anywhere in the
/// process. A host whose simulated thread *exits* (`ExitThread`, termination, a simulation
/// released while it was blocked) is ended instead (`pthread_exit`): its abandoned frames and
/// the thread-local state they left behind go with it, so nothing stale reaches a later thread.
final class HostThread: @unchecked Sendable {
    /// Where an idle host parks until it is given a simulated thread.
    private let idleBaton = Baton()
    /// The simulated thread to run next (kept alive by its kernel's thread list).
    @exclusivity(unchecked) private var job: Unmanaged<SimThread>?
    /// Signalled once the OS thread has ended (a released simulation waits for it).
    @exclusivity(unchecked) var ended: DispatchSemaphore?

    private static let idle = Mutex<[HostThread]>([])
    /// Idle hosts kept for later threads; more than this end when their thread returns.
    static let idleLimit = 16

    /// Runs `thread` (its start routine, through ``Kernel/runThread(_:)``) on an idle host or a
    /// new OS thread. False if the host refused an OS thread.
    static func start(_ thread: SimThread) -> Bool {
        if let host = withIdleHosts({ $0.popLast() }) {
            thread.host = host
            host.job = .passUnretained(thread)
            host.idleBaton.signal()
            return true
        }
        let host = HostThread()
        thread.host = host
        host.job = .passUnretained(thread)
        let context = Unmanaged.passRetained(host).toOpaque()
        let result = iosim_start_os_thread({ context in
            guard let context else { return }
            Unmanaged<HostThread>.fromOpaque(context)._withUnsafeGuaranteedRef { $0.serve() }
        }, { context in
            guard let context else { return }
            let host = Unmanaged<HostThread>.fromOpaque(context)
            _ = host._withUnsafeGuaranteedRef { $0.ended?.signal() }
            host.release()
        }, context)
        guard result == 0 else {
            Unmanaged<HostThread>.fromOpaque(context).release()
            thread.host = nil
            return false
        }
        return true
    }

    /// The idle hosts, under their lock. Synchronization's `Mutex` hands a contended lock over
    /// inside the Linux kernel (a priority-inheriting futex, `FUTEX_LOCK_PI`), which
    /// ThreadSanitizer cannot see: without the annotation it reported the pool's array, written
    /// by a host going idle and read by the thread starting the next one, as a race (issue 10).
    private static func withIdleHosts<R>(_ body: (inout [HostThread]) -> R) -> R {
        idle.withLock { hosts in
            iosim_tsan_acquire(idleToken)
            defer { iosim_tsan_release(idleToken) }
            return body(&hosts)
        }
    }

    /// The address the idle pool's lock is known to ThreadSanitizer by.
    nonisolated(unsafe) private static let idleToken = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// The host's loop: run a simulated thread; go idle; run the next one.
    private func serve() {
        while let job {
            self.job = nil
            job._withUnsafeGuaranteedRef { (thread: borrowing SimThread) in
                SimThread.setCurrent(copy thread)
                // Borrowed: a thread that exits never comes back to release what it holds.
                thread.kernelReference._withUnsafeGuaranteedRef { (kernel: borrowing Kernel) in kernel.runThread(thread) }
            }
            // The simulated thread may be gone already (its simulation released once the baton
            // passed on): the slot is cleared without looking at it.
            SimThread.clearCurrent()
            let pooled = Self.withIdleHosts { hosts in
                guard hosts.count < Self.idleLimit else { return false }
                hosts.append(self)
                return true
            }
            guard pooled else { return }
            idleBaton.wait()
        }
    }
}
