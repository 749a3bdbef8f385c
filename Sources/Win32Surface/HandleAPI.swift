import IOKernel

/// Closes a handle.
///
/// The corresponding Win32 function is `CloseHandle`. Closing the last handle to a file object
/// sends the driver `IRP_MJ_CLEANUP` and waits while the driver pends it; closing never
/// completes pending I/O by itself (the driver decides, at cleanup). A closed, null or invalid
/// handle gives `ERROR_INVALID_HANDLE`; a pseudo-handle (`GetCurrentProcess()`) is a no-op that
/// returns `TRUE` (win32-facts F-CLOSE-10, F-CLOSE-11).
@discardableResult
public func CloseHandle(_ hObject: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntClose(value(hObject)) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("CloseHandle(\(hex(handle: hObject)))", result)
        return result
    }
}

/// The pseudo-handle of the current process, `(HANDLE)-1`. The corresponding Win32 function is
/// `GetCurrentProcess`.
@discardableResult
public func GetCurrentProcess() -> HANDLE! { HANDLE(bitPattern: -1) }

/// The pseudo-handle of the current thread, `(HANDLE)-2`. The corresponding Win32 function is
/// `GetCurrentThread`.
@discardableResult
public func GetCurrentThread() -> HANDLE! { HANDLE(bitPattern: -2) }

/// Duplicates a handle, within a process or from one process to another.
///
/// The corresponding Win32 function is `DuplicateHandle`. `hSourceProcessHandle` and
/// `hTargetProcessHandle` are `GetCurrentProcess()` or handles to processes (from
/// `CreateProcess`, `OpenProcess`). The duplicate, a new entry in the target process's table,
/// refers to the same object: handle count and pointer count both rise by one, and cleanup is
/// sent only when the last of all the handles, in every process, closes. `bInheritHandle` makes
/// the duplicate inheritable (Wine's `test_DuplicateHandle`). `DUPLICATE_CLOSE_SOURCE` closes the
/// source handle, in the source process, even if the duplication fails (F-DUP-1); with it the
/// target may be NULL, which only closes the source. Within one process the source is closed
/// first and the duplicate takes its value, as Wine's `test_DuplicateHandle` sees Windows do
/// (no cleanup is sent: the object keeps a handle throughout); a source protected from close
/// stays open and the duplicate gets a new value. Access rights are kept (access checks are
/// not simulated). `GetCurrentThread()` and `GetCurrentProcess()` as the source duplicate to real
/// handles to the calling thread and process. A process handle that names no process gives
/// `ERROR_INVALID_HANDLE`; a target process that has exited, `ERROR_ACCESS_DENIED`.
@discardableResult
public func DuplicateHandle(_ hSourceProcessHandle: HANDLE!, _ hSourceHandle: HANDLE!, _ hTargetProcessHandle: HANDLE!,
                            _ lpTargetHandle: LPHANDLE!, _ dwDesiredAccess: DWORD, _ bInheritHandle: Bool,
                            _ dwOptions: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let closeSource = dwOptions & DWORD(DUPLICATE_CLOSE_SOURCE) != 0
        var made: HANDLE?
        let result: Bool = kernel.withKernelEntry {
            guard let sourceProcess = kernel.process(forHandle: value(hSourceProcessHandle)) else {
                return thread.fail(ERROR_INVALID_HANDLE)
            }
            let target: SimProcess?
            if hTargetProcessHandle == nil && closeSource {
                target = nil
            } else if let named = kernel.process(forHandle: value(hTargetProcessHandle)) {
                target = named
            } else {
                if closeSource { _ = kernel.ntClose(value(hSourceHandle), in: sourceProcess) }
                return thread.fail(ERROR_INVALID_HANDLE)
            }
            let ownProcess = sourceProcess === thread.process
            if ownProcess, value(hSourceHandle) == value(GetCurrentProcess()) || value(hSourceHandle) == value(GetCurrentThread()) {
                guard let target else { return true }
                let duplicate = value(hSourceHandle) == value(GetCurrentProcess())
                    ? kernel.ntDuplicateCurrentProcess(to: target, inherit: bInheritHandle)
                    : kernel.ntDuplicateCurrentThread(to: target, inherit: bInheritHandle)
                made = HANDLE(bitPattern: duplicate)
                thread.store(made, into: lpTargetHandle, call: "DuplicateHandle")
                return true
            }
            let (status, duplicate) = kernel.ntDuplicateObject(value(hSourceHandle), from: sourceProcess, to: target,
                                                               inherit: bInheritHandle, closeSource: closeSource)
            guard status.isSuccess else { return thread.fail(status) }
            if target != nil {
                made = HANDLE(bitPattern: duplicate)
                thread.store(made, into: lpTargetHandle, call: "DuplicateHandle")
            }
            return true
        }
        thread.traceBool("DuplicateHandle(\(hex(handle: hSourceHandle)), options: \(dwOptions)) → \(hex(handle: made))", result)
        return result
    }
}

/// The handle's attributes: `HANDLE_FLAG_INHERIT`, `HANDLE_FLAG_PROTECT_FROM_CLOSE`. The
/// corresponding Win32 function is `GetHandleInformation`; an invalid handle gives
/// `ERROR_INVALID_HANDLE`.
@discardableResult
public func GetHandleInformation(_ hObject: HANDLE!, _ lpdwFlags: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        guard let attributes = kernel.withKernelEntry({ kernel.handleAttributes(value(hObject)) }) else {
            return thread.fail(ERROR_INVALID_HANDLE)
        }
        guard let lpdwFlags else { return thread.fail(ERROR_NOACCESS) }
        thread.store(attributes.rawValue, into: lpdwFlags, call: "GetHandleInformation")
        return true
    }
}

/// Sets the attributes in `dwMask` to their values in `dwFlags`. The corresponding Win32
/// function is `SetHandleInformation`.
///
/// `HANDLE_FLAG_INHERIT` decides whether a child created with `bInheritHandles` gets a copy of
/// the handle (what swift-subprocess sets on the child's ends and clears on the parent's);
/// `HANDLE_FLAG_PROTECT_FROM_CLOSE` makes `CloseHandle` fail with `ERROR_INVALID_HANDLE`. An
/// invalid handle gives `ERROR_INVALID_HANDLE`.
@discardableResult
public func SetHandleInformation(_ hObject: HANDLE!, _ dwMask: DWORD, _ dwFlags: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let known = HANDLE_FLAG_INHERIT | DWORD(HANDLE_FLAG_PROTECT_FROM_CLOSE)
        let status = kernel.withKernelEntry {
            kernel.setHandleAttributes(value(hObject), mask: HandleAttributes(rawValue: dwMask & known),
                                       flags: HandleAttributes(rawValue: dwFlags & known))
        }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("SetHandleInformation(\(hex(handle: hObject)), \(dwMask), \(dwFlags))", result)
        return result
    }
}
