import IOKernel

// Critical sections. Their state is ntdll's (IOKernel's Runtime/CriticalSections.swift): a
// thread that cannot enter blocks in the dispatcher until the owner leaves, and the structure's
// documented fields (`LockCount`, `RecursionCount`, `OwningThread`, `SpinCount`) are written
// after every call, through the checked path, as Windows keeps them. `DebugInfo` and
// `LockSemaphore` stay NULL. A NULL pointer is an access violation on Windows; here the call
// does nothing (and is traced).

/// Makes a critical section. The corresponding Win32 function is `InitializeCriticalSection`.
public func InitializeCriticalSection(_ lpCriticalSection: LPCRITICAL_SECTION!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        _ = initialize(thread, lpCriticalSection, spinCount: 0, "InitializeCriticalSection")
    }
}

/// Makes a critical section with a spin count. The corresponding Win32 function is
/// `InitializeCriticalSectionAndSpinCount`; it always succeeds since Windows Vista. The spin
/// count is kept (`SpinCount`) but a simulated thread never spins.
@discardableResult
public func InitializeCriticalSectionAndSpinCount(_ lpCriticalSection: LPCRITICAL_SECTION!, _ dwSpinCount: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return initialize(thread, lpCriticalSection, spinCount: dwSpinCount, "InitializeCriticalSectionAndSpinCount")
    }
}

/// Makes a critical section with a spin count and flags (`CRITICAL_SECTION_NO_DEBUG_INFO`).
/// The corresponding Win32 function is `InitializeCriticalSectionEx`.
@discardableResult
public func InitializeCriticalSectionEx(_ lpCriticalSection: LPCRITICAL_SECTION!, _ dwSpinCount: DWORD, _ Flags: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return initialize(thread, lpCriticalSection, spinCount: dwSpinCount, "InitializeCriticalSectionEx")
    }
}

/// Enters a critical section, waiting while another thread owns it; its owner enters again at
/// once. The corresponding Win32 function is `EnterCriticalSection`.
///
/// The waiting thread blocks in the dispatcher, so other threads run, and a critical section
/// that is never left is reported as a hang (naming the section and its owner) instead of
/// blocking the test; the call then returns without the section, as Windows raises
/// `STATUS_POSSIBLE_DEADLOCK` after its critical-section timeout.
public func EnterCriticalSection(_ lpCriticalSection: LPCRITICAL_SECTION!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        guard let lock = criticalSection(thread, lpCriticalSection, "EnterCriticalSection") else { return }
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.rtlEnterCriticalSection(lock) }
        thread.traceResult("EnterCriticalSection(\(lock.label))",
                           status.isSuccess ? "entered (recursion \(lock.recursionCount))" : "not entered: \(status)")
    }
}

/// Enters a critical section if no other thread owns it. The corresponding Win32 function is
/// `TryEnterCriticalSection`: TRUE if the calling thread owns it now.
@discardableResult
public func TryEnterCriticalSection(_ lpCriticalSection: LPCRITICAL_SECTION!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lock = criticalSection(thread, lpCriticalSection, "TryEnterCriticalSection") else {
            return false
        }
        let kernel = thread.kernel
        let entered = kernel.withKernelEntry { kernel.rtlTryEnterCriticalSection(lock) }
        thread.traceResult("TryEnterCriticalSection(\(lock.label))", entered ? "TRUE" : "FALSE")
        return entered
    }
}

/// Leaves a critical section once; the last leave wakes the first waiting thread. The
/// corresponding Win32 function is `LeaveCriticalSection`. As on Windows the owner is not
/// checked (a thread that does not own it leaves it for the owner, the error Microsoft's
/// documentation warns about); leaving a section no one owns changes nothing here and is
/// traced (on Windows it corrupts the structure).
public func LeaveCriticalSection(_ lpCriticalSection: LPCRITICAL_SECTION!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        guard let lock = criticalSection(thread, lpCriticalSection, "LeaveCriticalSection") else { return }
        let kernel = thread.kernel
        let left = kernel.withKernelEntry { kernel.rtlLeaveCriticalSection(lock) }
        thread.traceResult("LeaveCriticalSection(\(lock.label))",
                           left ? (lock.owner == nil ? "free" : "recursion \(lock.recursionCount)") : "not owned by anyone: nothing left")
    }
}

