import IOKernel

/// `HRESULT_FROM_WIN32`: a Win32 error code as an `HRESULT` (`0x8007xxxx`; 0 stays `S_OK`).
func hresult(fromWin32 error: DWORD) -> HRESULT {
    error == 0 ? 0 : HRESULT(bitPattern: (error & 0xFFFF) | 0x8007_0000)
}

/// Copies a file of the simulated volume, with the options and progress messages of
/// `CopyFile2`. The corresponding Win32 function is `CopyFile2`.
///
/// The copy itself is ``CopyFileW(_:_:_:)``'s (data, attributes, last-write time; the share
/// checks of Wine's test_CopyFile2: a source open without read sharing, a destination open
/// without write sharing, and a copy onto itself give `ERROR_SHARING_VIOLATION`). The result is
/// `S_OK` or `HRESULT_FROM_WIN32` of the error, which is also the last error, as Wine's
/// kernel32 `file.c` test_CopyFile2 checks. `COPY_FILE_FAIL_IF_EXISTS` gives
/// `HRESULT_FROM_WIN32(ERROR_FILE_EXISTS)` for an existing destination; the other `COPY_FILE_*`
/// flags (no buffering, restartable, symbolic-link and security options) are accepted and change
/// nothing here. The parameters are optional; their `dwSize` must be the structure's size
/// (`E_INVALIDARG`, which is `HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER)`, otherwise).
///
/// **Progress**: with a `pProgressRoutine`, the routine gets `COPYFILE2_CALLBACK_STREAM_STARTED`,
/// then a `CHUNK_STARTED` and `CHUNK_FINISHED` per chunk of up to 1 MiB (none for an empty
/// file), then `STREAM_FINISHED`, with the stream number 1, the sizes and the bytes done so far,
/// and `pvCallbackContext`. Every message carries the copy's handles to the source and the
/// destination (`hSourceFile`, `hDestinationFile`: "handle to the source stream", COPYFILE2_MESSAGE),
/// handles of the calling process, valid in the routine (`GetFileSizeEx`,
/// `GetFinalPathNameByHandleW`, `GetFileInformationByHandle` work on them) and closed before
/// `CopyFile2` returns: the source opened for reading, the destination for writing, both sharing
/// everything, synchronous. The simulated volume copies the data in one step before the first
/// message, so the destination already holds all of it when the routine sees its handle (on
/// Windows the chunks are written between the messages). `COPYFILE2_PROGRESS_CANCEL` ends the copy, deletes the
/// destination and fails with `HRESULT_FROM_WIN32(ERROR_REQUEST_ABORTED)`;
/// `COPYFILE2_PROGRESS_STOP` ends it the same way but leaves the destination;
/// `COPYFILE2_PROGRESS_QUIET` continues without more messages; `COPYFILE2_PROGRESS_PAUSE` stops
/// with `HRESULT_FROM_WIN32(ERROR_REQUEST_PAUSED)`, leaving the destination. `*pfCancel` set to
/// TRUE (before the copy or from the routine) cancels it as `CANCEL` does.
@discardableResult
public func CopyFile2(_ pwszExistingFileName: PCWSTR!, _ pwszNewFileName: PCWSTR!,
                      _ pExtendedParameters: UnsafeMutablePointer<COPYFILE2_EXTENDED_PARAMETERS>!) -> HRESULT
{
    return withCurrentThread(failure: hresult(fromWin32: DWORD(ERROR_INVALID_FUNCTION))) { (thread: borrowing SimThread) in
        let source = wideString(pwszExistingFileName)
        let target = wideString(pwszNewFileName)
        let result = copyFile2(thread, source, target, pExtendedParameters)
        thread.traceResult("CopyFile2(\"\(source ?? "NULL")\", \"\(target ?? "NULL")\")",
                           "0x\(String(UInt32(bitPattern: result), radix: 16))")
        return result
    }
}

/// The size of a chunk in `CopyFile2`'s progress messages.
private let copyChunkSize: UInt64 = 1 << 20

