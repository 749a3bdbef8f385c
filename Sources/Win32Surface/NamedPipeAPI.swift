import IOKernel

/// A NUL-terminated UTF-16 string.
func wideString(_ pointer: LPCWSTR?) -> String? {
    pointer.map(callerWideString)
}

/// Creates an instance of a named pipe, listening for a client.
///
/// The corresponding Win32 function is `CreateNamedPipeW`. `dwOpenMode` is
/// `PIPE_ACCESS_INBOUND`, `…OUTBOUND` or `…DUPLEX`, optionally with `FILE_FLAG_OVERLAPPED` and
/// `FILE_FLAG_FIRST_PIPE_INSTANCE`; `dwPipeMode` is `PIPE_TYPE_BYTE` or `PIPE_TYPE_MESSAGE`,
/// with `PIPE_READMODE_BYTE` or `PIPE_READMODE_MESSAGE` (message read mode needs a message
/// pipe). `nOutBufferSize` and `nInBufferSize` are the quotas of the two directions: a write
/// that would queue more pends until the reader drains the pipe. Errors: an open mode without a
/// direction, a read mode the type does not allow, or an instance count outside 1…255 give
/// `ERROR_INVALID_PARAMETER`; a name outside `\\.\pipe\` gives `ERROR_INVALID_NAME`; more
/// instances than the first one allowed give `ERROR_PIPE_BUSY`; `FILE_FLAG_FIRST_PIPE_INSTANCE`
/// on an existing pipe gives `ERROR_ACCESS_DENIED`. `PIPE_NOWAIT` is not simulated
/// (`ERROR_NOT_SUPPORTED`). The timeout is ignored; of the security attributes only
/// `bInheritHandle` counts (an inheritable handle).
@discardableResult
public func CreateNamedPipeW(_ lpName: LPCWSTR!, _ dwOpenMode: DWORD, _ dwPipeMode: DWORD, _ nMaxInstances: DWORD,
                             _ nOutBufferSize: DWORD, _ nInBufferSize: DWORD, _ nDefaultTimeOut: DWORD,
                             _ lpSecurityAttributes: LPSECURITY_ATTRIBUTES!) -> HANDLE!
{
    let handle = createNamedPipe("CreateNamedPipeW", wideString(lpName), dwOpenMode, dwPipeMode, nMaxInstances,
                                 nOutBufferSize, nInBufferSize)
    applyInheritance(handle, lpSecurityAttributes)
    return handle
}

/// Creates an instance of a named pipe. The corresponding Win32 function is `CreateNamedPipeA`;
/// see ``CreateNamedPipeW(_:_:_:_:_:_:_:_:)``.
@discardableResult
public func CreateNamedPipeA(_ lpName: LPCSTR!, _ dwOpenMode: DWORD, _ dwPipeMode: DWORD, _ nMaxInstances: DWORD,
                             _ nOutBufferSize: DWORD, _ nInBufferSize: DWORD, _ nDefaultTimeOut: DWORD,
                             _ lpSecurityAttributes: LPSECURITY_ATTRIBUTES!) -> HANDLE!
{
    let handle = createNamedPipe("CreateNamedPipeA", lpName.map(callerNarrowString), dwOpenMode, dwPipeMode,
                                 nMaxInstances, nOutBufferSize, nInBufferSize)
    applyInheritance(handle, lpSecurityAttributes)
    return handle
}

private func createNamedPipe(_ function: String, _ name: String?, _ openMode: DWORD, _ pipeMode: DWORD,
                             _ maxInstances: DWORD, _ outBufferSize: DWORD, _ inBufferSize: DWORD) -> HANDLE
{
    return withCurrentThread(named: function, failure: INVALID_HANDLE_VALUE) { (thread: borrowing SimThread) in
        let handle = createPipeInstance(thread, name, openMode, pipeMode, maxInstances, outBufferSize, inBufferSize)
        thread.traceResult("\(function)(\"\(name ?? "NULL")\", open: \(openModeText(openMode)), pipe: 0x\(String(pipeMode, radix: 16)), instances: \(maxInstances))",
                           handle == INVALID_HANDLE_VALUE ? "INVALID_HANDLE_VALUE, \(win32ErrorName(thread.lastError))" : hex(handle: handle))
        return handle
    }
}

