import IOKernel

/// Moves a file object's current position; the new position comes back in `*lpNewFilePointer`.
///
/// The corresponding Win32 function is `SetFilePointerEx`. `FILE_BEGIN`, `FILE_CURRENT` and
/// `FILE_END` (the file's size; only disk files have one, others give `ERROR_INVALID_FUNCTION`)
/// are the origins; another method gives `ERROR_INVALID_PARAMETER`, a position before the start
/// `ERROR_NEGATIVE_SEEK`. A position past the end is allowed. Only synchronous handles use the
/// position; an overlapped handle keeps it, but its reads and writes take their offset from the
/// `OVERLAPPED` and never move it (F-RW-16).
@discardableResult
public func SetFilePointerEx(_ hFile: HANDLE!, _ liDistanceToMove: LARGE_INTEGER, _ lpNewFilePointer: PLARGE_INTEGER!,
                             _ dwMoveMethod: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let (status, position) = movePointer(thread, hFile, Int64(liDistanceToMove.QuadPart), dwMoveMethod)
        let result: Bool
        if let position {
            thread.store(largeInteger(Int64(bitPattern: position)), into: lpNewFilePointer, call: "SetFilePointerEx")
            result = true
        } else {
            result = thread.fail(status)
        }
        thread.traceBool("SetFilePointerEx(\(hex(handle: hFile)), \(liDistanceToMove.QuadPart), method: \(dwMoveMethod))", result)
        return result
    }
}

/// Moves a file object's current position; returns the low 32 bits of the new position.
///
/// The corresponding Win32 function is `SetFilePointer`. As kernelbase writes it: with
/// `lpDistanceToMoveHigh` the distance is the 64-bit value of the two halves, and the new
/// position's high half is stored back; without it, the 32-bit distance is signed. On failure it
/// returns `INVALID_SET_FILE_POINTER` with the error of ``SetFilePointerEx(_:_:_:_:)``; when the
/// low half of a valid position happens to be `0xFFFFFFFF` the last error is set to 0 so that
/// callers can tell.
@discardableResult
public func SetFilePointer(_ hFile: HANDLE!, _ lDistanceToMove: LONG, _ lpDistanceToMoveHigh: PLONG!,
                           _ dwMoveMethod: DWORD) -> DWORD
{
    return withCurrentThread(failure: INVALID_SET_FILE_POINTER) { (thread: borrowing SimThread) in
        let distance: Int64
        if let high = lpDistanceToMoveHigh {
            guard let highPart = thread.load(high, call: "SetFilePointer") else {
                _ = thread.fail(ERROR_NOACCESS)
                return INVALID_SET_FILE_POINTER
            }
            distance = Int64(highPart) << 32 | Int64(UInt32(bitPattern: lDistanceToMove))
        } else {
            distance = Int64(lDistanceToMove)
        }
        let (status, position) = movePointer(thread, hFile, distance, dwMoveMethod)
        var result = INVALID_SET_FILE_POINTER
        if let position {
            thread.store(LONG(truncatingIfNeeded: position >> 32), into: lpDistanceToMoveHigh, call: "SetFilePointer")
            result = DWORD(truncatingIfNeeded: position)
            if result == INVALID_SET_FILE_POINTER { thread.setLastError(0) }
        } else {
            _ = thread.fail(status)
        }
        thread.traceResult("SetFilePointer(\(hex(handle: hFile)), \(lDistanceToMove), method: \(dwMoveMethod))",
                           position == nil ? "INVALID_SET_FILE_POINTER, \(win32ErrorName(thread.lastError))" : "\(result)")
        return result
    }
}

/// The new position, or nil and the error (a Win32 code in `status`'s place when negative).
private func movePointer(_ thread: SimThread, _ hFile: HANDLE?, _ distance: Int64, _ method: DWORD) -> (Int32, UInt64?) {
    let kernel = thread.kernel
    let handle = value(hFile)
    let origin: (NTStatus, UInt64)
    switch method {
    case DWORD(FILE_BEGIN): origin = kernel.withKernelEntry { (kernel.ntQueryFilePosition(handle: handle).0, 0) }
    case DWORD(FILE_CURRENT): origin = kernel.withKernelEntry { kernel.ntQueryFilePosition(handle: handle) }
    case DWORD(FILE_END): origin = kernel.withKernelEntry { kernel.ntQueryEndOfFile(handle: handle) }
    default:
        // The handle is still checked first.
        let (status, _) = kernel.withKernelEntry { kernel.ntQueryFilePosition(handle: handle) }
        return (status.isSuccess ? ERROR_INVALID_PARAMETER : win32Error(status), nil)
    }
    guard origin.0.isSuccess else { return (win32Error(origin.0), nil) }
    let (position, overflow) = Int64(bitPattern: origin.1).addingReportingOverflow(distance)
    guard !overflow, position >= 0 else { return (ERROR_NEGATIVE_SEEK, nil) }
    let status = kernel.withKernelEntry { kernel.ntSetFilePosition(handle: handle, to: UInt64(position)) }
    guard status.isSuccess else { return (win32Error(status), nil) }
    return (ERROR_SUCCESS, UInt64(position))
}

