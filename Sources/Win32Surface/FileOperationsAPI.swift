import IOKernel

/// Renames or moves a file or directory on the simulated volume.
///
/// The corresponding Win32 function is `MoveFileExW`. An existing target gives
/// `ERROR_ALREADY_EXISTS` unless `MOVEFILE_REPLACE_EXISTING` is given and it is a file that
/// is not open (`ERROR_ACCESS_DENIED` otherwise); a missing source `ERROR_FILE_NOT_FOUND`; a
/// missing directory of the target `ERROR_PATH_NOT_FOUND`; a source open without
/// `FILE_SHARE_DELETE` `ERROR_SHARING_VIOLATION`. Directories move with their contents (not into
/// themselves: `ERROR_ACCESS_DENIED`). `MOVEFILE_DELAY_UNTIL_REBOOT` needs rights the simulated
/// process does not have (`ERROR_ACCESS_DENIED`). Watches see `FILE_ACTION_RENAMED_OLD_NAME`
/// then `FILE_ACTION_RENAMED_NEW_NAME` within one directory, `FILE_ACTION_REMOVED` and
/// `FILE_ACTION_ADDED` across directories (Wine `change.c` test_readdirectorychanges_cr).
@discardableResult
public func MoveFileExW(_ lpExistingFileName: LPCWSTR!, _ lpNewFileName: LPCWSTR!, _ dwFlags: DWORD) -> Bool {
    moveFile("MoveFileExW", wideString(lpExistingFileName), wideString(lpNewFileName), dwFlags)
}

/// Renames or moves a file or directory. The corresponding Win32 function is `MoveFileW`:
/// ``MoveFileExW(_:_:_:)`` with `MOVEFILE_COPY_ALLOWED`.
@discardableResult
public func MoveFileW(_ lpExistingFileName: LPCWSTR!, _ lpNewFileName: LPCWSTR!) -> Bool {
    moveFile("MoveFileW", wideString(lpExistingFileName), wideString(lpNewFileName), DWORD(MOVEFILE_COPY_ALLOWED))
}

private func moveFile(_ function: String, _ source: String?, _ target: String?, _ flags: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        if flags & DWORD(MOVEFILE_DELAY_UNTIL_REBOOT) != 0 {
            result = thread.fail(ERROR_ACCESS_DENIED)
        } else if let source, let target {
            let replace = flags & DWORD(MOVEFILE_REPLACE_EXISTING) != 0
            let status = kernel.withKernelEntry { kernel.ntMoveFile(from: source, to: target, replace: replace) }
            result = status.isSuccess ? true : thread.fail(status)
        } else {
            result = thread.fail(source == nil ? ERROR_PATH_NOT_FOUND : ERROR_INVALID_PARAMETER)
        }
        thread.traceBool("\(function)(\"\(source ?? "NULL")\", \"\(target ?? "NULL")\", 0x\(String(flags, radix: 16)))", result)
        return result
    }
}

/// Copies a file of the simulated volume: its data, attributes and last-write time.
///
/// The corresponding Win32 function is `CopyFileW`. With `bFailIfExists` an existing target
/// gives `ERROR_FILE_EXISTS` (Wine `kernel32/tests/file.c` test_CopyFileW); without, it is
/// replaced unless it is a directory or open without write sharing. A missing source gives
/// `ERROR_FILE_NOT_FOUND`, a directory `ERROR_ACCESS_DENIED`, a source open without read
/// sharing `ERROR_SHARING_VIOLATION`. Watches see the target `ADDED` (when new) and `MODIFIED`.
@discardableResult
public func CopyFileW(_ lpExistingFileName: LPCWSTR!, _ lpNewFileName: LPCWSTR!, _ bFailIfExists: Bool) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let source = wideString(lpExistingFileName)
        let target = wideString(lpNewFileName)
        let result: Bool
        if let source, let target {
            let status = kernel.withKernelEntry { kernel.ntCopyFile(from: source, to: target, failIfExists: bFailIfExists) }
            if status == .objectNameCollision {
                result = thread.fail(ERROR_FILE_EXISTS)
            } else {
                result = status.isSuccess ? true : thread.fail(status)
            }
        } else {
            result = thread.fail(ERROR_PATH_NOT_FOUND)
        }
        thread.traceBool("CopyFileW(\"\(source ?? "NULL")\", \"\(target ?? "NULL")\", failIfExists: \(bFailIfExists))", result)
        return result
    }
}
