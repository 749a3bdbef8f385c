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
    guard let thread = currentThread() else { return false }
    let kernel = thread.kernel
    let status = kernel.withKernelEntry { kernel.ntClose(value(hObject)) }
    let result = status.isSuccess ? true : thread.fail(status)
    thread.traceBool("CloseHandle(\(hex(handle: hObject)))", result)
    return result
}

/// The pseudo-handle of the current process, `(HANDLE)-1`. The corresponding Win32 function is
/// `GetCurrentProcess`.
@discardableResult
public func GetCurrentProcess() -> HANDLE! { HANDLE(bitPattern: -1) }

/// The pseudo-handle of the current thread, `(HANDLE)-2`. The corresponding Win32 function is
/// `GetCurrentThread`.
@discardableResult
public func GetCurrentThread() -> HANDLE! { HANDLE(bitPattern: -2) }

/// Duplicates a handle within the simulated process.
///
/// The corresponding Win32 function is `DuplicateHandle`. Both process handles must name the
/// current process (the simulation has one process). The duplicate refers to the same object:
/// handle count and pointer count both rise by one, and cleanup is sent only when the last of
/// all the handles closes. `DUPLICATE_CLOSE_SOURCE` closes the source handle even if the
/// duplication fails (F-DUP-1). `DUPLICATE_SAME_ACCESS` keeps the source's access; otherwise
/// the duplicate also gets the source's access (access checks are not simulated).
/// `GetCurrentThread()` and `GetCurrentProcess()` duplicate to real handles to the calling
/// thread and to the process.
@discardableResult
public func DuplicateHandle(_ hSourceProcessHandle: HANDLE!, _ hSourceHandle: HANDLE!, _ hTargetProcessHandle: HANDLE!,
                            _ lpTargetHandle: LPHANDLE!, _ dwDesiredAccess: DWORD, _ bInheritHandle: Bool,
                            _ dwOptions: DWORD) -> Bool
{
    guard let thread = currentThread() else { return false }
    let kernel = thread.kernel
    let currentProcess = value(GetCurrentProcess())
    let closeSource = dwOptions & DWORD(DUPLICATE_CLOSE_SOURCE) != 0
    let result: Bool
    if value(hSourceProcessHandle) != currentProcess {
        result = thread.fail(ERROR_INVALID_HANDLE)
    } else if value(hTargetProcessHandle) != currentProcess {
        if closeSource { _ = kernel.withKernelEntry { kernel.ntClose(value(hSourceHandle)) } }
        result = thread.fail(ERROR_INVALID_HANDLE)
    } else if value(hSourceHandle) == currentProcess {
        let duplicate = kernel.withKernelEntry { kernel.ntDuplicateCurrentProcess() }
        lpTargetHandle?.pointee = HANDLE(bitPattern: duplicate)
        result = true
    } else if value(hSourceHandle) == value(GetCurrentThread()) {
        let duplicate = kernel.withKernelEntry { kernel.ntDuplicateCurrentThread() }
        lpTargetHandle?.pointee = HANDLE(bitPattern: duplicate)
        result = true
    } else {
        let (status, duplicate) = kernel.withKernelEntry { kernel.ntDuplicateObject(value(hSourceHandle), closeSource: closeSource) }
        if status.isSuccess {
            lpTargetHandle?.pointee = HANDLE(bitPattern: duplicate)
            result = true
        } else {
            result = thread.fail(status)
        }
    }
    thread.traceBool("DuplicateHandle(\(hex(handle: hSourceHandle)), options: \(dwOptions)) → \(hex(handle: lpTargetHandle?.pointee))", result)
    return result
}
