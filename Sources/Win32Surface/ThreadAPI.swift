import IOKernel

/// Creates a simulated thread running `lpStartAddress(lpParameter)`.
///
/// The corresponding Win32 function is `CreateThread`. The thread starts when the scheduler
/// first picks it: with the default strategy, when the creating thread blocks. Its handle is
/// signalled when it exits; `GetExitCodeThread` then gives the routine's result.
/// `CREATE_SUSPENDED` is not simulated (`ERROR_NOT_SUPPORTED`).
public func CreateThread(_ lpThreadAttributes: LPSECURITY_ATTRIBUTES!, _ dwStackSize: SIZE_T,
                         _ lpStartAddress: LPTHREAD_START_ROUTINE!, _ lpParameter: LPVOID!, _ dwCreationFlags: DWORD,
                         _ lpThreadId: LPDWORD!) -> HANDLE!
{
    guard let thread = currentThread() else { return nil }
    guard let routine = lpStartAddress else {
        _ = thread.fail(ERROR_INVALID_PARAMETER)
        return nil
    }
    guard dwCreationFlags & 0x4 == 0 else {
        _ = thread.fail(ERROR_NOT_SUPPORTED)
        return nil
    }
    let kernel = thread.kernel
    let parameter = lpParameter
    let (handle, created) = kernel.withKernelEntry { kernel.ntCreateThread { routine(parameter) } }
    lpThreadId?.pointee = created.threadID
    let result = HANDLE(bitPattern: handle)
    thread.traceResult("CreateThread(\(hex(handle: lpParameter)))", "\(hex(handle: result)) (\(created.name))")
    return result
}

/// The exit code of a thread: `STILL_ACTIVE` (259) while it runs. The corresponding Win32
/// function is `GetExitCodeThread`.
public func GetExitCodeThread(_ hThread: HANDLE!, _ lpExitCode: LPDWORD!) -> Bool {
    guard let thread = currentThread() else { return false }
    guard let target = thread.kernel.thread(forHandle: value(hThread)) else { return thread.fail(ERROR_INVALID_HANDLE) }
    lpExitCode?.pointee = target.exitCode
    return true
}

/// A handle to the thread with id `dwThreadId`. The corresponding Win32 function is
/// `OpenThread`; an id that names no running thread gives `ERROR_INVALID_PARAMETER`.
public func OpenThread(_ dwDesiredAccess: DWORD, _ bInheritHandle: Bool, _ dwThreadId: DWORD) -> HANDLE! {
    guard let thread = currentThread() else { return nil }
    let kernel = thread.kernel
    let (status, handle) = kernel.withKernelEntry { kernel.ntOpenThread(threadID: dwThreadId) }
    guard status.isSuccess else {
        _ = thread.fail(status)
        return nil
    }
    return HANDLE(bitPattern: handle)
}
