/// Slim reader/writer locks (`RtlAcquireSRWLockExclusive` and its siblings): shared or
/// exclusive, not recursive and without an owner. Wine's SRW lock tests
/// (dlls/kernel32/tests/sync.c, test_srwlock_base) pin what is modelled: a second acquire by
/// the same thread blocks (exclusive after exclusive, shared after exclusive, exclusive after
/// shared), a thread waiting for exclusive access is preferred to later shared requests (which
/// wait, and `TryAcquireSRWLockShared` fails meanwhile), and any thread may release the lock.
extension Kernel {
    package func rtlAcquireSRWLockExclusive(_ lock: UserLock) -> NTStatus {
        guard let thread = current else { return .invalidHandle }
        while true {
            if rtlTryAcquireSRWLockExclusive(lock) { return .success }
            let status = block(thread, on: lock, exclusive: true, deadline: nil)
            guard status == .alerted else { return status }
        }
    }

    package func rtlAcquireSRWLockShared(_ lock: UserLock) -> NTStatus {
        guard let thread = current else { return .invalidHandle }
        while true {
            if rtlTryAcquireSRWLockShared(lock) { return .success }
            let status = block(thread, on: lock, exclusive: false, deadline: nil)
            guard status == .alerted else { return status }
        }
    }

    package func rtlTryAcquireSRWLockExclusive(_ lock: UserLock) -> Bool {
        guard !lock.isHeldExclusively, lock.sharedCount == 0 else { return false }
        lock.isHeldExclusively = true
        lock.exclusiveHolder = current
        return true
    }

    /// Shared access is granted while no one holds the lock exclusively and no thread waits
    /// for exclusive access.
    package func rtlTryAcquireSRWLockShared(_ lock: UserLock) -> Bool {
        guard !lock.isHeldExclusively, !lock.waiters.contains(where: \.exclusive) else { return false }
        lock.sharedCount += 1
        return true
    }

    /// False if the lock is not held exclusively (Windows raises `STATUS_RESOURCE_NOT_OWNED`).
    package func rtlReleaseSRWLockExclusive(_ lock: UserLock) -> Bool {
        guard lock.isHeldExclusively else { return false }
        lock.isHeldExclusively = false
        lock.exclusiveHolder = nil
        wakeSRWWaiters(lock)
        return true
    }

    /// False if the lock is not held shared (Windows raises `STATUS_RESOURCE_NOT_OWNED`).
    package func rtlReleaseSRWLockShared(_ lock: UserLock) -> Bool {
        guard !lock.isHeldExclusively, lock.sharedCount > 0 else { return false }
        lock.sharedCount -= 1
        if lock.sharedCount == 0 { wakeSRWWaiters(lock) }
        return true
    }

    /// A free lock wakes the first thread waiting for exclusive access, or, if none does, every
    /// thread waiting for shared access.
    private func wakeSRWWaiters(_ lock: UserLock) {
        if let index = lock.waiters.firstIndex(where: \.exclusive) {
            wake(lock, at: index)
            return
        }
        while !lock.waiters.isEmpty { wake(lock, at: 0) }
    }
}
