import IOKernel

/// Creates a completion port, binds a file to one, or both.
///
/// The corresponding Win32 function is `CreateIoCompletionPort` (win32-facts F-IOCP-1 …
/// F-IOCP-4):
/// - `FileHandle == INVALID_HANDLE_VALUE`: creates a port (`ExistingCompletionPort` must be
///   null; the key is ignored; a concurrency of 0 means the simulated processor count).
/// - A file handle and an existing port: binds the file's file object to that port with
///   `CompletionKey` and returns the same port handle.
/// - A file handle and no port: creates a port and binds the file to it.
/// A file opened without `FILE_FLAG_OVERLAPPED`, or one already bound, fails with
/// `ERROR_INVALID_PARAMETER`; a binding lasts as long as the file object.
@discardableResult
public func CreateIoCompletionPort(_ FileHandle: HANDLE!, _ ExistingCompletionPort: HANDLE!, _ CompletionKey: ULONG_PTR,
                                   _ NumberOfConcurrentThreads: DWORD) -> HANDLE!
{
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        var result: HANDLE?
        if FileHandle == INVALID_HANDLE_VALUE {
            if ExistingCompletionPort != nil {
                _ = thread.fail(ERROR_INVALID_PARAMETER)
            } else {
                result = HANDLE(bitPattern: kernel.withKernelEntry { kernel.ntCreateIoCompletion(concurrency: Int(NumberOfConcurrentThreads)) })
            }
        } else {
            let created = ExistingCompletionPort == nil
            let port = created
                ? kernel.withKernelEntry { kernel.ntCreateIoCompletion(concurrency: Int(NumberOfConcurrentThreads)) }
                : value(ExistingCompletionPort)
            let status = kernel.withKernelEntry {
                kernel.ntAssociateCompletionPort(file: value(FileHandle), port: port, key: UInt(CompletionKey))
            }
            if status.isSuccess {
                result = HANDLE(bitPattern: port)
            } else {
                if created { _ = kernel.withKernelEntry { kernel.ntClose(port) } }
                _ = thread.fail(status)
            }
        }
        thread.traceResult("CreateIoCompletionPort(\(hex(handle: FileHandle)), \(hex(handle: ExistingCompletionPort)), key: \(CompletionKey))",
                           result == nil ? "NULL, \(win32ErrorName(thread.lastError))" : hex(handle: result))
        return result
    }
}

/// Dequeues one completion packet, waiting up to `dwMilliseconds`.
///
/// The corresponding Win32 function is `GetQueuedCompletionStatus`. The wait is not alertable
/// (F-IOCP-20). Outcomes (F-IOCP-9 … F-IOCP-13, F-IOCP-15):
/// - a packet of a request that succeeded: `TRUE`, byte count, key and `OVERLAPPED` set, the
///   last error unchanged;
/// - a packet of a request that failed (or warned): `FALSE` with the `OVERLAPPED` set and the
///   mapped error (`ERROR_OPERATION_ABORTED` for a cancelled read);
/// - a timeout: `FALSE`, `WAIT_TIMEOUT`, `*lpOverlapped = NULL`, byte count and key untouched;
/// - the port closed while waiting: `FALSE`, `ERROR_ABANDONED_WAIT_0`, `*lpOverlapped = NULL`.
/// A thread-agnostic request's `OVERLAPPED` is written when its packet is dequeued (F-OVL-11).
@discardableResult
public func GetQueuedCompletionStatus(_ CompletionPort: HANDLE!, _ lpNumberOfBytesTransferred: LPDWORD!,
                                      _ lpCompletionKey: PULONG_PTR!, _ lpOverlapped: UnsafeMutablePointer<LPOVERLAPPED?>!,
                                      _ dwMilliseconds: DWORD) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        thread.withKernel { kernel in
            queuedCompletionStatus(thread, kernel, CompletionPort, lpNumberOfBytesTransferred, lpCompletionKey, lpOverlapped,
                                   dwMilliseconds)
        }
    }
}