private func createPipeInstance(_ thread: SimThread, _ name: String?, _ openMode: DWORD, _ pipeMode: DWORD,
                                _ maxInstances: DWORD, _ outBufferSize: DWORD, _ inBufferSize: DWORD) -> HANDLE
{
    let failed = INVALID_HANDLE_VALUE
    guard let name else {
        _ = thread.fail(ERROR_PATH_NOT_FOUND)
        return failed
    }
    var access: DWORD = 0
    switch openMode & DWORD(PIPE_ACCESS_DUPLEX) {
    case DWORD(PIPE_ACCESS_INBOUND): access = GENERIC_READ
    case DWORD(PIPE_ACCESS_OUTBOUND): access = DWORD(GENERIC_WRITE)
    case DWORD(PIPE_ACCESS_DUPLEX): access = GENERIC_READ | DWORD(GENERIC_WRITE)
    default:
        _ = thread.fail(ERROR_INVALID_PARAMETER)
        return failed
    }
    let messageType = pipeMode & DWORD(PIPE_TYPE_MESSAGE) != 0
    let messageRead = pipeMode & DWORD(PIPE_READMODE_MESSAGE) != 0
    if (messageRead && !messageType) || maxInstances == 0 || maxInstances > DWORD(PIPE_UNLIMITED_INSTANCES) {
        _ = thread.fail(ERROR_INVALID_PARAMETER)
        return failed
    }
    if pipeMode & DWORD(PIPE_NOWAIT) != 0 {
        _ = thread.fail(ERROR_NOT_SUPPORTED)
        return failed
    }
    let configuration = NamedPipeParameters(messageType: messageType, messageReadMode: messageRead,
                                            maximumInstances: Int(maxInstances), inboundQuota: Int(inBufferSize),
                                            outboundQuota: Int(outBufferSize),
                                            firstInstance: openMode & DWORD(FILE_FLAG_FIRST_PIPE_INSTANCE) != 0)
    let parameters = CreateParameters(fileName: name, desiredAccess: access,
                                      shareAccess: DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), disposition: .openIf,
                                      namedPipe: configuration)
    let kernel = thread.kernel
    let synchronous = openMode & DWORD(FILE_FLAG_OVERLAPPED) == 0
    let (status, value, _) = kernel.withKernelEntry { kernel.ntCreateFile(parameters, synchronous: synchronous) }
    guard status.isSuccess, let handle = HANDLE(bitPattern: value) else {
        _ = thread.fail(status)
        return failed
    }
    return handle
}

