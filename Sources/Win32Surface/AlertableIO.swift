import IOKernel

/// Reads with a completion routine.
///
/// The corresponding Win32 function is `ReadFileEx`. `hEvent` is ignored (the application may
/// use it freely). `TRUE` means the completion routine will run exactly once, later, in an
/// alertable wait of the calling thread, whether the read is pending or already complete; it
/// never runs before `ReadFileEx` returns. `FALSE` means it never runs (win32-facts F-RFX-1 …
/// F-RFX-3). A cancelled read still calls it, with `ERROR_OPERATION_ABORTED` (F-RFX-5).
/// `GetOverlappedResult(bWait: TRUE)` neither runs nor revokes it (F-RFX-11).
///
/// On success the last error is left unchanged while the read is pending, set to
/// `ERROR_SUCCESS` when it completed at once, and to `ERROR_MORE_DATA` for a warning (which is
/// still `TRUE`, F-RFX-7). A null `OVERLAPPED` or completion routine gives
/// `ERROR_INVALID_PARAMETER` (Windows would fault later).
@discardableResult
public func ReadFileEx(_ hFile: HANDLE!, _ lpBuffer: LPVOID!, _ nNumberOfBytesToRead: DWORD, _ lpOverlapped: LPOVERLAPPED!,
                       _ lpCompletionRoutine: LPOVERLAPPED_COMPLETION_ROUTINE!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = transferEx(thread, read: true, hFile, lpBuffer, nNumberOfBytesToRead, lpOverlapped, lpCompletionRoutine)
        thread.traceBool("ReadFileEx(\(hex(handle: hFile)), \(thread.name(buffer: lpBuffer)), \(nNumberOfBytesToRead), "
            + "ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

/// Writes with a completion routine. The corresponding Win32 function is `WriteFileEx`; see
/// ``ReadFileEx(_:_:_:_:_:)``.
@discardableResult
public func WriteFileEx(_ hFile: HANDLE!, _ lpBuffer: LPCVOID!, _ nNumberOfBytesToWrite: DWORD,
                        _ lpOverlapped: LPOVERLAPPED!, _ lpCompletionRoutine: LPOVERLAPPED_COMPLETION_ROUTINE!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = transferEx(thread, read: false, hFile, UnsafeMutableRawPointer(mutating: lpBuffer), nNumberOfBytesToWrite,
                                lpOverlapped, lpCompletionRoutine)
        thread.traceBool("WriteFileEx(\(hex(handle: hFile)), \(thread.name(buffer: lpBuffer)), \(nNumberOfBytesToWrite), "
            + "ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

private func transferEx(_ thread: SimThread, read: Bool, _ hFile: HANDLE?, _ buffer: UnsafeMutableRawPointer?, _ length: DWORD,
                        _ overlapped: LPOVERLAPPED?, _ routine: LPOVERLAPPED_COMPLETION_ROUTINE?) -> Bool
{
    guard let overlapped, let routine else { return thread.fail(ERROR_INVALID_PARAMETER) }
    guard thread.kernel.userOverlappedIsAccessible(overlapped) else { return thread.fail(ERROR_NOACCESS) }
    overlapped.pointee.Internal = ULONG_PTR(STATUS_PENDING)
    overlapped.pointee.InternalHigh = 0
    let offset = UInt64(overlapped.pointee.OffsetHigh) << 32 | UInt64(overlapped.pointee.Offset)
    let kernel = thread.kernel
    let context = unsafeBitCast(routine, to: UnsafeMutableRawPointer.self)
    let ioStatus = UnsafeMutableRawPointer(overlapped)
    let status = kernel.withKernelEntry {
        read
            ? kernel.ntReadFile(handle: value(hFile), event: nil, apcRoutine: { c, io, _ in callCompletionRoutine(c, io) },
                                apcContext: context, ioStatus: ioStatus, buffer: buffer, length: Int(length), byteOffset: offset)
            : kernel.ntWriteFile(handle: value(hFile), event: nil, apcRoutine: { c, io, _ in callCompletionRoutine(c, io) },
                                 apcContext: context, ioStatus: ioStatus, buffer: buffer, length: Int(length), byteOffset: offset)
    }
    if status == .pending { return true }
    if status.isError { return thread.fail(status) }
    thread.setLastError(status.isWarning ? DWORD(ERROR_MORE_DATA) : DWORD(ERROR_SUCCESS))
    return true
}

/// kernel32's APC routine for `ReadFileEx`/`WriteFileEx`: reads the status block (the caller's
/// `OVERLAPPED`) and calls the completion routine with the Win32 error (0 for success and for
/// warnings, F-RFX-6), the byte count and the `OVERLAPPED` pointer.
func callCompletionRoutine(_ context: UnsafeMutableRawPointer?, _ ioStatus: UnsafeMutableRawPointer?) {
    guard let context else { return }
    let routine = unsafeBitCast(context, to: LPOVERLAPPED_COMPLETION_ROUTINE.self)
    let status = NTStatus(rawValue: ioStatus?.load(as: UInt32.self) ?? 0)
    let information = ioStatus?.load(fromByteOffset: 8, as: UInt64.self) ?? 0
    let error = status.isError ? RtlNtStatusToDosError(NTSTATUS(bitPattern: status.rawValue)) : DWORD(ERROR_SUCCESS)
    routine(error, DWORD(truncatingIfNeeded: information), ioStatus?.assumingMemoryBound(to: OVERLAPPED.self))
}

/// Queues `pfnAPC(dwData)` to a thread; it runs in that thread's next alertable wait.
///
/// The corresponding Win32 function is `QueueUserAPC`. Returns non-zero on success; an invalid
/// handle or one that is not a thread gives 0 with `ERROR_INVALID_HANDLE`.
@discardableResult
public func QueueUserAPC(_ pfnAPC: PAPCFUNC!, _ hThread: HANDLE!, _ dwData: ULONG_PTR) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let pfnAPC else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return 0
        }
        let kernel = thread.kernel
        let status = kernel.withKernelEntry {
            kernel.ntQueueApcThread(value(hThread), routine: { function, data, _ in
                guard let function else { return }
                unsafeBitCast(function, to: PAPCFUNC.self)(ULONG_PTR(UInt(bitPattern: data)))
            }, context: unsafeBitCast(pfnAPC, to: UnsafeMutableRawPointer.self), argument1: UnsafeMutableRawPointer(bitPattern: UInt(dwData)),
            argument2: nil)
        }
        var result: DWORD = 1
        if !status.isSuccess {
            _ = thread.fail(status)
            result = 0
        }
        thread.traceResult("QueueUserAPC(\(hex(handle: hThread)), \(thread.name(parameter: UInt(dwData))))", result != 0 ? "TRUE" : "FALSE, \(win32ErrorName(thread.lastError))")
        return result
    }
}

/// Lets `dwMilliseconds` of virtual time pass, alertably if asked.
///
/// The corresponding Win32 function is `SleepEx`. Returns 0 when the interval elapsed, or
/// `WAIT_IO_COMPLETION` when `bAlertable` is true and user APCs ran (all of those queued,
/// F-APC-3, F-WAIT-8). `SleepEx(0, TRUE)` runs the APCs already queued.
@discardableResult
public func SleepEx(_ dwMilliseconds: DWORD, _ bAlertable: Bool) -> DWORD {
    withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let status = thread.withKernel { kernel in
            kernel.enter()
            defer { kernel.leave() }
            return kernel.ntDelayExecution(alertable: bAlertable, duration: .win32Timeout(dwMilliseconds))
        }
        let result: DWORD = status == .userAPC ? WAIT_IO_COMPLETION : 0
        thread.traceResult("SleepEx(\(dwMilliseconds), alertable: \(bAlertable))", result == 0 ? "0" : "WAIT_IO_COMPLETION")
        return result
    }
}
