import IOKernel

/// Watches a directory for changes: the request completes when a change under it matches the
/// filter, with `FILE_NOTIFY_INFORMATION` records in `lpBuffer`.
///
/// The corresponding Win32 function is `ReadDirectoryChangesW`, on a directory opened with
/// `FILE_FLAG_BACKUP_SEMANTICS` and `FILE_LIST_DIRECTORY`. As kernelbase and the file system
/// do it (Microsoft's ReadDirectoryChangesW page; Wine `kernel32/tests/change.c`):
/// - A filter of 0 or with bits outside `FILE_NOTIFY_CHANGE_*` gives `ERROR_INVALID_PARAMETER`
///   (checked before the handle), and so does a handle to a file.
/// - With an `OVERLAPPED` it returns `TRUE` at once with `Internal` = `STATUS_PENDING` (never
///   `FALSE`/`ERROR_IO_PENDING`); `InternalHigh` is left alone. Completion comes as the event
///   (`hEvent`), the completion routine (called in an alertable wait, `hEvent` unused), or a
///   packet on the port the handle is bound to.
/// - Without one, it waits for the change and returns the byte count in `*lpBytesReturned`.
/// - The first call on a handle fixes the filter, `bWatchSubtree` and the size of the buffer
///   that keeps changes between calls; later calls' values are ignored. A call when changes
///   are kept completes at once with them (still reported pending).
/// - Records: `FILE_ACTION_ADDED`, `REMOVED`, `MODIFIED`, `RENAMED_OLD_NAME` and
///   `RENAMED_NEW_NAME`, names relative to the directory, DWORD-aligned, the byte count ending
///   at the last name. Changes that do not fit (or with a null buffer) complete with
///   `STATUS_NOTIFY_ENUM_DIR` (`ERROR_NOTIFY_ENUM_DIR`, 1022) and 0 bytes.
/// - `CancelIoEx` completes it with `ERROR_OPERATION_ABORTED`; closing the directory handle
///   with `STATUS_NOTIFY_CLEANUP`, an informational status with 0 bytes.
@discardableResult
public func ReadDirectoryChangesW(_ hDirectory: HANDLE!, _ lpBuffer: LPVOID!, _ nBufferLength: DWORD, _ bWatchSubtree: Bool,
                                  _ dwNotifyFilter: DWORD, _ lpBytesReturned: LPDWORD!, _ lpOverlapped: LPOVERLAPPED!,
                                  _ lpCompletionRoutine: LPOVERLAPPED_COMPLETION_ROUTINE!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let handle = value(hDirectory)
        let length = Int(nBufferLength)
        let result: Bool
        if let overlapped = lpOverlapped {
            guard kernel.userOverlappedIsAccessible(overlapped) else { return thread.fail(ERROR_NOACCESS) }
            overlapped.pointee.Internal = ULONG_PTR(STATUS_PENDING)
            let ioStatus = UnsafeMutableRawPointer(overlapped)
            let status: NTStatus
            if let routine = lpCompletionRoutine {
                let context = unsafeBitCast(routine, to: UnsafeMutableRawPointer.self)
                status = kernel.withKernelEntry {
                    kernel.ntNotifyChangeDirectoryFile(handle: handle, event: nil, apcRoutine: { c, io, _ in callCompletionRoutine(c, io) },
                                                       apcContext: context, ioStatus: ioStatus, buffer: lpBuffer, length: length,
                                                       filter: dwNotifyFilter, watchSubtree: bWatchSubtree)
                }
            } else {
                let event = overlapped.pointee.hEvent.map { UInt(bitPattern: $0) }
                // The port packet carries the OVERLAPPED, unless hEvent's low bit says "no packet".
                let context = (event ?? 0) & 1 != 0 ? nil : ioStatus
                status = kernel.withKernelEntry {
                    kernel.ntNotifyChangeDirectoryFile(handle: handle, event: event, apcRoutine: nil, apcContext: context,
                                                       ioStatus: ioStatus, buffer: lpBuffer, length: length,
                                                       filter: dwNotifyFilter, watchSubtree: bWatchSubtree)
                }
            }
            result = status == .pending || status.isSuccess ? true : thread.fail(status)
        } else {
            let (status, information) = issueWithOwnStatusBlock(thread, hDirectory) { ioStatus in
                kernel.ntNotifyChangeDirectoryFile(handle: handle, event: nil, apcRoutine: nil, apcContext: nil, ioStatus: ioStatus,
                                                   buffer: lpBuffer, length: length, filter: dwNotifyFilter, watchSubtree: bWatchSubtree)
            }
            thread.store(DWORD(truncatingIfNeeded: information), into: lpBytesReturned, call: "ReadDirectoryChangesW")
            result = status == .success ? true : thread.fail(status)
        }
        thread.traceBool("ReadDirectoryChangesW(\(hex(handle: hDirectory)), \(thread.name(buffer: lpBuffer)), \(nBufferLength), "
            + "subtree: \(bWatchSubtree), filter: 0x\(String(dwNotifyFilter, radix: 16)), ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}
