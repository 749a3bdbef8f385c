/// The kernel half of ntdll's user-mode locks: a thread blocks until another alerts it by its
/// thread id (`NtWaitForAlertByThreadId` / `NtAlertThreadByThreadId`, what critical sections,
/// SRW locks and condition variables wait with since Windows 8). ntdll keeps the queue of
/// waiters; the kernel only blocks and wakes.
extension Kernel {
    /// Blocks `thread` on `lock` until ``alert(_:)`` wakes it (`STATUS_ALERTED`), the deadline
    /// passes (`STATUS_TIMEOUT`), the thread is terminated, or the simulation hangs
    /// (`STATUS_POSSIBLE_DEADLOCK`, with a hang report naming the lock and its holder).
    func waitForAlert(_ thread: SimThread, on lock: UserLock, deadline: VirtualInstant?) -> NTStatus {
        waitUntil(thread, reason: .alertByThreadID(lock), deadline: deadline)
    }

    /// Wakes a thread blocked in ``waitForAlert(_:on:deadline:)``. A thread that is not
    /// waiting is never alerted here: ntdll's queues hold only threads that wait, and a waiter
    /// is queued and blocks in one kernel entry, so no alert can come between.
    func alert(_ thread: SimThread) {
        guard thread.waitStatus == nil, case .alertByThreadID = thread.waitingFor else { return }
        thread.waitStatus = .alerted
        if tracing { record(.note("alert \(thread.name)")) }
    }
}
