import IOKernel

/// The temporary folder, as ``GetTempPathW(_:_:)`` gives it: for a process that does not run as
/// SYSTEM (no simulated one does) the two are the same. The corresponding Win32 function is
/// `GetTempPath2W`.
@discardableResult
public func GetTempPath2W(_ BufferLength: DWORD, _ Buffer: LPWSTR!) -> DWORD {
    GetTempPathW(BufferLength, Buffer)
}

/// Makes a temporary file's name, `<path>\<prefix><hex>.TMP` (the prefix's first three
/// characters, the number in upper-case hex), in a buffer of at least `MAX_PATH` characters.
/// The corresponding Win32 function is `GetTempFileNameW`.
///
/// With `uUnique` 0 the number starts from the virtual clock's milliseconds (as Windows starts
/// from its tick count), the file is created (`CREATE_NEW`), and the next number is tried while
/// the name exists; the number used is returned. With another `uUnique` only the name is made
/// and `uUnique` is returned. A directory that does not exist gives 0 with `ERROR_DIRECTORY`
/// (Wine's test_GetTempFileNameA sees Windows do so); a NULL path or buffer
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func GetTempFileNameW(_ lpPathName: LPCWSTR!, _ lpPrefixString: LPCWSTR!, _ uUnique: UINT, _ lpTempFileName: LPWSTR!) -> UINT {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let lpPathName, let lpTempFileName else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return 0
        }
        var directory = callerWideString(lpPathName)
        if !directory.isEmpty, !directory.hasSuffix(#"\"#) { directory += #"\"# }
        let prefix = String((lpPrefixString.map { callerWideString($0) } ?? "").prefix(3))
        func name(_ number: UINT) -> String { directory + prefix + String(number, radix: 16, uppercase: true) + ".TMP" }
        func give(_ path: String, _ number: UINT) -> UINT {
            guard path.utf16.count < Int(MAX_PATH),
                  thread.writeToCaller(Array(path.utf16) + [0], at: UnsafeMutableRawPointer(lpTempFileName), call: "GetTempFileNameW")
            else {
                _ = thread.fail(ERROR_BUFFER_OVERFLOW)
                return 0
            }
            thread.traceResult("GetTempFileNameW(\"\(directory)\", \"\(prefix)\", \(uUnique))", "\(number), \"\(path)\"")
            return number
        }
        if uUnique != 0 { return give(name(uUnique), uUnique) }
        let attributes = directory.isEmpty ? INVALID_FILE_ATTRIBUTES : GetFileAttributesW(Array(directory.utf16) + [0])
        guard attributes != INVALID_FILE_ATTRIBUTES, attributes & DWORD(FILE_ATTRIBUTE_DIRECTORY) != 0 else {
            _ = thread.fail(ERROR_DIRECTORY)
            return 0
        }
        var number = UINT(GetTickCount() & 0xFFFF)
        for _ in 0..<0x10000 {
            if number == 0 { number = 1 }
            let path = name(number)
            let file = CreateFileW(Array(path.utf16) + [0], DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW),
                                   DWORD(FILE_ATTRIBUTE_NORMAL), nil)
            if file != INVALID_HANDLE_VALUE {
                CloseHandle(file)
                return give(path, number)
            }
            guard GetLastError() == DWORD(ERROR_FILE_EXISTS) else { return 0 }
            number = (number + 1) & 0xFFFF
        }
        return 0
    }
}

/// A file's creation, last-access and last-write times (any of the pointers may be NULL). The
/// corresponding Win32 function is `GetFileTime`; a handle that is no file or directory on the
/// simulated volume fails with the file system's status.
@discardableResult
public func GetFileTime(_ hFile: HANDLE!, _ lpCreationTime: LPFILETIME!, _ lpLastAccessTime: LPFILETIME!,
                        _ lpLastWriteTime: LPFILETIME!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, information) = kernel.withKernelEntry { kernel.ntQueryFileInformation(handle: value(hFile)) }
        guard let information else { return thread.fail(status.isSuccess ? .invalidHandle : status) }
        thread.store(fileTime(information.creationTime), into: lpCreationTime, call: "GetFileTime")
        thread.store(fileTime(information.lastAccessTime), into: lpLastAccessTime, call: "GetFileTime")
        thread.store(fileTime(information.lastWriteTime), into: lpLastWriteTime, call: "GetFileTime")
        return true
    }
}
