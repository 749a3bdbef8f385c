/// Critical sections (`RtlEnterCriticalSection` and its siblings): a recursive lock owned by
/// one thread. What the program sees of the structure's fields is written by kernel32
/// (Win32Surface's CriticalSectionAPI.swift) from the state here.
extension Kernel {
    /// Enters `lock`, blocking while another thread owns it; the owner enters again at once
    /// (the recursion count goes up). Returns `STATUS_SUCCESS` when the running thread owns it,
    /// or the status that ended the wait otherwise (a terminated thread, or a hang: on Windows
    /// too a wait that never ends raises `STATUS_POSSIBLE_DEADLOCK` after the critical-section
    /// timeout).
    package func rtlEnterCriticalSection(_ lock: UserLock) -> NTStatus {
        guard let thread = current else { return .invalidHandle }
        while true {
            if rtlTryEnterCriticalSection(lock) { return .success }
            let status = block(thread, on: lock, exclusive: true, deadline: nil)
            guard status == .alerted else { return status }
        }
    }

    /// Enters `lock` if no other thread owns it.
    package func rtlTryEnterCriticalSection(_ lock: UserLock) -> Bool {
        guard let thread = current else { return false }
        if lock.owner == nil {
            lock.owner = thread
            lock.recursionCount = 1
            lock.publish?(lock)
            return true
        }
        if lock.owner === thread {
            lock.recursionCount += 1
            lock.publish?(lock)
            return true
        }
        return false
    }

    /// Leaves `lock` once; the last leave frees it and wakes the first waiter. As on Windows,
    /// the owner is not checked: a thread that does not own it leaves it for the owner (the
    /// error Microsoft's documentation warns about). False for a critical section no one owns,
    /// which changes nothing here (on Windows it corrupts the structure).
    package func rtlLeaveCriticalSection(_ lock: UserLock) -> Bool {
        guard lock.owner != nil, lock.recursionCount > 0 else { return false }
        lock.recursionCount -= 1
        if lock.recursionCount == 0 {
            lock.owner = nil
            if !lock.waiters.isEmpty, lock.wokenCount == 0 { wake(lock, at: 0) }
        }
        lock.publish?(lock)
        return true
    }

    /// `InitializeCriticalSectionAndSpinCount`/`SetCriticalSectionSpinCount`: the spin count
    /// is kept; returns the previous one.
    package func setSpinCount(_ lock: UserLock, _ spinCount: UInt) -> UInt {
        let previous = lock.spinCount
        lock.spinCount = spinCount
        lock.publish?(lock)
        return previous
    }
}
