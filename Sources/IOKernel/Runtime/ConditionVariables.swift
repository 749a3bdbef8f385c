/// Condition variables (`RtlSleepConditionVariableCS`/`SRW`, `RtlWakeConditionVariable`,
/// `RtlWakeAllConditionVariable`). A wake with no thread sleeping is lost, and a sleep's timeout
/// covers only the sleep: re-acquiring the lock afterwards waits as long as it takes (Wine's
/// test_condvars_base, dlls/kernel32/tests/sync.c, steps 1-4 and 8).
extension Kernel {
    /// The lock a sleeper releases and takes again.
    package enum ConditionLock {
        case criticalSection(UserLock)
        case srwExclusive(UserLock)
        case srwShared(UserLock)
    }

    /// Sleeps on `variable`: queues the running thread, releases `lock` (a critical section is
    /// left once), blocks until a wake or the deadline, then takes `lock` again. Returns
    /// `STATUS_SUCCESS` after a wake, `STATUS_TIMEOUT` after the deadline (the lock is held again
    /// in both cases), or the status that ended the wait otherwise.
    package func rtlSleepConditionVariable(_ variable: UserLock, _ lock: ConditionLock, timeout: Duration?) -> NTStatus {
        guard let thread = current else { return .invalidHandle }
        let deadline = timeout.map { now.advanced(by: $0) }
        // Queued before the lock is released, in the same kernel entry: a wake between the two
        // cannot be lost.
        variable.waiters.append((thread, false))
        switch lock {
        case .criticalSection(let section): _ = rtlLeaveCriticalSection(section)
        case .srwExclusive(let srw): _ = rtlReleaseSRWLockExclusive(srw)
        case .srwShared(let srw): _ = rtlReleaseSRWLockShared(srw)
        }
        var status = waitForAlert(thread, on: variable, deadline: deadline)
        if let index = variable.waiters.firstIndex(where: { $0.thread === thread }) {
            variable.waiters.remove(at: index)
        } else {
            variable.wokenCount -= 1
        }
        if status == .alerted { status = .success }
        let reacquired = switch lock {
        case .criticalSection(let section): rtlEnterCriticalSection(section)
        case .srwExclusive(let srw): rtlAcquireSRWLockExclusive(srw)
        case .srwShared(let srw): rtlAcquireSRWLockShared(srw)
        }
        return reacquired.isSuccess ? status : reacquired
    }

    /// Wakes the thread that has slept longest on `variable`, if any.
    package func rtlWakeConditionVariable(_ variable: UserLock) {
        if !variable.waiters.isEmpty { wake(variable, at: 0) }
    }

    /// Wakes every thread sleeping on `variable`.
    package func rtlWakeAllConditionVariable(_ variable: UserLock) {
        while !variable.waiters.isEmpty { wake(variable, at: 0) }
    }
}