private func copyFile2(_ thread: SimThread, _ source: String?, _ target: String?,
                       _ parameters: UnsafeMutablePointer<COPYFILE2_EXTENDED_PARAMETERS>?) -> HRESULT
{
    func fail(_ error: Int32) -> HRESULT {
        _ = thread.fail(error)
        return hresult(fromWin32: DWORD(error))
    }
    var options = COPYFILE2_EXTENDED_PARAMETERS()
    if let parameters {
        guard let read = thread.load(parameters, call: "CopyFile2") else { return fail(ERROR_NOACCESS) }
        guard read.dwSize == DWORD(MemoryLayout<COPYFILE2_EXTENDED_PARAMETERS>.size) else {
            return fail(ERROR_INVALID_PARAMETER)  // E_INVALIDARG
        }
        options = read
    }
    guard let source, let target else { return fail(ERROR_PATH_NOT_FOUND) }
    func cancelled() -> Bool {
        guard let flag = options.pfCancel else { return false }
        return thread.load(flag, call: "CopyFile2")?.boolValue ?? false
    }
    if cancelled() { return fail(ERROR_REQUEST_ABORTED) }
    let kernel = thread.kernel
    let failIfExists = options.dwCopyFlags & DWORD(COPY_FILE_FAIL_IF_EXISTS) != 0
    let status = kernel.withKernelEntry { kernel.ntCopyFile(from: source, to: target, failIfExists: failIfExists) }
    if status == .objectNameCollision { return fail(ERROR_FILE_EXISTS) }
    guard status.isSuccess else {
        _ = thread.fail(status)
        return hresult(fromWin32: thread.lastError)
    }
    guard let routine = options.pProgressRoutine else { return 0 }

    // The copy's own handles, which every message carries.
    let (streamStatus, streams) = openStreams(kernel, source, target)
    guard let streams else {
        _ = thread.fail(streamStatus)
        return hresult(fromWin32: thread.lastError)
    }
    let size = UInt64(kernel.fileSystem.contents(of: target)?.count ?? 0)
    var message = COPYFILE2_MESSAGE()
    var quiet = false
    var deletesDestination = false
    /// Sends one message; nil to go on, or the copy's result.
    func send(_ fill: (inout COPYFILE2_MESSAGE) -> Void) -> HRESULT? {
        guard !quiet else { return cancelled() ? abort(deleting: true) : nil }
        message = COPYFILE2_MESSAGE()
        fill(&message)
        let action = withUnsafePointer(to: &message) { routine($0, options.pvCallbackContext) }
        switch action {
        case COPYFILE2_PROGRESS_CONTINUE: break
        case COPYFILE2_PROGRESS_QUIET: quiet = true
        case COPYFILE2_PROGRESS_CANCEL: return abort(deleting: true)
        case COPYFILE2_PROGRESS_STOP: return abort(deleting: false)
        case COPYFILE2_PROGRESS_PAUSE: return fail(ERROR_REQUEST_PAUSED)
        default: return abort(deleting: true)
        }
        return cancelled() ? abort(deleting: true) : nil
    }
    func abort(deleting: Bool) -> HRESULT {
        deletesDestination = deleting
        return fail(ERROR_REQUEST_ABORTED)
    }
    let result = sendMessages(send, size: size, streams)
    // The handles go before the destination does: a file still open would only be marked for
    // deletion.
    _ = kernel.withKernelEntry { kernel.ntClose(streams.source) }
    _ = kernel.withKernelEntry { kernel.ntClose(streams.destination) }
    if deletesDestination { _ = kernel.withKernelEntry { kernel.ntDeleteFile(path: target) } }
    return result
}

/// The copy's handles to its source and its destination.
private struct CopyStreams {
    let source: UInt
    let destination: UInt
    var sourceHandle: HANDLE? { HANDLE(bitPattern: source) }
    var destinationHandle: HANDLE? { HANDLE(bitPattern: destination) }
}