private func win32Error(_ status: NTStatus) -> Int32 {
    Int32(bitPattern: RtlNtStatusToDosError(NTSTATUS(bitPattern: status.rawValue)))
}

/// The size of a disk file.
///
/// The corresponding Win32 function is `GetFileSizeEx`. A handle to something that is not a
/// disk file gives `ERROR_INVALID_FUNCTION`; a bad handle `ERROR_INVALID_HANDLE`.
@discardableResult
public func GetFileSizeEx(_ hFile: HANDLE!, _ lpFileSize: PLARGE_INTEGER!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, size) = kernel.withKernelEntry { kernel.ntQueryEndOfFile(handle: value(hFile)) }
        let result: Bool
        if status.isSuccess {
            thread.store(largeInteger(Int64(bitPattern: size)), into: lpFileSize, call: "GetFileSizeEx")
            result = true
        } else {
            result = thread.fail(status)
        }
        thread.traceBool("GetFileSizeEx(\(hex(handle: hFile))) → \(size)", result)
        return result
    }
}

/// The size of a disk file: the low half returned, the high half in `*lpFileSizeHigh`.
/// The corresponding Win32 function is `GetFileSize`; it returns `INVALID_FILE_SIZE` on failure.
/// When a size's low half is `0xFFFFFFFF` the last error is set to `NO_ERROR`, so that callers
/// can tell it from a failure (Microsoft's GetFileSize page).
@discardableResult
public func GetFileSize(_ hFile: HANDLE!, _ lpFileSizeHigh: LPDWORD!) -> DWORD {
    var size = LARGE_INTEGER()
    guard GetFileSizeEx(hFile, &size) else { return INVALID_FILE_SIZE }
    return withCurrentThread(failure: INVALID_FILE_SIZE) { (thread: borrowing SimThread) in
        thread.store(DWORD(bitPattern: size.HighPart), into: lpFileSizeHigh, call: "GetFileSize")
        if size.LowPart == INVALID_FILE_SIZE { SetLastError(DWORD(NO_ERROR)) }
        return size.LowPart
    }
}

/// Makes the current position the end of the file, truncating or extending it (with zeros).
///
/// The corresponding Win32 function is `SetEndOfFile`. The handle needs write access
/// (`ERROR_ACCESS_DENIED`) and must be a disk file (`ERROR_INVALID_FUNCTION`).
@discardableResult
public func SetEndOfFile(_ hFile: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry {
            let (queried, position) = kernel.ntQueryFilePosition(handle: value(hFile))
            return queried.isSuccess ? kernel.ntSetEndOfFile(handle: value(hFile), to: position) : queried
        }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("SetEndOfFile(\(hex(handle: hFile)))", result)
        return result
    }
}

/// Writes a file's buffered data through to the device.
///
/// The corresponding Win32 function is `FlushFileBuffers`. On a disk file it succeeds at once
/// (the simulated volume has no cache) and needs write access (`ERROR_ACCESS_DENIED`). On a pipe
/// it blocks, even on an overlapped handle, until the other end has read everything this end
/// wrote, and fails with `ERROR_BROKEN_PIPE` if that end closes meanwhile or
/// `ERROR_PIPE_NOT_CONNECTED` after a disconnect (F-SYNC-4).
@discardableResult
public func FlushFileBuffers(_ hFile: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, _) = issueWithOwnStatusBlock(thread, hFile) { ioStatus in
            kernel.ntFlushBuffersFile(handle: value(hFile), ioStatus: ioStatus)
        }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("FlushFileBuffers(\(hex(handle: hFile)))", result)
        return result
    }
}

/// Deletes a file of the simulated disk volume.
///
/// The corresponding Win32 function is `DeleteFileW`. As documented, the file is only marked
/// for deletion while handles to it are open: it disappears when the last one closes, and
/// meanwhile opening it fails with `ERROR_ACCESS_DENIED`. A file opened without
/// `FILE_SHARE_DELETE` gives `ERROR_SHARING_VIOLATION`; a missing one `ERROR_FILE_NOT_FOUND`.
@discardableResult
public func DeleteFileW(_ lpFileName: LPCWSTR!) -> Bool {
    deleteFile("DeleteFileW", wideString(lpFileName))
}

/// Deletes a file. The corresponding Win32 function is `DeleteFileA`; see ``DeleteFileW(_:)``.
@discardableResult
public func DeleteFileA(_ lpFileName: LPCSTR!) -> Bool {
    deleteFile("DeleteFileA", lpFileName.map(callerNarrowString))
}

private func deleteFile(_ function: String, _ path: String?) -> Bool {
    return withCurrentThread(named: function, failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        if let path {
            let status = kernel.withKernelEntry { kernel.ntDeleteFile(path: path) }
            result = status.isSuccess ? true : thread.fail(status)
        } else {
            result = thread.fail(ERROR_PATH_NOT_FOUND)
        }
        thread.traceBool("\(function)(\"\(path ?? "NULL")\")", result)
        return result
    }
}
