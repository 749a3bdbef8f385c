import IOKernel

// Slim reader/writer locks. Their state is ntdll's (IOKernel's Runtime/SRWLocks.swift): a
// thread that cannot have the lock blocks in the dispatcher until a release wakes it; an
// `SRWLOCK` is valid when zeroed, so its first use makes it. The structure's word is left as
// the program wrote it (its bits are an implementation detail on Windows). A NULL pointer is
// an access violation on Windows; here the call does nothing (and is traced).

/// Makes an SRW lock. The corresponding Win32 function is `InitializeSRWLock`.
public func InitializeSRWLock(_ SRWLock: PSRWLOCK!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        guard let SRWLock, accessible(thread, SRWLock, "InitializeSRWLock") else { return }
        let kernel = thread.kernel
        thread.store(SRWLOCK(), into: SRWLock, call: "InitializeSRWLock")
        let lock = kernel.withKernelEntry { kernel.initializeUserLock(at: UInt(bitPattern: SRWLock), .srwLock) }
        thread.traceResult("InitializeSRWLock(\(lock.label))", "initialized")
    }
}

/// Takes an SRW lock exclusively, waiting while anyone holds it. The corresponding Win32
/// function is `AcquireSRWLockExclusive`. SRW locks are not recursive: a thread that holds the
/// lock and takes it again waits for itself (a hang report names the lock).
public func AcquireSRWLockExclusive(_ SRWLock: PSRWLOCK!) {
    srwCall(SRWLock, "AcquireSRWLockExclusive") { kernel, lock in
        let status = kernel.rtlAcquireSRWLockExclusive(lock)
        return status.isSuccess ? "acquired exclusively" : "not acquired: \(status)"
    }
}

/// Takes an SRW lock shared, waiting while it is held exclusively or a thread waits for
/// exclusive access. The corresponding Win32 function is `AcquireSRWLockShared`.
public func AcquireSRWLockShared(_ SRWLock: PSRWLOCK!) {
    srwCall(SRWLock, "AcquireSRWLockShared") { kernel, lock in
        let status = kernel.rtlAcquireSRWLockShared(lock)
        return status.isSuccess ? "acquired shared (\(lock.sharedCount) holders)" : "not acquired: \(status)"
    }
}

/// Releases an SRW lock held exclusively (by any thread: an SRW lock has no owner). The
/// corresponding Win32 function is `ReleaseSRWLockExclusive`. Releasing a lock that is not
/// held exclusively raises `STATUS_RESOURCE_NOT_OWNED` on Windows; here it changes nothing and
/// is traced.
public func ReleaseSRWLockExclusive(_ SRWLock: PSRWLOCK!) {
    srwCall(SRWLock, "ReleaseSRWLockExclusive") { kernel, lock in
        kernel.rtlReleaseSRWLockExclusive(lock) ? "released" : "not held exclusively (STATUS_RESOURCE_NOT_OWNED on Windows)"
    }
}

/// Releases one shared hold of an SRW lock. The corresponding Win32 function is
/// `ReleaseSRWLockShared`; see ``ReleaseSRWLockExclusive(_:)`` for a lock not held so.
public func ReleaseSRWLockShared(_ SRWLock: PSRWLOCK!) {
    srwCall(SRWLock, "ReleaseSRWLockShared") { kernel, lock in
        kernel.rtlReleaseSRWLockShared(lock) ? "released (\(lock.sharedCount) holders)" : "not held shared (STATUS_RESOURCE_NOT_OWNED on Windows)"
    }
}

/// Takes an SRW lock exclusively if no one holds it. The corresponding Win32 function is
/// `TryAcquireSRWLockExclusive`; it returns a `BOOLEAN`, nonzero if the lock was taken.
@discardableResult
public func TryAcquireSRWLockExclusive(_ SRWLock: PSRWLOCK!) -> BOOLEAN {
    var taken = false
    srwCall(SRWLock, "TryAcquireSRWLockExclusive") { kernel, lock in
        taken = kernel.rtlTryAcquireSRWLockExclusive(lock)
        return taken ? "TRUE" : "FALSE"
    }
    return taken ? 1 : 0
}

/// Takes an SRW lock shared if it is not held exclusively and no thread waits for exclusive
/// access. The corresponding Win32 function is `TryAcquireSRWLockShared`.
@discardableResult
public func TryAcquireSRWLockShared(_ SRWLock: PSRWLOCK!) -> BOOLEAN {
    var taken = false
    srwCall(SRWLock, "TryAcquireSRWLockShared") { kernel, lock in
        taken = kernel.rtlTryAcquireSRWLockShared(lock)
        return taken ? "TRUE" : "FALSE"
    }
    return taken ? 1 : 0
}

private func srwCall(_ pointer: PSRWLOCK?, _ call: StaticString, _ operation: (Kernel, UserLock) -> String) {
    userLockCall(pointer, .srwLock, call, operation)
}

/// A call on the lock or condition variable whose pointer-sized word is at `pointer` (made at
/// first use), traced with what `operation` says happened.
func userLockCall(_ pointer: UnsafeMutableRawPointer?, _ kind: UserLock.Kind, _ call: StaticString,
                  _ operation: (Kernel, UserLock) -> String)
{
    return withCurrentThread(named: call.description, failure: ()) { (thread: borrowing SimThread) in
        guard let pointer else {
            thread.traceResult("\(call)(NULL)", "an access violation on Windows: nothing done")
            return
        }
        guard accessible(thread, pointer, call) else { return }
        let kernel = thread.kernel
        let (label, result) = kernel.withKernelEntry { () -> (String, String) in
            let lock = kernel.userLock(at: UInt(bitPattern: pointer), kind)
            return (lock.label, operation(kernel, lock))
        }
        thread.traceResult("\(call)(\(label))", result)
    }
}

/// Whether a lock's or condition variable's pointer-sized word can be used (probed through
/// the checked path, as the lock's word is written on Windows).
func accessible(_ thread: SimThread, _ pointer: UnsafeMutableRawPointer, _ call: StaticString) -> Bool {
    thread.userBufferIsAccessible(pointer, count: MemoryLayout<UnsafeRawPointer>.size, writing: true, call: call)
}
