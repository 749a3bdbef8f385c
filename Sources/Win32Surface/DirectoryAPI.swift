import IOKernel

/// Creates a directory on the simulated volume.
///
/// The corresponding Win32 function is `CreateDirectoryW`: an `NtCreateFile` with
/// `FILE_CREATE` and `FILE_DIRECTORY_FILE`, then a close. An existing file or directory of that
/// name gives `ERROR_ALREADY_EXISTS`; a missing directory above it `ERROR_PATH_NOT_FOUND`
/// (Microsoft's CreateDirectoryW page; Wine `kernel32/tests/directory.c` test_CreateDirectoryW).
/// Watches of the directory above see `FILE_ACTION_ADDED` (`FILE_NOTIFY_CHANGE_DIR_NAME`).
/// `lpSecurityAttributes` is accepted and not enforced.
@discardableResult
public func CreateDirectoryW(_ lpPathName: LPCWSTR!, _ lpSecurityAttributes: LPSECURITY_ATTRIBUTES!) -> Bool {
    createDirectory("CreateDirectoryW", wideString(lpPathName))
}

/// Creates a directory. The corresponding Win32 function is `CreateDirectoryA`; see
/// ``CreateDirectoryW(_:_:)``.
@discardableResult
public func CreateDirectoryA(_ lpPathName: LPCSTR!, _ lpSecurityAttributes: LPSECURITY_ATTRIBUTES!) -> Bool {
    createDirectory("CreateDirectoryA", lpPathName.map(callerNarrowString))
}

private func createDirectory(_ function: String, _ path: String?) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        if let path {
            var parameters = CreateParameters(fileName: path, desiredAccess: DWORD(FILE_LIST_DIRECTORY) | DWORD(SYNCHRONIZE),
                                              shareAccess: DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), disposition: .create)
            parameters.options = CreateParameters.directoryFile
            let status = kernel.withKernelEntry {
                let (status, handle, _) = kernel.ntCreateFile(parameters, synchronous: true)
                if status.isSuccess { _ = kernel.ntClose(handle) }
                return status
            }
            result = status.isSuccess ? true : thread.fail(status)
        } else {
            result = thread.fail(ERROR_PATH_NOT_FOUND)
        }
        thread.traceBool("\(function)(\"\(path ?? "NULL")\")", result)
        return result
    }
}

/// Removes an empty directory of the simulated volume.
///
/// The corresponding Win32 function is `RemoveDirectoryW`. One with entries gives
/// `ERROR_DIR_NOT_EMPTY`, a file `ERROR_DIRECTORY`, a missing one `ERROR_FILE_NOT_FOUND` (or
/// `ERROR_PATH_NOT_FOUND` when a directory above it is missing). As for `DeleteFileW`, a
/// directory still open (with `FILE_SHARE_DELETE`) goes when its last handle closes; one open
/// without it gives `ERROR_SHARING_VIOLATION`. Watches above it see `FILE_ACTION_REMOVED`.
@discardableResult
public func RemoveDirectoryW(_ lpPathName: LPCWSTR!) -> Bool {
    removeDirectory("RemoveDirectoryW", wideString(lpPathName))
}

/// Removes a directory. The corresponding Win32 function is `RemoveDirectoryA`; see
/// ``RemoveDirectoryW(_:)``.
@discardableResult
public func RemoveDirectoryA(_ lpPathName: LPCSTR!) -> Bool {
    removeDirectory("RemoveDirectoryA", lpPathName.map(callerNarrowString))
}

private func removeDirectory(_ function: String, _ path: String?) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result: Bool
        if let path {
            let status = kernel.withKernelEntry { kernel.ntRemoveDirectory(path: path) }
            result = status.isSuccess ? true : thread.fail(status)
        } else {
            result = thread.fail(ERROR_PATH_NOT_FOUND)
        }
        thread.traceBool("\(function)(\"\(path ?? "NULL")\")", result)
        return result
    }
}

/// The temporary folder, with a trailing backslash: `C:\Users\User\AppData\Local\Temp\`, which
/// exists on the simulated volume from the start.
///
/// The corresponding Win32 function is `GetTempPathW`. As documented, it returns the length
/// copied, without the terminator, when the buffer holds the path and its terminator; otherwise
/// the size needed, terminator included, copying nothing. The simulation has no environment, so
/// `TMP` and `TEMP` are not consulted.
@discardableResult
public func GetTempPathW(_ nBufferLength: DWORD, _ lpBuffer: LPWSTR!) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let path = thread.kernel.temporaryDirectory
        let result = copyOut(thread, Array(path.utf16), nBufferLength, lpBuffer, call: "GetTempPathW")
        thread.traceResult("GetTempPathW(\(nBufferLength))", "\(result)")
        return result
    }
}