/// `GetQueuedCompletionStatus` with the thread and the kernel borrowed: one kernel call that
/// hands the packet's values back (no closure), stored into the out-parameters before the call
/// returns to user mode, as the system service stores them.
@inline(__always)
private func queuedCompletionStatus(_ thread: borrowing SimThread, _ kernel: borrowing Kernel, _ CompletionPort: HANDLE?,
                                    _ lpNumberOfBytesTransferred: LPDWORD?, _ lpCompletionKey: PULONG_PTR?,
                                    _ lpOverlapped: UnsafeMutablePointer<LPOVERLAPPED?>?, _ dwMilliseconds: DWORD) -> Bool
{
    kernel.enter()
    let packet = kernel.ntRemoveIoCompletion(port: value(CompletionPort), timeoutMilliseconds: dwMilliseconds, in: thread)
    let dequeued = packet.waitStatus.rawValue == 0  // STATUS_SUCCESS
    let overlapped = packet.overlapped?.assumingMemoryBound(to: OVERLAPPED.self)
    if dequeued {
        thread.store(DWORD(truncatingIfNeeded: packet.information), into: lpNumberOfBytesTransferred, ULONG_PTR(packet.key),
                     into: lpCompletionKey, overlapped, into: lpOverlapped, call: "GetQueuedCompletionStatus")
    }
    kernel.leave()
    let result: Bool
    if dequeued {
        result = packet.status.isSuccess ? true : thread.fail(packet.status)
    } else {
        thread.store(nil, into: lpOverlapped, call: "GetQueuedCompletionStatus")
        result = thread.fail(queueWaitError(packet.waitStatus))
    }
    if thread.isTracing {
        thread.traceBool("GetQueuedCompletionStatus(\(hex(handle: CompletionPort)), \(dwMilliseconds)) → ov: "
            + thread.name(overlapped: overlapped), result)
    }
    return result
}

/// Dequeues up to `ulCount` packets at once, waiting up to `dwMilliseconds` for the first,
/// alertably if asked.
///
/// The corresponding Win32 function is `GetQueuedCompletionStatusEx`. It returns `TRUE` when it
/// removed at least one packet, even of failed requests: each `OVERLAPPED_ENTRY.Internal` holds
/// its status (F-IOCP-17). An empty port times out with `FALSE`, `WAIT_TIMEOUT` and 0 entries
/// (F-IOCP-18). Alertable and empty, it runs the queued APCs and returns `FALSE` with
/// `WAIT_IO_COMPLETION`; with a packet there, a thread associated with the port (by an earlier
/// call on it) gets the packet and the APCs stay queued (F-IOCP-19), while a thread not
/// associated with it runs the APCs first, returns `FALSE` with `WAIT_IO_COMPLETION`, and leaves
/// the packet queued and itself unassociated (Wine's ntdll file.c test_set_io_completion).
@discardableResult
public func GetQueuedCompletionStatusEx(_ CompletionPort: HANDLE!, _ lpCompletionPortEntries: LPOVERLAPPED_ENTRY!,
                                        _ ulCount: ULONG, _ ulNumEntriesRemoved: PULONG!, _ dwMilliseconds: DWORD,
                                        _ fAlertable: Bool) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        thread.withKernel { kernel in
            queuedCompletionStatusEx(thread, kernel, CompletionPort, lpCompletionPortEntries, ulCount, ulNumEntriesRemoved,
                                     dwMilliseconds, fAlertable)
        }
    }
}