/// Opens the copy's handles in the calling process: the source for reading, the destination for
/// writing, both sharing reads, writes and deletes, so that they stand beside any handle that let
/// the copy happen. Nil and the status if either open fails.
private func openStreams(_ kernel: Kernel, _ source: String, _ target: String) -> (NTStatus, CopyStreams?) {
    let share: UInt32 = 0x7
    let read = CreateParameters(fileName: source, desiredAccess: UInt32(GENERIC_READ) | UInt32(SYNCHRONIZE), shareAccess: share)
    let (readStatus, sourceHandle, _) = kernel.withKernelEntry { kernel.ntCreateFile(read, synchronous: true) }
    guard readStatus.isSuccess else { return (readStatus, nil) }
    let write = CreateParameters(fileName: target, desiredAccess: UInt32(GENERIC_WRITE) | UInt32(SYNCHRONIZE), shareAccess: share)
    let (writeStatus, destinationHandle, _) = kernel.withKernelEntry { kernel.ntCreateFile(write, synchronous: true) }
    guard writeStatus.isSuccess else {
        _ = kernel.withKernelEntry { kernel.ntClose(sourceHandle) }
        return (writeStatus, nil)
    }
    return (.success, CopyStreams(source: sourceHandle, destination: destinationHandle))
}

/// The stream's messages, each with the copy's handles: `S_OK` when they all went, or the result
/// an answer gave.
private func sendMessages(_ send: ((inout COPYFILE2_MESSAGE) -> Void) -> HRESULT?, size: UInt64,
                          _ streams: CopyStreams) -> HRESULT
{
    func large(_ value: UInt64) -> ULARGE_INTEGER {
        var result = ULARGE_INTEGER()
        result.QuadPart = value
        return result
    }
    let source = streams.sourceHandle, destination = streams.destinationHandle
    if let result = send({
        $0.Type = COPYFILE2_CALLBACK_STREAM_STARTED
        $0.Info.StreamStarted.dwStreamNumber = 1
        $0.Info.StreamStarted.hSourceFile = source
        $0.Info.StreamStarted.hDestinationFile = destination
        $0.Info.StreamStarted.uliStreamSize = large(size)
        $0.Info.StreamStarted.uliTotalFileSize = large(size)
    }) { return result }
    var done: UInt64 = 0
    var chunk: UInt64 = 0
    while done < size {
        let length = min(copyChunkSize, size - done)
        if let result = send({
            $0.Type = COPYFILE2_CALLBACK_CHUNK_STARTED
            $0.Info.ChunkStarted.dwStreamNumber = 1
            $0.Info.ChunkStarted.hSourceFile = source
            $0.Info.ChunkStarted.hDestinationFile = destination
            $0.Info.ChunkStarted.uliChunkNumber = large(chunk)
            $0.Info.ChunkStarted.uliChunkSize = large(length)
            $0.Info.ChunkStarted.uliStreamSize = large(size)
            $0.Info.ChunkStarted.uliTotalFileSize = large(size)
        }) { return result }
        done += length
        if let result = send({ [done] in
            $0.Type = COPYFILE2_CALLBACK_CHUNK_FINISHED
            $0.Info.ChunkFinished.dwStreamNumber = 1
            $0.Info.ChunkFinished.hSourceFile = source
            $0.Info.ChunkFinished.hDestinationFile = destination
            $0.Info.ChunkFinished.uliChunkNumber = large(chunk)
            $0.Info.ChunkFinished.uliChunkSize = large(length)
            $0.Info.ChunkFinished.uliStreamSize = large(size)
            $0.Info.ChunkFinished.uliStreamBytesTransferred = large(done)
            $0.Info.ChunkFinished.uliTotalFileSize = large(size)
            $0.Info.ChunkFinished.uliTotalBytesTransferred = large(done)
        }) { return result }
        chunk += 1
    }
    if let result = send({
        $0.Type = COPYFILE2_CALLBACK_STREAM_FINISHED
        $0.Info.StreamFinished.dwStreamNumber = 1
        $0.Info.StreamFinished.hSourceFile = source
        $0.Info.StreamFinished.hDestinationFile = destination
        $0.Info.StreamFinished.uliStreamSize = large(size)
        $0.Info.StreamFinished.uliStreamBytesTransferred = large(size)
        $0.Info.StreamFinished.uliTotalFileSize = large(size)
        $0.Info.StreamFinished.uliTotalBytesTransferred = large(size)
    }) { return result }
    return 0
}