/// Deletes a critical section. The corresponding Win32 function is `DeleteCriticalSection`.
/// Threads still waiting for it stay blocked (undefined on Windows; a hang report names them).
public func DeleteCriticalSection(_ lpCriticalSection: LPCRITICAL_SECTION!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        guard let lpCriticalSection,
              thread.userBufferIsAccessible(lpCriticalSection, count: MemoryLayout<CRITICAL_SECTION>.size, writing: true,
                                            call: "DeleteCriticalSection")
        else { return }
        let kernel = thread.kernel
        let address = UInt(bitPattern: lpCriticalSection)
        let label = kernel.withKernelEntry { () -> String in
            let label = kernel.existingUserLock(at: address)?.label ?? "an uninitialized critical section"
            kernel.deleteUserLock(at: address)
            return label
        }
        thread.store(unheldSection(), into: lpCriticalSection, call: "DeleteCriticalSection")
        thread.traceResult("DeleteCriticalSection(\(label))", "deleted")
    }
}

/// Sets a critical section's spin count and returns the previous one. The corresponding Win32
/// function is `SetCriticalSectionSpinCount`.
@discardableResult
public func SetCriticalSectionSpinCount(_ lpCriticalSection: LPCRITICAL_SECTION!, _ dwSpinCount: DWORD) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let lock = criticalSection(thread, lpCriticalSection, "SetCriticalSectionSpinCount")
        else { return 0 }
        let kernel = thread.kernel
        let previous = kernel.withKernelEntry { kernel.setSpinCount(lock, UInt(dwSpinCount)) }
        return DWORD(truncatingIfNeeded: previous)
    }
}

private func initialize(_ thread: SimThread, _ pointer: LPCRITICAL_SECTION?, spinCount: DWORD, _ call: StaticString) -> Bool {
    guard let pointer = usable(thread, pointer, call) else { return false }
    let kernel = thread.kernel
    thread.store(unheldSection(), into: pointer, call: call)
    let lock = kernel.withKernelEntry { () -> UserLock in
        let lock = kernel.initializeUserLock(at: UInt(bitPattern: pointer), .criticalSection)
        lock.publish = publisher(kernel, pointer)
        _ = kernel.setSpinCount(lock, UInt(spinCount))
        return lock
    }
    thread.traceResult("\(call)(\(lock.label))", "initialized")
    return true
}

/// The critical section at `pointer`, if its memory can hold one. One never initialized is
/// undefined on Windows; here it is initialized at first use, and the trace says so.
private func criticalSection(_ thread: SimThread, _ pointer: LPCRITICAL_SECTION?, _ call: StaticString) -> UserLock? {
    guard let pointer = usable(thread, pointer, call) else { return nil }
    let kernel = thread.kernel
    let address = UInt(bitPattern: pointer)
    return kernel.withKernelEntry {
        if let lock = kernel.existingUserLock(at: address), lock.kind == .criticalSection { return lock }
        let lock = kernel.initializeUserLock(at: address, .criticalSection)
        lock.publish = publisher(kernel, pointer)
        lock.publish?(lock)
        if kernel.tracing { kernel.recordCall("\(call)(\(lock.label))", result: "never initialized: initialized now") }
        return lock
    }
}

/// `pointer` if it is not NULL (traced: an access violation on Windows) and its memory can hold
/// a critical section.
private func usable(_ thread: SimThread, _ pointer: LPCRITICAL_SECTION?, _ call: StaticString) -> LPCRITICAL_SECTION? {
    guard let pointer else {
        thread.traceResult("\(call)(NULL)", "an access violation on Windows: nothing done")
        return nil
    }
    let size = MemoryLayout<CRITICAL_SECTION>.size
    return thread.userBufferIsAccessible(pointer, count: size, writing: true, call: call) ? pointer : nil
}

/// What writes the fields Windows keeps in the structure, after every change of the lock's
/// state (probed each time: another thread may have freed the memory meanwhile).
private func publisher(_ kernel: Kernel, _ pointer: LPCRITICAL_SECTION) -> (UserLock) -> Void {
    { [unowned(unsafe) kernel] lock in
        var fields = unheldSection()
        fields.LockCount = lock.lockCount
        fields.RecursionCount = LONG(truncatingIfNeeded: lock.recursionCount)
        fields.OwningThread = HANDLE(bitPattern: UInt(lock.owner?.threadID ?? 0))
        fields.SpinCount = ULONG_PTR(lock.spinCount)
        kernel.storeToUser(fields, at: pointer, call: "a critical section's fields")
    }
}

/// A critical section's fields when no one holds it: `LockCount` -1, no owner, no debug
/// information, no semaphore.
private func unheldSection() -> CRITICAL_SECTION {
    var fields = CRITICAL_SECTION()
    fields.LockCount = -1
    return fields
}