/// The temporary folder, in the ANSI code page. The corresponding Win32 function is
/// `GetTempPathA`; see ``GetTempPathW(_:_:)``.
@discardableResult
public func GetTempPathA(_ nBufferLength: DWORD, _ lpBuffer: LPSTR!) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let path = thread.kernel.temporaryDirectory
        let result = copyOut(thread, Array(path.utf8).map { CChar(bitPattern: $0) }, nBufferLength, lpBuffer, call: "GetTempPathA")
        thread.traceResult("GetTempPathA(\(nBufferLength))", "\(result)")
        return result
    }
}

/// The current directory, with a trailing backslash only for a root (`C:\`, `C:\work`).
///
/// The corresponding Win32 function is `GetCurrentDirectoryW`; its buffer contract is
/// ``GetTempPathW(_:_:)``'s. The simulation starts in `C:\`. The current directory belongs to
/// the simulated process.
@discardableResult
public func GetCurrentDirectoryW(_ nBufferLength: DWORD, _ lpBuffer: LPWSTR!) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        var path = thread.kernel.currentDirectory
        if path.count > 3 { path.removeLast() }
        let result = copyOut(thread, Array(path.utf16), nBufferLength, lpBuffer, call: "GetCurrentDirectoryW")
        thread.traceResult("GetCurrentDirectoryW(\(nBufferLength))", "\(result)")
        return result
    }
}

/// Makes a directory the current one, against which relative paths are resolved.
///
/// The corresponding Win32 function is `SetCurrentDirectoryW`. A missing directory gives
/// `ERROR_FILE_NOT_FOUND` (`ERROR_PATH_NOT_FOUND` when a directory above it is missing), a file
/// `ERROR_DIRECTORY`.
@discardableResult
public func SetCurrentDirectoryW(_ lpPathName: LPCWSTR!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let path = wideString(lpPathName)
        let result: Bool
        if let path {
            let status = kernel.withKernelEntry { kernel.setCurrentDirectory(path) }
            result = status.isSuccess ? true : thread.fail(status)
        } else {
            result = thread.fail(ERROR_INVALID_PARAMETER)
        }
        thread.traceBool("SetCurrentDirectoryW(\"\(path ?? "NULL")\")", result)
        return result
    }
}

/// The full path of a file name: relative to the current directory, `.` and `..` resolved, `/`
/// made `\`. It looks nothing up: the file need not exist.
///
/// The corresponding Win32 function is `GetFullPathNameW`; its buffer contract is
/// ``GetTempPathW(_:_:)``'s. `*lpFilePart`, if given, points at the last component in the
/// buffer, or is set to NULL when the path ends with a separator. A path that names nothing on
/// the volume (a device, `\\server\share`) is returned as given. An empty or NULL name is
/// `ERROR_INVALID_NAME`, as on Windows.
@discardableResult
public func GetFullPathNameW(_ lpFileName: LPCWSTR!, _ nBufferLength: DWORD, _ lpBuffer: LPWSTR!,
                             _ lpFilePart: UnsafeMutablePointer<LPWSTR?>!) -> DWORD
{
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let name = wideString(lpFileName) ?? ""
        guard !name.isEmpty else {
            _ = thread.fail(ERROR_INVALID_NAME)
            return 0
        }
        let full = kernel.withKernelEntry { kernel.fullPathName(name) } ?? name
        let units = Array(full.utf16)
        let result = copyOut(thread, units, nBufferLength, lpBuffer, call: "GetFullPathNameW")
        if let lpFilePart {
            let separator = units.lastIndex(of: UInt16(UInt8(ascii: "\\")))
            if result < nBufferLength, let lpBuffer, let separator, separator < units.count - 1 {
                thread.store(lpBuffer + separator + 1, into: lpFilePart, call: "GetFullPathNameW")
            } else {
                thread.store(nil, into: lpFilePart, call: "GetFullPathNameW")
            }
        }
        thread.traceResult("GetFullPathNameW(\"\(name)\", \(nBufferLength))", "\(result)")
        return result
    }
}

/// Copies a string and its terminator into a caller's buffer of `capacity` characters, as the
/// path functions do: the length without the terminator when it fits, else the size needed
/// with it (nothing copied). The characters written go through the kernel's checked path; a
/// buffer shorter than its stated capacity gives 0 with `ERROR_NOACCESS`.
func copyOut<Unit: FixedWidthInteger>(_ thread: SimThread, _ units: [Unit], _ capacity: DWORD,
                                      _ buffer: UnsafeMutablePointer<Unit>?, call: StaticString) -> DWORD
{
    guard let buffer, Int(capacity) > units.count else { return DWORD(units.count + 1) }
    let bytes = (units + [0]).withUnsafeBytes { Array($0) }
    let kernel = thread.kernel
    guard kernel.probeUserBuffer(buffer, count: bytes.count, writing: true, call: call) else {
        _ = thread.fail(ERROR_NOACCESS)
        return 0
    }
    kernel.copyToUser(UnsafeMutableRawPointer(buffer), bytes)
    return DWORD(units.count)
}
