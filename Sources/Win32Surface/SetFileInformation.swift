import IOKernel

/// Sets information about a file on the simulated volume through its handle. The
/// corresponding Win32 function is `SetFileInformationByHandle`.
///
/// The classes file code sets: `FileBasicInfo` (attributes, 0 to leave them; the four times, 0
/// or -1 to leave one), `FileEndOfFileInfo` (as `SetEndOfFile`), `FileDispositionInfo` and
/// `FileDispositionInfoEx` (delete when the last handle closes, or not; needs `DELETE` access,
/// `ERROR_DIR_NOT_EMPTY` for a directory with entries, `ERROR_ACCESS_DENIED` for a read-only
/// file unless `FILE_DISPOSITION_FLAG_IGNORE_READONLY_ATTRIBUTE`; POSIX semantics, which remove
/// the name at once on Windows, are not simulated and act as the classic disposition), and
/// `FileRenameInfo`/`FileRenameInfoEx` (a full path, `ReplaceIfExists` or
/// `FILE_RENAME_FLAG_REPLACE_IF_EXISTS`; needs `DELETE` access; `RootDirectory` must be NULL).
/// A buffer shorter than the class's structure gives `ERROR_BAD_LENGTH`; another class
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func SetFileInformationByHandle(_ hFile: HANDLE!, _ FileInformationClass: FILE_INFO_BY_HANDLE_CLASS,
                                       _ lpFileInformation: LPVOID!, _ dwBufferSize: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let handle = value(hFile)
        let call = "SetFileInformationByHandle(\(hex(handle: hFile)), \(FileInformationClass.rawValue), \(dwBufferSize))"
        guard let lpFileInformation else {
            let result = thread.fail(ERROR_INVALID_PARAMETER)
            thread.traceBool(call, result)
            return result
        }
        func structure<T>(_: T.Type) -> T? {
            guard Int(dwBufferSize) >= MemoryLayout<T>.size else {
                _ = thread.fail(ERROR_BAD_LENGTH)
                return nil
            }
            guard let value = thread.load(lpFileInformation.assumingMemoryBound(to: T.self), call: "SetFileInformationByHandle") else {
                _ = thread.fail(ERROR_NOACCESS)
                return nil
            }
            return value
        }
        var status: NTStatus?
        switch FileInformationClass {
        case FileBasicInfo:
            if let info = structure(FILE_BASIC_INFO.self) {
                status = kernel.withKernelEntry {
                    kernel.ntSetBasicInformation(handle: handle, attributes: info.FileAttributes,
                                                 creationTime: info.CreationTime.QuadPart, lastAccessTime: info.LastAccessTime.QuadPart,
                                                 lastWriteTime: info.LastWriteTime.QuadPart, changeTime: info.ChangeTime.QuadPart)
                }
            }
        case FileEndOfFileInfo:
            if let info = structure(FILE_END_OF_FILE_INFO.self) {
                let size = info.EndOfFile.QuadPart
                status = size < 0 ? .invalidParameter : kernel.withKernelEntry { kernel.ntSetEndOfFile(handle: handle, to: UInt64(size)) }
            }
        case FileDispositionInfo:
            if let info = structure(FILE_DISPOSITION_INFO.self) {
                status = kernel.withKernelEntry { kernel.ntSetDispositionFile(handle: handle, delete: info.DeleteFileW != 0, ignoreReadOnly: false) }
            }
        case FileDispositionInfoEx:
            if let info = structure(FILE_DISPOSITION_INFO_EX.self) {
                let delete = info.Flags & DWORD(FILE_DISPOSITION_FLAG_DELETE) != 0
                let ignoreReadOnly = info.Flags & DWORD(FILE_DISPOSITION_FLAG_IGNORE_READONLY_ATTRIBUTE) != 0
                status = kernel.withKernelEntry { kernel.ntSetDispositionFile(handle: handle, delete: delete, ignoreReadOnly: ignoreReadOnly) }
            }
        case FileRenameInfo, FileRenameInfoEx:
            let nameOffset = MemoryLayout<FILE_RENAME_INFO>.offset(of: \FILE_RENAME_INFO.FileName) ?? 20
            if let info = structure(FILE_RENAME_INFO.self) {
                let length = Int(info.FileNameLength)
                let replace = FileInformationClass == FileRenameInfoEx
                    ? info.Flags & DWORD(FILE_RENAME_FLAG_REPLACE_IF_EXISTS) != 0 : info.ReplaceIfExists != 0
                if info.RootDirectory != nil || length % 2 != 0 || nameOffset + length > Int(dwBufferSize) {
                    status = .invalidParameter
                } else if let name = renameTarget(thread, lpFileInformation + nameOffset, length) {
                    status = kernel.withKernelEntry { kernel.ntRenameFile(handle: handle, to: name, replace: replace) }
                } else {
                    _ = thread.fail(ERROR_NOACCESS)
                }
            }
        default:
            status = .invalidParameter
        }
        let result = status.map { $0.isSuccess ? true : thread.fail($0) } ?? false
        thread.traceBool(call, result)
        return result
    }
}

/// The new name of a rename, `length` bytes at `pointer` (not NUL-terminated), read through the
/// checked path.
private func renameTarget(_ thread: SimThread, _ pointer: UnsafeMutableRawPointer, _ length: Int) -> String? {
    guard thread.userBufferIsAccessible(pointer, count: length, writing: false, call: "SetFileInformationByHandle") else { return nil }
    let units = pointer.assumingMemoryBound(to: WCHAR.self)
    return String(decoding: UnsafeBufferPointer(start: units, count: length / 2), as: UTF16.self)
}

/// Sets a file's or directory's attributes by path. The corresponding Win32 function is
/// `SetFileAttributesW`: `FILE_ATTRIBUTE_NORMAL` alone clears them; other opens never stop it
/// (its open asks only for `FILE_WRITE_ATTRIBUTES`); a missing file gives
/// `ERROR_FILE_NOT_FOUND` (`ERROR_PATH_NOT_FOUND` when a directory above it is missing).
@discardableResult
public func SetFileAttributesW(_ lpFileName: LPCWSTR!, _ dwFileAttributes: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lpFileName else { return thread.fail(ERROR_INVALID_PARAMETER) }
        let path = callerWideString(lpFileName)
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntSetFileAttributes(path: path, attributes: dwFileAttributes) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("SetFileAttributesW(\"\(path)\", 0x\(String(dwFileAttributes, radix: 16)))", result)
        return result
    }
}
