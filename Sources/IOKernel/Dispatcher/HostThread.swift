import CHostThreads
import Dispatch
import Synchronization

/// An OS thread that hosts simulated threads, one at a time and one after another.
///
/// **Why OS threads and not fibers.** A simulated thread needs a stack of its own, because it
/// blocks inside deep call chains (a Win32 call, a wait, the scheduler) while another runs.
/// Stackful fibers (a context switch in C over pooled stacks) would switch a little faster, but
/// the Swift runtime keeps per-OS-thread state that a fiber switch would leave behind or mix up:
/// the dynamic exclusivity access set (a linked list of records in the frames of the accesses
/// in progress), task-local values outside a task (a thread-local list), the current task and
/// executor (issue 15 runs task jobs on simulated threads). Each would need saving and restoring
/// through runtime internals at every switch, and the sanitizers would need fiber annotations.
/// With OS threads all of it is simply right, and the adaptive ``Baton`` makes a hand-over cost
/// about a microsecond without spinning on a core another thread needs.
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
            job._withUnsafeGuaranteedRef { thread in
                SimThread.setCurrent(thread)
                // Unretained: a thread that exits never comes back to release what it holds.
                let kernel = Unmanaged.passUnretained(thread.kernel)
                kernel._withUnsafeGuaranteedRef { $0.runThread(thread) }
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
