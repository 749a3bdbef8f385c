import IOKernel

/// `HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)`.
private let invalidHandle = HRESULT(bitPattern: 0x8007_0006)

/// Names a thread (shown by debuggers). The corresponding Win32 function is
/// `SetThreadDescription`: `S_OK`, or `HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)` for a handle
/// that names no thread. The description is the thread's own; the simulation's timeline keeps
/// the thread's simulated name.
@discardableResult
public func SetThreadDescription(_ hThread: HANDLE!, _ lpThreadDescription: PCWSTR!) -> HRESULT {
    return withCurrentThread(failure: invalidHandle) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let description = lpThreadDescription.map { callerWideString($0) } ?? ""
        let named = kernel.withKernelEntry { () -> Bool in
            guard let target = kernel.thread(forHandle: value(hThread)) else { return false }
            kernel.userMode.threadDescriptions[target.threadID] = description
            return true
        }
        thread.traceResult("SetThreadDescription(\(hex(handle: hThread)), \"\(description)\")", named ? "S_OK" : "0x80070006")
        return named ? S_OK : invalidHandle
    }
}

/// A thread's description in a `LocalAlloc` block the caller frees with `LocalFree` (empty if
/// it was never set). The corresponding Win32 function is `GetThreadDescription`: `S_OK`, or
/// `HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)` for a handle that names no thread.
@discardableResult
public func GetThreadDescription(_ hThread: HANDLE!, _ ppszThreadDescription: UnsafeMutablePointer<PWSTR?>!) -> HRESULT {
    return withCurrentThread(failure: invalidHandle) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let description = kernel.withKernelEntry { () -> String? in
            guard let target = kernel.thread(forHandle: value(hThread)) else { return nil }
            return kernel.userMode.threadDescriptions[target.threadID] ?? ""
        }
        guard let description, let ppszThreadDescription else { return invalidHandle }
        let units = Array(description.utf16) + [0]
        guard let block = LocalAlloc(UINT(LMEM_FIXED), SIZE_T(units.count * 2)) else { return HRESULT(bitPattern: 0x8007_000E) }
        guard thread.writeToCaller(units, at: block, call: "GetThreadDescription") else {
            LocalFree(block)
            return HRESULT(bitPattern: 0x8007_03E6)  // HRESULT_FROM_WIN32(ERROR_NOACCESS)
        }
        thread.store(block.assumingMemoryBound(to: WCHAR.self), into: ppszThreadDescription, call: "GetThreadDescription")
        return S_OK
    }
}

/// Whether two handles name the same kernel object. The corresponding Win32 function is
/// `CompareObjectHandles` (Windows 10): FALSE for different objects, and for a handle that
/// names nothing (the function sets no error then).
@discardableResult
public func CompareObjectHandles(_ hFirstObjectHandle: HANDLE!, _ hSecondObjectHandle: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let same = kernel.withKernelEntry { kernel.ntCompareObjects(value(hFirstObjectHandle), value(hSecondObjectHandle)) }
        return same ?? false
    }
}
