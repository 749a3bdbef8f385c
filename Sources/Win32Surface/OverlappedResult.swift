import IOKernel

/// The result of an overlapped operation.
///
/// The corresponding Win32 function is `GetOverlappedResult`; it behaves as
/// `GetOverlappedResultEx(hFile, lpOverlapped, lpNumberOfBytesTransferred, bWait ? INFINITE : 0,
/// FALSE)` (win32-facts F-GOR-11). While the operation is pending, `bWait == false` gives
/// `FALSE` with `ERROR_IO_INCOMPLETE` (996), never `ERROR_IO_PENDING`.
@discardableResult
public func GetOverlappedResult(_ hFile: HANDLE!, _ lpOverlapped: LPOVERLAPPED!, _ lpNumberOfBytesTransferred: LPDWORD!,
                                _ bWait: Bool) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = overlappedResult(thread, hFile, lpOverlapped, lpNumberOfBytesTransferred, bWait ? INFINITE : 0, false)
        thread.traceBool("GetOverlappedResult(\(hex(handle: hFile)), ov: \(thread.name(overlapped: lpOverlapped)), wait: \(bWait))", result)
        return result
    }
}

/// The result of an overlapped operation, waiting at most `dwMilliseconds`, optionally
/// alertably.
///
/// The corresponding Win32 function is `GetOverlappedResultEx`. As kernelbase implements it
/// (win32-facts F-GOR-1 … F-GOR-15):
/// - The result comes from `Internal` and `InternalHigh` alone; if the operation is not
///   pending, `hFile` is not even looked at.
/// - While pending: a timeout of 0 gives `ERROR_IO_INCOMPLETE` without waiting (even when
///   alertable); otherwise the call waits on `hEvent`, or on `hFile` when `hEvent` is null
///   (any completion on the file object then ends the wait). A wait that times out gives
///   `WAIT_TIMEOUT` (258); one that ran APCs gives `WAIT_IO_COMPLETION` (192).
/// - If `Internal` is still `STATUS_PENDING` after the wait (someone else set the event), the
///   call returns `TRUE` with `InternalHigh`.
/// - A success or informational status (`NT_SUCCESS`: `STATUS_NOTIFY_CLEANUP`, `STATUS_TIMEOUT`…)
///   gives `TRUE`; a warning or an error gives `FALSE` with its mapped error, with
///   `*lpNumberOfBytesTransferred` still set (ReactOS's kernel32 and the Windows table recorded
///   through this call agree).
@discardableResult
public func GetOverlappedResultEx(_ hFile: HANDLE!, _ lpOverlapped: LPOVERLAPPED!, _ lpNumberOfBytesTransferred: LPDWORD!,
                                  _ dwMilliseconds: DWORD, _ bAlertable: Bool) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = overlappedResult(thread, hFile, lpOverlapped, lpNumberOfBytesTransferred, dwMilliseconds, bAlertable)
        thread.traceBool("GetOverlappedResultEx(\(hex(handle: hFile)), ov: \(thread.name(overlapped: lpOverlapped)), \(dwMilliseconds), alertable: \(bAlertable))",
                         result)
        return result
    }
}

private func overlappedResult(_ thread: SimThread, _ hFile: HANDLE?, _ overlapped: LPOVERLAPPED?, _ bytes: LPDWORD?,
                              _ milliseconds: DWORD, _ alertable: Bool) -> Bool
{
    // Windows would fault on a null OVERLAPPED; the simulator reports the parameter instead.
    guard let overlapped else { return thread.fail(ERROR_INVALID_PARAMETER) }
    return thread.withKernel { kernel in overlappedResult(thread, kernel, hFile, overlapped, bytes, milliseconds, alertable) }
}

private func overlappedResult(_ thread: SimThread, _ kernel: Kernel, _ hFile: HANDLE?, _ overlapped: LPOVERLAPPED,
                              _ bytes: LPDWORD?, _ milliseconds: DWORD, _ alertable: Bool) -> Bool
{
    guard kernel.userOverlappedIsAccessible(overlapped) else { return thread.fail(ERROR_NOACCESS) }
    var status = DWORD(truncatingIfNeeded: overlapped.pointee.Internal)
    if status == STATUS_PENDING {
        guard milliseconds != 0 else { return thread.fail(ERROR_IO_INCOMPLETE) }
        guard waitForResult(thread, kernel, hFile, overlapped, milliseconds, alertable) else { return false }
        status = DWORD(truncatingIfNeeded: overlapped.pointee.Internal)
    }
    thread.store(DWORD(truncatingIfNeeded: overlapped.pointee.InternalHigh), into: bytes, call: "GetOverlappedResultEx")
    // NT_SUCCESS, as kernel32 tests it: an informational status (STATUS_NOTIFY_CLEANUP,
    // STATUS_TIMEOUT, STATUS_WAIT_1 …, and STATUS_PENDING left by someone else's SetEvent) is a
    // success; a warning such as STATUS_BUFFER_OVERFLOW is a failure with its byte count.
    if NTStatus(rawValue: status).isSuccess { return true }
    return thread.fail(NTStatus(rawValue: status))
}

/// The wait of a call whose operation is still pending: on `hEvent`, or on `hFile` when it is
/// null. True when the wait was satisfied; false with the last error set when it timed out, ran
/// APCs or failed. Out of line, so that the call that finds its result (the common case) carries
/// none of it; the handle is passed from the stack rather than in an array allocated per wait.
@inline(never)
private func waitForResult(_ thread: SimThread, _ kernel: Kernel, _ hFile: HANDLE?, _ overlapped: LPOVERLAPPED,
                           _ milliseconds: DWORD, _ alertable: Bool) -> Bool
{
    let waitOn = value(overlapped.pointee.hEvent ?? hFile)
    let waited = withUnsafePointer(to: waitOn) { handle in
        kernel.withKernelEntry {
            kernel.ntWaitForMultipleObjects(UnsafeBufferPointer(start: handle, count: 1), waitAll: false, alertable: alertable,
                                            timeout: .win32Timeout(milliseconds), allowPseudoHandles: true)
        }
    }
    switch waited {
    case .wait(0): return true
    case .timeout: return thread.fail(WAIT_TIMEOUT)
    case .userAPC:
        thread.setLastError(WAIT_IO_COMPLETION)
        return false
    default: return thread.fail(waited)
    }
}

/// Whether the operation has completed: exactly `Internal != STATUS_PENDING`.
///
/// In WinSDK this is a macro, which Swift cannot import; code built against WinSDK writes the
/// comparison itself. It makes no kernel call and validates nothing, so it is `true` for an
/// `OVERLAPPED` never used and `false` forever after an immediate failure (win32-facts F-OVL-8).
@discardableResult
public func HasOverlappedIoCompleted(_ lpOverlapped: LPOVERLAPPED) -> Bool {
    DWORD(truncatingIfNeeded: lpOverlapped.pointee.Internal) != STATUS_PENDING
}
