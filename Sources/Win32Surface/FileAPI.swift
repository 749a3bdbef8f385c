import IOKernel

/// Opens a simulated device, named pipe or disk file by path.
///
/// The corresponding Win32 function is `CreateFileW`. A path names a device installed with
/// `Simulation.installDevice` (matched case-insensitively), else the client end of a named pipe
/// (`\\.\pipe\name`: `ERROR_PIPE_BUSY` when no instance is listening), else a file on the
/// simulated disk volume (`C:\data\a.txt`), opened with the creation disposition and share
/// mode given (`ERROR_FILE_EXISTS`, `ERROR_FILE_NOT_FOUND`, `ERROR_SHARING_VIOLATION`); on
/// success the last error is `ERROR_ALREADY_EXISTS` if `CREATE_ALWAYS` or `OPEN_ALWAYS` found the
/// file, else 0. A file is created only in a directory that exists (`ERROR_PATH_NOT_FOUND`);
/// a directory opens only with `FILE_FLAG_BACKUP_SEMANTICS` (else `ERROR_ACCESS_DENIED`), for
/// `ReadDirectoryChangesW` with `FILE_LIST_DIRECTORY` access or for its information. An unknown
/// device path fails with `ERROR_FILE_NOT_FOUND`. Without
/// `FILE_FLAG_OVERLAPPED` the handle is synchronous: every call waits for its I/O, and the file
/// object keeps a current position. If the driver pends the
/// open, the call blocks until it completes.
@discardableResult
public func CreateFileW(_ lpFileName: LPCWSTR!, _ dwDesiredAccess: DWORD, _ dwShareMode: DWORD,
                        _ lpSecurityAttributes: LPSECURITY_ATTRIBUTES!, _ dwCreationDisposition: DWORD,
                        _ dwFlagsAndAttributes: DWORD, _ hTemplateFile: HANDLE!) -> HANDLE!
{
    let path = lpFileName.map(callerWideString)
    let handle = createFile(path, "CreateFileW", dwDesiredAccess, dwShareMode, dwCreationDisposition, dwFlagsAndAttributes)
    applyInheritance(handle, lpSecurityAttributes)
    return handle
}

/// Opens a simulated device by path. The corresponding Win32 function is `CreateFileA`; see
/// ``CreateFileW(_:_:_:_:_:_:_:)``.
@discardableResult
public func CreateFileA(_ lpFileName: LPCSTR!, _ dwDesiredAccess: DWORD, _ dwShareMode: DWORD,
                        _ lpSecurityAttributes: LPSECURITY_ATTRIBUTES!, _ dwCreationDisposition: DWORD,
                        _ dwFlagsAndAttributes: DWORD, _ hTemplateFile: HANDLE!) -> HANDLE!
{
    let handle = createFile(lpFileName.map(callerNarrowString), "CreateFileA", dwDesiredAccess, dwShareMode,
                            dwCreationDisposition, dwFlagsAndAttributes)
    applyInheritance(handle, lpSecurityAttributes)
    return handle
}

private func createFile(_ path: String?, _ name: String, _ access: DWORD, _ share: DWORD, _ disposition: DWORD,
                        _ flags: DWORD) -> HANDLE
{
    return withCurrentThread(named: name, failure: INVALID_HANDLE_VALUE) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        var handle = INVALID_HANDLE_VALUE
        if let path, let ntDisposition = CreateDisposition(win32: disposition) {
            let synchronous = flags & DWORD(FILE_FLAG_OVERLAPPED) == 0
            var parameters = CreateParameters(fileName: path, desiredAccess: access, shareAccess: share, disposition: ntDisposition,
                                              deleteOnClose: flags & DWORD(FILE_FLAG_DELETE_ON_CLOSE) != 0)
            // As kernelbase does: without FILE_FLAG_BACKUP_SEMANTICS only a file may be opened
            // (FILE_NON_DIRECTORY_FILE); with it, a directory too.
            if flags & DWORD(FILE_FLAG_BACKUP_SEMANTICS) == 0 { parameters.options = CreateParameters.nonDirectoryFile }
            // FILE_FLAG_OPEN_REPARSE_POINT: a symbolic link is opened itself, not followed.
            if flags & DWORD(FILE_FLAG_OPEN_REPARSE_POINT) != 0 { parameters.options |= CreateParameters.openReparsePoint }
            let (status, value, information) = kernel.withKernelEntry { kernel.ntCreateFile(parameters, synchronous: synchronous) }
            if status.isSuccess, let opened = HANDLE(bitPattern: value) {
                handle = opened
                // As kernelbase does: ERROR_ALREADY_EXISTS when CREATE_ALWAYS overwrote or
                // OPEN_ALWAYS opened an existing file, and 0 otherwise.
                let existed = (disposition == DWORD(CREATE_ALWAYS) && information == CreateInformation.overwritten)
                    || (disposition == DWORD(OPEN_ALWAYS) && information == CreateInformation.opened)
                thread.setLastError(existed ? DWORD(ERROR_ALREADY_EXISTS) : DWORD(ERROR_SUCCESS))
            } else if status == .objectNameCollision {
                // kernelbase reports CREATE_NEW on an existing file as ERROR_FILE_EXISTS, not the
                // ERROR_ALREADY_EXISTS that RtlNtStatusToDosError gives.
                _ = thread.fail(ERROR_FILE_EXISTS)
            } else {
                _ = thread.fail(status)
            }
        } else {
            _ = thread.fail(path == nil ? ERROR_PATH_NOT_FOUND : ERROR_INVALID_PARAMETER)
        }
        thread.traceResult("\(name)(\"\(path ?? "NULL")\", overlapped: \(flags & DWORD(FILE_FLAG_OVERLAPPED) != 0))",
                           handle == INVALID_HANDLE_VALUE ? "INVALID_HANDLE_VALUE, \(win32ErrorName(thread.lastError))" : hex(handle: handle))
        return handle
    }
}

