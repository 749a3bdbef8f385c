import IOKernel

// The Windows and system directories of the simulated machine: `C:\Windows` and
// `C:\Windows\system32` (the paths of a default installation; no file is in them unless a
// test creates it on the simulated volume).

private let windowsDirectory = #"C:\Windows"#
private let systemDirectory = #"C:\Windows\system32"#

/// The system directory's path. The corresponding Win32 function is `GetSystemDirectoryW`:
/// the length copied without the terminator, or, when `uSize` characters cannot hold it with
/// its terminator (NULL and 0 to ask), the size needed with the terminator.
@discardableResult
public func GetSystemDirectoryW(_ lpBuffer: LPWSTR!, _ uSize: UINT) -> UINT {
    directory(systemDirectory, lpBuffer, uSize, "GetSystemDirectoryW") { Array($0.utf16) }
}

/// See ``GetSystemDirectoryW(_:_:)``. The corresponding Win32 function is `GetSystemDirectoryA`.
@discardableResult
public func GetSystemDirectoryA(_ lpBuffer: LPSTR!, _ uSize: UINT) -> UINT {
    directory(systemDirectory, lpBuffer, uSize, "GetSystemDirectoryA") { $0.utf8.map { CHAR(bitPattern: $0) } }
}

/// The Windows directory's path; results as ``GetSystemDirectoryW(_:_:)``. The corresponding
/// Win32 function is `GetWindowsDirectoryW`.
@discardableResult
public func GetWindowsDirectoryW(_ lpBuffer: LPWSTR!, _ uSize: UINT) -> UINT {
    directory(windowsDirectory, lpBuffer, uSize, "GetWindowsDirectoryW") { Array($0.utf16) }
}

/// See ``GetWindowsDirectoryW(_:_:)``. The corresponding Win32 function is `GetWindowsDirectoryA`.
@discardableResult
public func GetWindowsDirectoryA(_ lpBuffer: LPSTR!, _ uSize: UINT) -> UINT {
    directory(windowsDirectory, lpBuffer, uSize, "GetWindowsDirectoryA") { $0.utf8.map { CHAR(bitPattern: $0) } }
}

/// The shared Windows directory (the same on a machine without Terminal Services' per-user
/// directories). The corresponding Win32 function is `GetSystemWindowsDirectoryW`.
@discardableResult
public func GetSystemWindowsDirectoryW(_ lpBuffer: LPWSTR!, _ uSize: UINT) -> UINT {
    directory(windowsDirectory, lpBuffer, uSize, "GetSystemWindowsDirectoryW") { Array($0.utf16) }
}

private func directory<Unit: FixedWidthInteger>(_ path: String, _ buffer: UnsafeMutablePointer<Unit>?, _ size: UINT,
                                                _ call: StaticString, _ encode: (String) -> [Unit]) -> UINT
{
    return withCurrentThread(named: call.description, failure: 0) { (thread: borrowing SimThread) in
        let result = copyOut(thread, encode(path), size, buffer, call: call)
        thread.traceResult("\(call)(\(size))", "\(result)")
        return result
    }
}
