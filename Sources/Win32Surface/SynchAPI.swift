import IOKernel

/// Creates a manual-reset or auto-reset event, optionally named.
///
/// The corresponding Win32 function is `CreateEventW`. Creating a name that exists returns a
/// new handle to the existing event with `ERROR_ALREADY_EXISTS` (the type and initial state are
/// then ignored); a fresh event sets the last error to 0 (win32-facts F-EVT-2). `Local\` names
/// the session namespace the name is in anyway, `Global\` the global one, and another
/// backslash is `ERROR_PATH_NOT_FOUND` (IOKernel's ObjectManager/ObjectNamespace.swift).
@discardableResult
public func CreateEventW(_ lpEventAttributes: LPSECURITY_ATTRIBUTES!, _ bManualReset: Bool, _ bInitialState: Bool,
                         _ lpName: LPCWSTR!) -> HANDLE!
{
    let name = lpName.map(callerWideString)
    let handle = createEvent("CreateEventW", bManualReset, bInitialState, name)
    applyInheritance(handle, lpEventAttributes)
    return handle
}

/// Creates an event. The corresponding Win32 function is `CreateEventA`; see
/// ``CreateEventW(_:_:_:_:)``.
@discardableResult
public func CreateEventA(_ lpEventAttributes: LPSECURITY_ATTRIBUTES!, _ bManualReset: Bool, _ bInitialState: Bool,
                         _ lpName: LPCSTR!) -> HANDLE!
{
    let handle = createEvent("CreateEventA", bManualReset, bInitialState, lpName.map(callerNarrowString))
    applyInheritance(handle, lpEventAttributes)
    return handle
}

private func createEvent(_ function: String, _ manualReset: Bool, _ initialState: Bool, _ name: String?) -> HANDLE? {
    return withCurrentThread(named: function, failure: nil) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, handle, existed) = createNamedObject(name) { key in
            kernel.withKernelEntry { kernel.ntCreateEvent(manualReset: manualReset, initialState: initialState, name: key) }
        }
        guard status.isSuccess else {
            thread.setLastError(DWORD(status.dosError))
            thread.traceResult("\(function)(manual: \(manualReset), initial: \(initialState), name: \(name ?? "NULL"))", "NULL")
            return nil
        }
        thread.setLastError(existed ? DWORD(ERROR_ALREADY_EXISTS) : DWORD(ERROR_SUCCESS))
        let result = HANDLE(bitPattern: handle)
        thread.traceResult("\(function)(manual: \(manualReset), initial: \(initialState), name: \(name ?? "NULL"))", hex(handle: result))
        return result
    }
}

/// Signals an event. The corresponding Win32 function is `SetEvent`.
@discardableResult
public func SetEvent(_ hEvent: HANDLE!) -> Bool {
    eventCall("SetEvent", hEvent) { $0.ntSetEvent($1) }
}

/// Resets an event to non-signalled. The corresponding Win32 function is `ResetEvent`.
@discardableResult
public func ResetEvent(_ hEvent: HANDLE!) -> Bool {
    eventCall("ResetEvent", hEvent) { $0.ntResetEvent($1) }
}

/// Signals an event, releases the threads waiting on it now, and resets it. The corresponding
/// Win32 function is `PulseEvent` (which Microsoft documents as unreliable; it is here for code
/// that still uses it).
@discardableResult
public func PulseEvent(_ hEvent: HANDLE!) -> Bool {
    eventCall("PulseEvent", hEvent) { $0.ntPulseEvent($1) }
}