/// Reads from a file or device.
///
/// The corresponding Win32 function is `ReadFile`. As kernel32 does it (win32-facts F-RW-*,
/// F-OVL-*):
/// - `*lpNumberOfBytesRead` is set to 0 first.
/// - With an `OVERLAPPED`, `Internal` is set to `STATUS_PENDING` and the request is issued with
///   the structure's offset and event (reset at issue). `FALSE` with `ERROR_IO_PENDING` means
///   it is in flight; `TRUE` means it completed at once, and still notifies (event or file
///   object signalled); `FALSE` with another error means it failed at once and notifies
///   nothing, leaving `Internal` at `STATUS_PENDING`.
/// - Without one, the call waits for the result. On a synchronous handle at end of file it
///   returns `TRUE` with 0 bytes.
/// - A successful call leaves the last error unchanged.
@discardableResult
public func ReadFile(_ hFile: HANDLE!, _ lpBuffer: LPVOID!, _ nNumberOfBytesToRead: DWORD,
                     _ lpNumberOfBytesRead: LPDWORD!, _ lpOverlapped: LPOVERLAPPED!) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = transfer(thread, read: true, hFile, lpBuffer, nNumberOfBytesToRead, lpNumberOfBytesRead, lpOverlapped)
        thread.traceBool("ReadFile(\(hex(handle: hFile)), \(thread.name(buffer: lpBuffer)), \(nNumberOfBytesToRead), ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

/// Writes to a file or device. The corresponding Win32 function is `WriteFile`; it follows the
/// same protocol as ``ReadFile(_:_:_:_:_:)``. A null buffer with a non-zero length fails with
/// `ERROR_INVALID_USER_BUFFER` (where `ReadFile` gives `ERROR_NOACCESS`, F-RW-11).
@discardableResult
public func WriteFile(_ hFile: HANDLE!, _ lpBuffer: LPCVOID!, _ nNumberOfBytesToWrite: DWORD,
                      _ lpNumberOfBytesWritten: LPDWORD!, _ lpOverlapped: LPOVERLAPPED!) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = transfer(thread, read: false, hFile, UnsafeMutableRawPointer(mutating: lpBuffer), nNumberOfBytesToWrite,
                              lpNumberOfBytesWritten, lpOverlapped)
        thread.traceBool("WriteFile(\(hex(handle: hFile)), \(thread.name(buffer: lpBuffer)), \(nNumberOfBytesToWrite), ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

@inline(__always)
private func issue(_ thread: SimThread, _ kernel: Kernel, read: Bool, _ handle: UInt, _ event: UInt?,
                   _ context: UnsafeMutableRawPointer?, _ ioStatus: UnsafeMutableRawPointer,
                   _ buffer: UnsafeMutableRawPointer?, _ length: DWORD, _ offset: UInt64?) -> NTStatus
{
    kernel.enter()
    defer { kernel.leave(thread) }
    return read
        ? kernel.ntReadFile(handle: handle, event: event ?? 0, apcContext: context, ioStatus: ioStatus, buffer: buffer,
                            length: Int(length), byteOffset: offset)
        : kernel.ntWriteFile(handle: handle, event: event ?? 0, apcContext: context, ioStatus: ioStatus, buffer: buffer,
                             length: Int(length), byteOffset: offset)
}

/// The shared body of ``ReadFile(_:_:_:_:_:)`` and ``WriteFile(_:_:_:_:_:)``: inlined into each,
/// so that `read` is a constant there (out of line, WriteFile's call cost 35 instructions).
@inline(__always)
private func transfer(_ thread: SimThread, read: Bool, _ hFile: HANDLE?, _ buffer: UnsafeMutableRawPointer?,
                      _ length: DWORD, _ bytesDone: LPDWORD?, _ overlapped: LPOVERLAPPED?) -> Bool
{
    thread.store(0, into: bytesDone, call: read ? "ReadFile" : "WriteFile")
    return thread.withKernel { kernel in
        transfer(thread, kernel, read: read, hFile, buffer, length, bytesDone, overlapped)
    }
}

@inline(__always)
private func transfer(_ thread: SimThread, _ kernel: Kernel, read: Bool, _ hFile: HANDLE?, _ buffer: UnsafeMutableRawPointer?,
                      _ length: DWORD, _ bytesDone: LPDWORD?, _ overlapped: LPOVERLAPPED?) -> Bool
{
    guard let overlapped else { return waitedTransfer(thread, kernel, read: read, hFile, buffer, length, bytesDone) }
    guard kernel.userOverlappedIsAccessible(overlapped) else { return thread.fail(ERROR_NOACCESS) }
    overlapped.pointee.Internal = ULONG_PTR(STATUS_PENDING)
    let event = overlapped.pointee.hEvent.map { UInt(bitPattern: $0) }
    let offset = UInt64(overlapped.pointee.OffsetHigh) << 32 | UInt64(overlapped.pointee.Offset)
    // The completion context a port packet carries is the OVERLAPPED, unless the caller set
    // the low bit of hEvent to say "no packet" (F-SIG-5, F-IOCP-8).
    let context = (event ?? 0) & 1 != 0 ? nil : UnsafeMutableRawPointer(overlapped)
    let status = issue(thread, kernel, read: read, value(hFile), event, context, UnsafeMutableRawPointer(overlapped), buffer,
                       length, offset)
    if status == .pending { return thread.fail(ERROR_IO_PENDING) }
    // A warning (a message longer than the buffer) is a failure here, and the byte count
    // stays 0; the bytes copied are in InternalHigh (F-RW-6).
    guard status.isSuccess else { return thread.fail(status) }
    thread.store(DWORD(truncatingIfNeeded: overlapped.pointee.InternalHigh), into: bytesDone, call: read ? "ReadFile" : "WriteFile")
    return true
}

/// A transfer without an `OVERLAPPED`: kernel32 passes a status block of its own and waits for
/// the result. Out of line, so that the overlapped path inlined into `ReadFile` and `WriteFile`
/// carries none of its frame (its status block pointer made the whole function stack-protected).
@inline(never)
private func waitedTransfer(_ thread: SimThread, _ kernel: Kernel, read: Bool, _ hFile: HANDLE?, _ buffer: UnsafeMutableRawPointer?,
                            _ length: DWORD, _ bytesDone: LPDWORD?) -> Bool
{
    let (status, information) = issueWithOwnStatusBlock(thread, hFile) { ioStatus in
        issue(thread, kernel, read: read, value(hFile), nil, nil, ioStatus, buffer, length, nil)
    }
    if status == .pending { return thread.fail(ERROR_IO_PENDING) }
    if read && status == .endOfFile { return true }
    thread.store(DWORD(truncatingIfNeeded: information), into: bytesDone, call: read ? "ReadFile" : "WriteFile")
    guard status.isSuccess else { return thread.fail(status) }
    return true
}

/// Issues a request with a status block of kernel32's own (the caller gave no `OVERLAPPED`) and
/// waits for its result; on an asynchronous handle (a pipe) the wait is on the file handle
/// itself, which any other completion on the file object can also satisfy (F-RW-15). Returns
/// `STATUS_PENDING` if the request is still in flight after the wait, or the wait's failure.
///
/// The block is host memory the kernel owns, released once the request is done or with the
/// simulation, so that a request left in flight by a hang never writes into freed memory. It is
/// kernel32's, not the program's: memory tracking neither checks it nor lists it as unchecked.
func issueWithOwnStatusBlock(_ thread: SimThread, _ handle: HANDLE?,
                             _ issue: (UnsafeMutableRawPointer) -> NTStatus) -> (NTStatus, information: UInt64)
{
    thread.withKernel { kernel in issueWithOwnStatusBlock(thread, kernel, handle, issue) }
}

private func issueWithOwnStatusBlock(_ thread: SimThread, _ kernel: Kernel, _ handle: HANDLE?,
                                     _ issue: (UnsafeMutableRawPointer) -> NTStatus) -> (NTStatus, information: UInt64)
{
    // The kernel owns the block, not this frame: a thread stopped inside the call (terminated,
    // or blocked when the simulation is released) leaves nothing allocated behind.
    let ioStatus = kernel.allocateOwnStatusBlock()
    var status = kernel.withKernelEntry {
        thread.setIssuingWithOwnStatusBlock(true)
        defer { thread.setIssuingWithOwnStatusBlock(false) }
        return issue(ioStatus)
    }
    // The kernel's own wait for the request ended without it (a hang, a termination): it is
    // still in flight and will write the block, which must stay allocated.
    if status == .possibleDeadlock || status == .threadIsTerminating { return (status, 0) }
    if status == .pending {
        let waited = withUnsafePointer(to: value(handle)) { handle in
            kernel.withKernelEntry {
                kernel.ntWaitForMultipleObjects(UnsafeBufferPointer(start: handle, count: 1), waitAll: false, alertable: false,
                                                timeout: nil, allowPseudoHandles: false)
            }
        }
        // A wait that failed leaves the request in flight: its block must stay allocated.
        guard waited == .wait(0) else { return (waited, 0) }
        status = NTStatus(rawValue: ioStatus.load(as: UInt32.self))
        if status == .pending { return (.pending, 0) }
    }
    let information = ioStatus.load(fromByteOffset: 8, as: UInt64.self)
    kernel.freeOwnStatusBlock(ioStatus)
    return (status, information)
}