/// Waits for a client to connect to a pipe instance.
///
/// The corresponding Win32 function is `ConnectNamedPipe` (`FSCTL_PIPE_LISTEN`). With an
/// `OVERLAPPED` it returns `FALSE` with `ERROR_IO_PENDING` while no client has come; the request
/// then completes (0 bytes, F-GOR-16) when one opens the pipe, and can be cancelled
/// (`ERROR_OPERATION_ABORTED`, F-CAN-18). If the client came first it fails at once with
/// `ERROR_PIPE_CONNECTED`, which notifies nothing and leaves `Internal` at `STATUS_PENDING`
/// (F-OVL-2); if the client has already closed, with `ERROR_NO_DATA`. On a synchronous handle it
/// blocks the thread until a client comes (`CancelSynchronousIo` aborts it, F-CAN-15).
/// On a client end it fails with `ERROR_INVALID_FUNCTION`.
@discardableResult
public func ConnectNamedPipe(_ hNamedPipe: HANDLE!, _ lpOverlapped: LPOVERLAPPED!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        if let overlapped = lpOverlapped {
            guard kernel.userOverlappedIsAccessible(overlapped) else { return thread.fail(ERROR_NOACCESS) }
            overlapped.pointee.Internal = ULONG_PTR(STATUS_PENDING)
            let event = overlapped.pointee.hEvent.map { UInt(bitPattern: $0) }
            // As ReadFile: the packet's context is the OVERLAPPED unless hEvent's low bit is set.
            let context = (event ?? 0) & 1 != 0 ? nil : UnsafeMutableRawPointer(overlapped)
            let status = kernel.withKernelEntry {
                kernel.ntFsControlFile(handle: value(hNamedPipe), event: event, apcContext: context,
                                       ioStatus: UnsafeMutableRawPointer(overlapped), controlCode: NamedPipeDriver.listenControlCode)
            }
            result = status == .pending ? thread.fail(ERROR_IO_PENDING) : status.isSuccess ? true : thread.fail(status)
        } else {
            let (status, _) = issueWithOwnStatusBlock(thread, hNamedPipe) { ioStatus in
                kernel.ntFsControlFile(handle: value(hNamedPipe), event: nil, apcContext: nil, ioStatus: ioStatus,
                                       controlCode: NamedPipeDriver.listenControlCode)
            }
            result = status.isSuccess ? true : thread.fail(status)
        }
        thread.traceBool("ConnectNamedPipe(\(hex(handle: hNamedPipe)), ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

/// Disconnects the server end of a pipe instance from its client.
///
/// The corresponding Win32 function is `DisconnectNamedPipe`. Data still queued in either
/// direction is discarded; every read, write, flush or `ConnectNamedPipe` pending on either end
/// completes with `ERROR_PIPE_NOT_CONNECTED` (`STATUS_PIPE_DISCONNECTED`, F-CLOSE-5); the client's
/// handle stays open but every further call on it fails the same way. The instance then waits
/// for `ConnectNamedPipe` before another client can open it. A second disconnect gives
/// `ERROR_PIPE_NOT_CONNECTED`; a client handle gives `ERROR_INVALID_FUNCTION`.
@discardableResult
public func DisconnectNamedPipe(_ hNamedPipe: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntDisconnectNamedPipe(handle: value(hNamedPipe)) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("DisconnectNamedPipe(\(hex(handle: hNamedPipe)))", result)
        return result
    }
}

/// Copies what a read would get, without taking it.
///
/// The corresponding Win32 function is `PeekNamedPipe`. `*lpTotalBytesAvail` counts every byte
/// queued (a pending write's too); a message pipe copies from the first message only, and
/// `*lpBytesLeftThisMessage` is that message's unread length minus the bytes copied, computed
/// as kernelbase does (so it wraps below zero for a byte pipe, as `test_peek_pipe` expects).
/// It never waits. A broken, drained pipe gives `ERROR_BROKEN_PIPE` (F-CLOSE-6); a disconnected
/// one `ERROR_PIPE_NOT_CONNECTED`; a server still listening `ERROR_BAD_PIPE`. A tracked buffer
/// shorter than `nBufferSize` gives `ERROR_NOACCESS` and a ``MemoryViolation`` (the simulator's
/// choice: kernelbase copies only the bytes peeked, and on Windows an over-long copy corrupts
/// the heap or faults).
@discardableResult
public func PeekNamedPipe(_ hNamedPipe: HANDLE!, _ lpBuffer: LPVOID!, _ nBufferSize: DWORD, _ lpBytesRead: LPDWORD!,
                          _ lpTotalBytesAvail: LPDWORD!, _ lpBytesLeftThisMessage: LPDWORD!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, peek) = kernel.withKernelEntry {
            kernel.ntPeekNamedPipe(handle: value(hNamedPipe), buffer: lpBuffer, maximum: Int(nBufferSize))
        }
        let result: Bool
        if status.isSuccess {
            let read = DWORD(truncatingIfNeeded: peek.data.count)
            thread.store(read, into: lpBytesRead, call: "PeekNamedPipe")
            thread.store(DWORD(truncatingIfNeeded: peek.available), into: lpTotalBytesAvail, call: "PeekNamedPipe")
            thread.store(DWORD(truncatingIfNeeded: peek.messageLength) &- read, into: lpBytesLeftThisMessage, call: "PeekNamedPipe")
            result = true
        } else {
            result = thread.fail(status)
        }
        thread.traceBool("PeekNamedPipe(\(hex(handle: hNamedPipe)), \(nBufferSize))", result)
        return result
    }
}

/// Sets the read mode of one end of a pipe.
///
/// The corresponding Win32 function is `SetNamedPipeHandleState`. `*lpMode` is
/// `PIPE_READMODE_BYTE` or `PIPE_READMODE_MESSAGE` (message read mode on a byte pipe gives
/// `ERROR_INVALID_PARAMETER`), with `PIPE_WAIT`; `PIPE_NOWAIT` is not simulated
/// (`ERROR_NOT_SUPPORTED`). The collection count and timeout apply only to remote pipes and are
/// ignored. A handle that is not a pipe gives `ERROR_INVALID_FUNCTION`.
@discardableResult
public func SetNamedPipeHandleState(_ hNamedPipe: HANDLE!, _ lpMode: LPDWORD!, _ lpMaxCollectionCount: LPDWORD!,
                                    _ lpCollectDataTimeout: LPDWORD!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        let mode = lpMode.map { thread.load($0, call: "SetNamedPipeHandleState") }
        if mode == .some(nil) {
            result = thread.fail(ERROR_NOACCESS)
        } else if let mode = mode.flatMap({ $0 }) {
            if mode & ~DWORD(PIPE_READMODE_MESSAGE | PIPE_NOWAIT) != 0 {
                result = thread.fail(ERROR_INVALID_PARAMETER)
            } else if mode & DWORD(PIPE_NOWAIT) != 0 {
                result = thread.fail(ERROR_NOT_SUPPORTED)
            } else {
                let status = kernel.withKernelEntry {
                    kernel.ntSetPipeReadMode(handle: value(hNamedPipe), message: mode & DWORD(PIPE_READMODE_MESSAGE) != 0)
                }
                result = status.isSuccess ? true : thread.fail(status)
            }
        } else {
            let status = kernel.withKernelEntry { kernel.ntPeekNamedPipe(handle: value(hNamedPipe), buffer: nil, maximum: 0).0 }
            result = status == .invalidHandle || status == .objectTypeMismatch || status == .invalidDeviceRequest
                ? thread.fail(status) : true
        }
        thread.traceBool("SetNamedPipeHandleState(\(hex(handle: hNamedPipe)), mode: \(mode.map { $0.map(String.init) ?? "?" } ?? "NULL"))", result)
        return result
    }
}