/// `GetQueuedCompletionStatusEx` with the thread and the kernel borrowed, as in
/// `GetQueuedCompletionStatus`: an alertable wait runs APCs, and an APC that exits the thread
/// abandons this frame, which must hold no reference of its own.
@inline(__always)
private func queuedCompletionStatusEx(_ thread: borrowing SimThread, _ kernel: borrowing Kernel, _ CompletionPort: HANDLE?,
                                      _ lpCompletionPortEntries: LPOVERLAPPED_ENTRY?, _ ulCount: ULONG,
                                      _ ulNumEntriesRemoved: PULONG?, _ dwMilliseconds: DWORD, _ fAlertable: Bool) -> Bool
{
    guard let entries = lpCompletionPortEntries, ulCount > 0 else { return thread.fail(ERROR_INVALID_PARAMETER) }
    // NtRemoveIoCompletionEx probes the whole array for ulCount entries before it waits, as
    // system services probe user pointers first (nt-io-model §2.1, step 1): a shorter one is
    // STATUS_ACCESS_VIOLATION, ERROR_NOACCESS, and nothing is dequeued.
    guard kernel.probeUserBuffer(entries, count: Int(ulCount) * MemoryLayout<OVERLAPPED_ENTRY>.stride, writing: true,
                                 call: "GetQueuedCompletionStatusEx", reportingFreed: true)
    else { return thread.fail(ERROR_NOACCESS) }
    var count = 0
    kernel.enter()
    let status = kernel.ntRemoveIoCompletion(port: value(CompletionPort), maximum: Int(ulCount), timeoutMilliseconds: dwMilliseconds,
                                             alertable: fAlertable, in: thread)
    { key, overlapped, status, information in
        entries[count] = OVERLAPPED_ENTRY(lpCompletionKey: ULONG_PTR(key),
                                          lpOverlapped: overlapped?.assumingMemoryBound(to: OVERLAPPED.self),
                                          Internal: ULONG_PTR(status.rawValue),
                                          dwNumberOfBytesTransferred: DWORD(truncatingIfNeeded: information))
        count += 1
    }
    kernel.leave()
    thread.store(ULONG(count), into: ulNumEntriesRemoved, call: "GetQueuedCompletionStatusEx")
    let result: Bool
    if count > 0 {
        result = true
    } else if status == .userAPC {
        thread.setLastError(WAIT_IO_COMPLETION)
        result = false
    } else {
        result = thread.fail(queueWaitError(status))
    }
    thread.traceBool("GetQueuedCompletionStatusEx(\(hex(handle: CompletionPort)), \(ulCount), \(dwMilliseconds), "
        + "alertable: \(fAlertable)) → \(count) entries", result)
    return result
}

/// The Win32 error of a port wait that dequeued nothing: a timeout is `WAIT_TIMEOUT`, not
/// `ERROR_TIMEOUT` (C-4); a port closed under the waiter is `ERROR_ABANDONED_WAIT_0`.
private func queueWaitError(_ status: NTStatus) -> Int32 {
    switch status {
    case .timeout: WAIT_TIMEOUT
    case .abandonedWait0: ERROR_ABANDONED_WAIT_0
    default: Int32(bitPattern: RtlNtStatusToDosError(NTSTATUS(bitPattern: status.rawValue)))
    }
}

/// Queues a packet with exactly these values, which the system does not interpret
/// (F-IOCP-14). The corresponding Win32 function is `PostQueuedCompletionStatus`.
@discardableResult
public func PostQueuedCompletionStatus(_ CompletionPort: HANDLE!, _ dwNumberOfBytesTransferred: DWORD,
                                       _ dwCompletionKey: ULONG_PTR, _ lpOverlapped: LPOVERLAPPED!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry {
            kernel.ntSetIoCompletion(port: value(CompletionPort), key: UInt(dwCompletionKey),
                                     overlapped: lpOverlapped.map { UnsafeMutableRawPointer($0) }, status: .success,
                                     information: Int(dwNumberOfBytesTransferred))
        }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("PostQueuedCompletionStatus(\(hex(handle: CompletionPort)), \(dwNumberOfBytesTransferred), key: "
            + "\(dwCompletionKey), ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

/// Sets a file's completion notification modes: `FILE_SKIP_COMPLETION_PORT_ON_SUCCESS` (no
/// packet when a request succeeds at once) and `FILE_SKIP_SET_EVENT_ON_HANDLE` (completions do
/// not signal the file handle; an `hEvent` still is).
///
/// The corresponding Win32 function is `SetFileCompletionNotificationModes`. Modes are ORed in
/// and can never be cleared; unknown bits are ignored; skipping the port on a handle opened
/// without `FILE_FLAG_OVERLAPPED` fails with `ERROR_INVALID_PARAMETER` (F-SKIP-3, F-SKIP-4).
@discardableResult
public func SetFileCompletionNotificationModes(_ FileHandle: HANDLE!, _ Flags: UCHAR) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntSetCompletionNotificationModes(file: value(FileHandle), flags: Flags) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("SetFileCompletionNotificationModes(\(hex(handle: FileHandle)), \(Flags))", result)
        return result
    }
}