private func eventCall(_ function: String, _ handle: HANDLE?, _ operation: (Kernel, UInt) -> NTStatus) -> Bool {
    return withCurrentThread(named: function, failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { operation(kernel, value(handle)) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("\(function)(\(hex(handle: handle)))", result)
        return result
    }
}

/// Waits for an object to be signalled.
///
/// The corresponding Win32 function is `WaitForSingleObject`. Returns `WAIT_OBJECT_0`,
/// `WAIT_TIMEOUT`, or `WAIT_FAILED` with the last error set (`ERROR_INVALID_HANDLE` for a bad
/// handle). Success leaves the last error unchanged (F-WAIT-2). The low two bits of the handle
/// are ignored (F-WAIT-1). If the wait can never be satisfied (every thread blocked and no
/// device event due), it returns `WAIT_FAILED` with `ERROR_POSSIBLE_DEADLOCK` and the
/// simulation records a hang report, instead of blocking the test forever.
@discardableResult
public func WaitForSingleObject(_ hHandle: HANDLE!, _ dwMilliseconds: DWORD) -> DWORD {
    withCurrentThread(failure: WAIT_FAILED) { (thread: borrowing SimThread) in
        let result = withUnsafePointer(to: value(hHandle)) { handle in
            wait(thread, UnsafeBufferPointer(start: handle, count: 1), waitAll: false, dwMilliseconds, alertable: false,
                 pseudoHandles: true)
        }
        thread.traceResult("WaitForSingleObject(\(hex(handle: hHandle)), \(dwMilliseconds))", waitResult(thread, result))
        return result
    }
}

/// Waits for an object, alertably if asked. The corresponding Win32 function is
/// `WaitForSingleObjectEx`. An alertable wait that the object cannot satisfy at once runs every
/// user APC queued to the thread and returns `WAIT_IO_COMPLETION`; if the object is signalled,
/// it returns `WAIT_OBJECT_0` and the APCs stay queued (F-APC-3 … F-APC-5).
@discardableResult
public func WaitForSingleObjectEx(_ hHandle: HANDLE!, _ dwMilliseconds: DWORD, _ bAlertable: Bool) -> DWORD {
    withCurrentThread(failure: WAIT_FAILED) { (thread: borrowing SimThread) in
        let result = withUnsafePointer(to: value(hHandle)) { handle in
            wait(thread, UnsafeBufferPointer(start: handle, count: 1), waitAll: false, dwMilliseconds, alertable: bAlertable,
                 pseudoHandles: true)
        }
        thread.traceResult("WaitForSingleObjectEx(\(hex(handle: hHandle)), \(dwMilliseconds), alertable: \(bAlertable))",
                           waitResult(thread, result))
        return result
    }
}

/// Waits for any one, or all, of up to `MAXIMUM_WAIT_OBJECTS` objects.
///
/// The corresponding Win32 function is `WaitForMultipleObjects`. In wait-any mode the result is
/// `WAIT_OBJECT_0` plus the lowest index of the signalled objects, and only that object's state
/// changes (F-WAIT-3); in wait-all mode nothing changes until all are signalled together.
/// A count of 0 or more than 64, or the same handle twice, gives `ERROR_INVALID_PARAMETER`;
/// pseudo-handles give `ERROR_INVALID_HANDLE` (F-WAIT-5, F-WAIT-6).
@discardableResult
public func WaitForMultipleObjects(_ nCount: DWORD, _ lpHandles: UnsafePointer<HANDLE?>!, _ bWaitAll: Bool,
                                   _ dwMilliseconds: DWORD) -> DWORD
{
    withCurrentThread(failure: WAIT_FAILED) { (thread: borrowing SimThread) in
        let result = waitMultiple(thread, nCount, lpHandles, bWaitAll, dwMilliseconds, false)
        thread.traceResult("WaitForMultipleObjects(\(nCount), all: \(bWaitAll), \(dwMilliseconds))", waitResult(thread, result))
        return result
    }
}

/// Waits for any or all of up to `MAXIMUM_WAIT_OBJECTS` objects, alertably if asked. The
/// corresponding Win32 function is `WaitForMultipleObjectsEx`; see
/// ``WaitForMultipleObjects(_:_:_:_:)`` and ``WaitForSingleObjectEx(_:_:_:)``.
@discardableResult
public func WaitForMultipleObjectsEx(_ nCount: DWORD, _ lpHandles: UnsafePointer<HANDLE?>!, _ bWaitAll: Bool,
                                     _ dwMilliseconds: DWORD, _ bAlertable: Bool) -> DWORD
{
    withCurrentThread(failure: WAIT_FAILED) { (thread: borrowing SimThread) in
        let result = waitMultiple(thread, nCount, lpHandles, bWaitAll, dwMilliseconds, bAlertable)
        thread.traceResult("WaitForMultipleObjectsEx(\(nCount), all: \(bWaitAll), \(dwMilliseconds), alertable: \(bAlertable))",
                           waitResult(thread, result))
        return result
    }
}

private func waitMultiple(_ thread: SimThread, _ nCount: DWORD, _ lpHandles: UnsafePointer<HANDLE?>?, _ waitAll: Bool,
                          _ milliseconds: DWORD, _ alertable: Bool) -> DWORD
{
    guard nCount > 0, nCount <= DWORD(MAXIMUM_WAIT_OBJECTS), let lpHandles else {
        _ = thread.fail(ERROR_INVALID_PARAMETER)
        return WAIT_FAILED
    }
    // NtWaitForMultipleObjects probes the handle array before it reads it, as system services
    // probe user pointers first (nt-io-model §2.1, step 1): an array shorter than nCount
    // handles is STATUS_ACCESS_VIOLATION, ERROR_NOACCESS.
    guard thread.withKernel({ $0.probeUserBuffer(lpHandles, count: Int(nCount) * MemoryLayout<HANDLE?>.stride, writing: false,
                                        call: "WaitForMultipleObjects", reportingFreed: true) })
    else {
        _ = thread.fail(ERROR_NOACCESS)
        return WAIT_FAILED
    }
    // The values on the stack, as kernel32 passes them: nothing of the wait is on the heap.
    return withUnsafeTemporaryAllocation(of: UInt.self, capacity: Int(nCount)) { values in
        for index in 0..<Int(nCount) { values.initializeElement(at: index, to: value(lpHandles[index])) }
        return wait(thread, UnsafeBufferPointer(values), waitAll: waitAll, milliseconds, alertable: alertable,
                    pseudoHandles: false)
    }
}

/// The wait, with the thread and the kernel borrowed: a thread stopped inside it leaves no
/// reference behind in these frames.
private func wait(_ thread: SimThread, _ handles: UnsafeBufferPointer<UInt>, waitAll: Bool, _ milliseconds: DWORD,
                  alertable: Bool, pseudoHandles: Bool) -> DWORD
{
    let status = thread.withKernel { kernel in
        kernel.enter()
        defer { kernel.leave() }
        return kernel.ntWaitForMultipleObjects(handles, waitAll: waitAll, alertable: alertable,
                                               timeout: .win32Timeout(milliseconds), allowPseudoHandles: pseudoHandles)
    }
    switch status {
    case .timeout: return DWORD(WAIT_TIMEOUT)
    case .userAPC: return WAIT_IO_COMPLETION
    default:
        if status.rawValue < 64 { return status.rawValue }
        _ = thread.fail(status)
        return WAIT_FAILED
    }
}

private func waitResult(_ thread: SimThread, _ result: DWORD) -> String {
    result == WAIT_FAILED ? "WAIT_FAILED, \(win32ErrorName(thread.lastError))" : waitResultName(result)
}

/// Lets `dwMilliseconds` of virtual time pass. The corresponding Win32 function is `Sleep`.
/// `Sleep(INFINITE)` with nothing left that could ever wake the thread is reported as a hang.
public func Sleep(_ dwMilliseconds: DWORD) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        thread.withKernel { kernel in
            kernel.enter()
            _ = kernel.ntDelayExecution(alertable: false, duration: .win32Timeout(dwMilliseconds))
            kernel.leave()
        }
        thread.traceResult("Sleep(\(dwMilliseconds))", "returned")
    }
}

/// Milliseconds of virtual time since the simulation started. The corresponding Win32 function
/// is `GetTickCount64`.
@discardableResult
public func GetTickCount64() -> ULONGLONG {
    currentThread()?.kernel.now.milliseconds ?? 0
}