/// Creates an anonymous pipe: a read handle and a write handle, both synchronous.
///
/// The corresponding Win32 function is `CreatePipe`. As kernel32 does it, this is a byte-mode
/// named pipe with a unique name (`\\.\pipe\Win32Pipes.<pid>.<serial>`), one instance, the read
/// end being the server (inbound) and the write end a client opened for writing; `nSize` is the
/// quota (4096 when 0). So it behaves as a named pipe does: a read blocks until data comes, a
/// read after the write end closed and the pipe drained fails with `ERROR_BROKEN_PIPE`, and a
/// write after the read end closed fails with `ERROR_NO_DATA` (which the `WriteFile`
/// documentation calls `ERROR_BROKEN_PIPE`, F-DOC-10).
@discardableResult
public func CreatePipe(_ hReadPipe: PHANDLE!, _ hWritePipe: PHANDLE!, _ lpPipeAttributes: LPSECURITY_ATTRIBUTES!,
                       _ nSize: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        var ends: (read: UInt, write: UInt) = (0, 0)
        if hReadPipe == nil || hWritePipe == nil {
            result = thread.fail(ERROR_INVALID_PARAMETER)
        } else {
            let name = #"\\.\pipe\"# + kernel.withKernelEntry { kernel.nextAnonymousPipeName() }
            let size = Int(nSize == 0 ? 4096 : nSize)
            let configuration = NamedPipeParameters(messageType: false, messageReadMode: false, maximumInstances: 1,
                                                    inboundQuota: size, outboundQuota: size, firstInstance: true)
            let server = CreateParameters(fileName: name, desiredAccess: GENERIC_READ,
                                          shareAccess: DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), disposition: .create,
                                          namedPipe: configuration)
            let (serverStatus, readEnd, _) = kernel.withKernelEntry { kernel.ntCreateFile(server, synchronous: true) }
            if !serverStatus.isSuccess {
                result = thread.fail(serverStatus)
            } else {
                let client = CreateParameters(fileName: name, desiredAccess: DWORD(GENERIC_WRITE), shareAccess: DWORD(FILE_SHARE_READ),
                                              disposition: .open)
                let (clientStatus, writeEnd, _) = kernel.withKernelEntry { kernel.ntCreateFile(client, synchronous: true) }
                if clientStatus.isSuccess {
                    thread.store(HANDLE(bitPattern: readEnd), into: hReadPipe, call: "CreatePipe")
                    thread.store(HANDLE(bitPattern: writeEnd), into: hWritePipe, call: "CreatePipe")
                    // lpPipeAttributes.bInheritHandle makes both ends inheritable.
                    ends = (readEnd, writeEnd)
                    applyInheritance(HANDLE(bitPattern: readEnd), lpPipeAttributes)
                    applyInheritance(HANDLE(bitPattern: writeEnd), lpPipeAttributes)
                    result = true
                } else {
                    _ = kernel.withKernelEntry { kernel.ntClose(readEnd) }
                    result = thread.fail(clientStatus)
                }
            }
        }
        thread.traceBool("CreatePipe(\(nSize)) → read \(hex(handle: HANDLE(bitPattern: ends.read))), write \(hex(handle: HANDLE(bitPattern: ends.write)))", result)
        return result
    }
}

/// A pipe open mode as the timeline shows it: `PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED`.
private func openModeText(_ mode: DWORD) -> String {
    var parts: [String] = []
    switch mode & 3 {
    case 1: parts.append("PIPE_ACCESS_INBOUND")
    case 2: parts.append("PIPE_ACCESS_OUTBOUND")
    case 3: parts.append("PIPE_ACCESS_DUPLEX")
    default: parts.append("0")
    }
    if mode & 0x4000_0000 != 0 { parts.append("FILE_FLAG_OVERLAPPED") }
    if mode & 0x8000_0000 != 0 { parts.append("FILE_FLAG_WRITE_THROUGH") }
    if mode & 0x0008_0000 != 0 { parts.append("FILE_FLAG_FIRST_PIPE_INSTANCE") }
    let rest = mode & ~(0xC008_0003 as DWORD)
    if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
    return parts.joined(separator: " | ")
}
