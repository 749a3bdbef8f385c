/// The registry of user-mode locks by address, and how a thread queues on one and is woken.
extension Kernel {
    /// The lock the structure at `address` stands for. A `CRITICAL_SECTION` is made by
    /// `InitializeCriticalSection`; an `SRWLOCK` and a `CONDITION_VARIABLE` are valid when
    /// zeroed (`SRWLOCK_INIT`, `CONDITION_VARIABLE_INIT`), so their first use makes them.
    package func userLock(at address: UInt, _ kind: UserLock.Kind) -> UserLock {
        if let lock = userMode.locks[address], lock.kind == kind { return lock }
        return initializeUserLock(at: address, kind)
    }

    /// A fresh lock at `address`, replacing whatever was there (re-initialising a structure
    /// forgets its old state, as writing its fields does on Windows).
    @discardableResult
    package func initializeUserLock(at address: UInt, _ kind: UserLock.Kind) -> UserLock {
        let prefix = switch kind {
        case .criticalSection: "cs"
        case .srwLock: "srw"
        case .conditionVariable: "cv"
        }
        let lock = UserLock(kind: kind, label: trace.name(of: address, prefix))
        userMode.locks[address] = lock
        return lock
    }

    /// A lock that lives inside something of the runtime's own rather than at an address of
    /// the program's memory, so it is kept by its owner and not in the registry: the CRT's lock
    /// of a `FILE` stream (`_lock_file`), which on Windows sits inside the CRT's stream
    /// structure, where no program code names it.
    package func makeUnregisteredUserLock(_ kind: UserLock.Kind, label: String) -> UserLock {
        UserLock(kind: kind, label: label)
    }

    /// The lock at `address` if it was made, without making it.
    package func existingUserLock(at address: UInt) -> UserLock? { userMode.locks[address] }

    /// Forgets the lock at `address` (`DeleteCriticalSection`). Threads still blocked on it stay
    /// blocked, as on Windows, where deleting a critical section others wait for is undefined;
    /// a hang report names them.
    package func deleteUserLock(at address: UInt) {
        userMode.locks[address] = nil
    }

    /// Queues the running thread on `lock` and blocks it until a release wakes it, the deadline
    /// passes or the wait ends otherwise; the thread leaves the queue in every case.
    func block(_ thread: SimThread, on lock: UserLock, exclusive: Bool, deadline: VirtualInstant?) -> NTStatus {
        lock.waiters.append((thread, exclusive))
        lock.publish?(lock)
        let status = waitForAlert(thread, on: lock, deadline: deadline)
        if let index = lock.waiters.firstIndex(where: { $0.thread === thread }) {
            lock.waiters.remove(at: index)
        } else {
            // A release took it off the queue and woke it; it has run now.
            lock.wokenCount -= 1
        }
        lock.publish?(lock)
        return status
    }

    /// Takes the waiter at `index` off `lock`'s queue and wakes it.
    func wake(_ lock: UserLock, at index: Int) {
        let waiter = lock.waiters.remove(at: index)
        lock.wokenCount += 1
        alert(waiter.thread)
        lock.publish?(lock)
    }
}
