import IOKernel

/// Starts listing a directory of the simulated volume: the first entry whose name matches the
/// pattern at the end of `lpFileName` (`C:\logs\*.txt`; `*` and `?` wildcards, `*.*` for
/// everything).
///
/// The corresponding Win32 function is `FindFirstFileW`: an open of the directory and an
/// `NtQueryDirectoryFile`. As on NTFS, a directory other than a root lists `.` and `..`
/// first, then its entries in case-insensitive order; the listing is taken at this call, so
/// later changes do not show in it. A missing directory gives `ERROR_PATH_NOT_FOUND`, no
/// match (or a pattern ending in `\`) `ERROR_FILE_NOT_FOUND`, both with
/// `INVALID_HANDLE_VALUE` (Wine `kernel32/tests/file.c` test_FindFirstFileA). The search handle
/// is a handle to the directory: close it with ``FindClose(_:)``.
@discardableResult
public func FindFirstFileW(_ lpFileName: LPCWSTR!, _ lpFindFileData: LPWIN32_FIND_DATAW!) -> HANDLE! {
    return withCurrentThread(failure: INVALID_HANDLE_VALUE) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let path = wideString(lpFileName)
        var handle = INVALID_HANDLE_VALUE
        if let path, lpFindFileData != nil {
            let separator = path.lastIndex { $0 == "\\" || $0 == "/" }
            let directory = separator.map { String(path[...$0]) } ?? "."
            let pattern = separator.map { String(path[path.index(after: $0)...]) } ?? path
            if pattern.isEmpty {
                _ = thread.fail(ERROR_FILE_NOT_FOUND)
            } else {
                var parameters = CreateParameters(fileName: directory, desiredAccess: DWORD(FILE_LIST_DIRECTORY) | DWORD(SYNCHRONIZE),
                                                  shareAccess: DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE))
                parameters.options = CreateParameters.directoryFile
                let (status, opened, entry) = kernel.withKernelEntry { () -> (NTStatus, UInt, DirectoryEntry?) in
                    let (status, opened, _) = kernel.ntCreateFile(parameters, synchronous: true)
                    guard status.isSuccess else { return (status, 0, nil) }
                    let (queried, entry) = kernel.ntQueryDirectoryFile(handle: opened, pattern: pattern)
                    if entry == nil { _ = kernel.ntClose(opened) }
                    return (queried, opened, entry)
                }
                if let entry, let lpFindFileData, let found = HANDLE(bitPattern: opened) {
                    fill(lpFindFileData, with: entry, thread, call: "FindFirstFileW")
                    handle = found
                } else if status == .objectNameNotFound || status == .notADirectory {
                    // The directory part names nothing (or a file): kernelbase reports the path.
                    _ = thread.fail(ERROR_PATH_NOT_FOUND)
                } else {
                    _ = thread.fail(status)
                }
            }
        } else {
            _ = thread.fail(path == nil ? ERROR_PATH_NOT_FOUND : ERROR_INVALID_PARAMETER)
        }
        thread.traceResult("FindFirstFileW(\"\(path ?? "NULL")\")",
                           handle == INVALID_HANDLE_VALUE ? "INVALID_HANDLE_VALUE, \(win32ErrorName(thread.lastError))" : hex(handle: handle))
        return handle
    }
}

/// The next entry of a listing started by ``FindFirstFileW(_:_:)``.
///
/// The corresponding Win32 function is `FindNextFileW`. After the last entry it fails with
/// `ERROR_NO_MORE_FILES`; a bad handle gives `ERROR_INVALID_HANDLE`.
@discardableResult
public func FindNextFileW(_ hFindFile: HANDLE!, _ lpFindFileData: LPWIN32_FIND_DATAW!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        if let lpFindFileData {
            let (status, entry) = kernel.withKernelEntry { kernel.ntQueryDirectoryFile(handle: value(hFindFile), pattern: nil) }
            if let entry {
                fill(lpFindFileData, with: entry, thread, call: "FindNextFileW")
                result = true
            } else {
                result = thread.fail(status)
            }
        } else {
            result = thread.fail(ERROR_NOACCESS)
        }
        thread.traceBool("FindNextFileW(\(hex(handle: hFindFile)))", result)
        return result
    }
}

/// Ends a listing. The corresponding Win32 function is `FindClose`; a bad handle gives
/// `ERROR_INVALID_HANDLE`.
@discardableResult
public func FindClose(_ hFindFile: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntClose(value(hFindFile)) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("FindClose(\(hex(handle: hFindFile)))", result)
        return result
    }
}

/// Fills a `WIN32_FIND_DATAW` from an entry: the name (at most `MAX_PATH - 1` characters,
/// terminated), no 8.3 name (the simulated volume has none), the attributes, times and size.
private func fill(_ data: LPWIN32_FIND_DATAW, with entry: DirectoryEntry, _ thread: SimThread, call: StaticString) {
    var found = WIN32_FIND_DATAW()
    found.dwFileAttributes = entry.attributes
    found.ftCreationTime = fileTime(entry.creationTime)
    found.ftLastAccessTime = fileTime(entry.lastAccessTime)
    found.ftLastWriteTime = fileTime(entry.lastWriteTime)
    found.nFileSizeHigh = DWORD(truncatingIfNeeded: entry.size >> 32)
    found.nFileSizeLow = DWORD(truncatingIfNeeded: entry.size)
    withUnsafeMutableBytes(of: &found.cFileName) { raw in
        let characters = raw.bindMemory(to: WCHAR.self)
        for (index, unit) in entry.name.utf16.prefix(characters.count - 1).enumerated() { characters[index] = unit }
    }
    thread.store(found, into: data, call: call)
}
