import CWin32
import IOKernel

/// Opens a process's primary token. The corresponding Win32 function is `OpenProcessToken`
/// (advapi32).
///
/// The handle names the process's one token object (`Token#n` in the trace and in the teardown
/// report: close it with `CloseHandle`); opening it again gives another handle to the same
/// object. `ProcessHandle` may be `GetCurrentProcess()` or a handle to any simulated process; a
/// handle that is not a process is FALSE with `ERROR_INVALID_HANDLE`, and a NULL `TokenHandle`,
/// where Windows faults, `ERROR_NOACCESS`. `DesiredAccess` is recorded on the handle and not
/// checked.
@discardableResult
public func OpenProcessToken(_ ProcessHandle: HANDLE!, _ DesiredAccess: DWORD, _ TokenHandle: PHANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        guard let TokenHandle else { return thread.fail(ERROR_NOACCESS) }
        let opened: UInt? = kernel.withKernelEntry {
            guard let process = kernel.process(forHandle: value(ProcessHandle)) else { return nil }
            return kernel.ntOpenProcessToken(process, access: DesiredAccess, inherit: false)
        }
        guard let opened else {
            thread.traceResult("OpenProcessToken(\(hex(handle: ProcessHandle)))", "FALSE, ERROR_INVALID_HANDLE")
            return thread.fail(ERROR_INVALID_HANDLE)
        }
        thread.store(HANDLE(bitPattern: opened), into: TokenHandle, call: "OpenProcessToken")
        thread.traceResult("OpenProcessToken(\(hex(handle: ProcessHandle)))", hex(handle: HANDLE(bitPattern: opened)))
        return true
    }
}

/// Opens a thread's impersonation token. The corresponding Win32 function is `OpenThreadToken`:
/// no simulated thread impersonates, so a thread handle (`GetCurrentThread()` or a handle to a
/// simulated thread) is FALSE with `ERROR_NO_TOKEN`, as Windows answers for a thread that is not
/// impersonating; any other handle is `ERROR_INVALID_HANDLE`, a NULL `TokenHandle`
/// `ERROR_NOACCESS`.
@discardableResult
public func OpenThreadToken(_ ThreadHandle: HANDLE!, _ DesiredAccess: DWORD, _ OpenAsSelf: Bool, _ TokenHandle: PHANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let TokenHandle else { return thread.fail(ERROR_NOACCESS) }
        let isThread = value(ThreadHandle) == UInt.max - 1
            || thread.withKernel { kernel in kernel.withKernelEntry { kernel.object(forHandle: value(ThreadHandle)) is SimThread } }
        guard isThread else { return thread.fail(ERROR_INVALID_HANDLE) }
        thread.store(nil, into: TokenHandle, call: "OpenThreadToken")
        return thread.fail(ERROR_NO_TOKEN)
    }
}
