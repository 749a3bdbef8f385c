import CWin32
import IOKernel

// shlwapi's path functions that real packages call on Windows (swift-tools-support-core's
// `WindowsPath`, swift-foundation's path handling): string operations on the caller's buffer,
// except PathFileExistsW, which asks the simulated volume.

/// The extension of a path's last element. The corresponding Win32 function is shlwapi's
/// `PathFindExtensionW`: the address of the last `.` after the last `\` — unless a space follows
/// that `.` ("a valid file name extension cannot contain a space", Microsoft's documentation) —
/// or of the terminating NUL when there is none (`C:\a.txt` → `.txt`, `C:\a.b\c` → ``). NULL for
/// NULL.
@discardableResult
public func PathFindExtensionW(_ pszPath: LPCWSTR!) -> LPWSTR! {
    guard currentThread() != nil, let pszPath else { return nil }
    let length = terminatedLength(pszPath)
    var extensionStart: Int?
    for index in 0..<length {
        switch pszPath[index] {
        case 0x5C, 0x20: extensionStart = nil
        case 0x2E: extensionStart = index
        default: break
        }
    }
    return UnsafeMutablePointer(mutating: pszPath + (extensionStart ?? length))
}

/// The last element of a path. The corresponding Win32 function is shlwapi's
/// `PathFindFileNameW`: the address after the last `\`, `/` or `:` that is followed by
/// something other than another separator, so a trailing `\` stays with its element
/// (`C:\dir\file` → `file`, `C:\dir\` → `dir\`), or the path itself. NULL for NULL.
@discardableResult
public func PathFindFileNameW(_ pszPath: LPCWSTR!) -> LPWSTR! {
    guard currentThread() != nil, let pszPath else { return nil }
    let length = terminatedLength(pszPath)
    func isSeparator(_ unit: WCHAR) -> Bool { unit == 0x5C || unit == 0x2F }
    var start = 0
    for index in 0..<length where isSeparator(pszPath[index]) || pszPath[index] == 0x3A {
        if index + 1 < length, !isSeparator(pszPath[index + 1]) { start = index + 1 }
    }
    return UnsafeMutablePointer(mutating: pszPath + start)
}

/// Keeps only a path's last element, in place. The corresponding Win32 function is shlwapi's
/// `PathStripPathW`: the caller's string becomes what ``PathFindFileNameW(_:)`` finds
/// (`C:\TEST\sample.txt` → `sample.txt`); a NULL path is ignored.
public func PathStripPathW(_ pszPath: LPWSTR!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        guard let pszPath, let name = PathFindFileNameW(pszPath), name != pszPath else { return }
        let units: [WCHAR] = Array(UnsafeBufferPointer(start: UnsafePointer(name), count: terminatedLength(UnsafePointer(name)))) + [0]
        _ = thread.writeToCaller(units, at: UnsafeMutableRawPointer(pszPath), call: "PathStripPathW")
    }
}

/// Whether a file or directory exists. The corresponding Win32 function is shlwapi's
/// `PathFileExistsW`: ``GetFileAttributesW(_:)`` on the simulated volume, so a missing file is
/// FALSE with `ERROR_FILE_NOT_FOUND` (`ERROR_PATH_NOT_FOUND` for a missing directory) as the
/// last error; NULL is FALSE.
@discardableResult
public func PathFileExistsW(_ pszPath: LPCWSTR!) -> Bool {
    guard currentThread() != nil, let pszPath else { return false }
    return GetFileAttributesW(pszPath) != INVALID_FILE_ATTRIBUTES
}
