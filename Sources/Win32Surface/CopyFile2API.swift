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
/// and `pvCallbackContext`. The source and destination handles in the messages are null: the
/// simulated copy opens no handles. `COPYFILE2_PROGRESS_CANCEL` ends the copy, deletes the
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

    let size = UInt64(kernel.fileSystem.contents(of: target)?.count ?? 0)
    var message = COPYFILE2_MESSAGE()
    var quiet = false
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
        if deleting { _ = kernel.withKernelEntry { kernel.ntDeleteFile(path: target) } }
        return fail(ERROR_REQUEST_ABORTED)
    }
    func large(_ value: UInt64) -> ULARGE_INTEGER {
        var result = ULARGE_INTEGER()
        result.QuadPart = value
        return result
    }
    if let result = send({
        $0.Type = COPYFILE2_CALLBACK_STREAM_STARTED
        $0.Info.StreamStarted.dwStreamNumber = 1
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
            $0.Info.ChunkStarted.uliChunkNumber = large(chunk)
            $0.Info.ChunkStarted.uliChunkSize = large(length)
            $0.Info.ChunkStarted.uliStreamSize = large(size)
            $0.Info.ChunkStarted.uliTotalFileSize = large(size)
        }) { return result }
        done += length
        if let result = send({ [done] in
            $0.Type = COPYFILE2_CALLBACK_CHUNK_FINISHED
            $0.Info.ChunkFinished.dwStreamNumber = 1
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
        $0.Info.StreamFinished.uliStreamSize = large(size)
        $0.Info.StreamFinished.uliStreamBytesTransferred = large(size)
        $0.Info.StreamFinished.uliTotalFileSize = large(size)
        $0.Info.StreamFinished.uliTotalBytesTransferred = large(size)
    }) { return result }
    return 0
}
