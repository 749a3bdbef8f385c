#if !os(Windows)
import CWin32
import Win32Surface

/// Deletes a file. The corresponding CRT function is `_wunlink`: `DeleteFileW` on the simulated
/// volume; 0 on success, else -1 with `errno` `ENOENT` for a file or path not found and `EACCES`
/// for a read-only file or a directory (Microsoft's documentation of `_unlink`, `_wunlink`).
@discardableResult
public func _wunlink(_ filename: UnsafePointer<UInt16>!) -> Int32 {
    guard let filename else { return failUnlink(EINVAL) }
    return DeleteFileW(filename) ? 0 : failUnlink(errnoForLastError())
}

/// See ``_wunlink(_:)``; the name in UTF-8 (the simulation's ANSI code page). The corresponding
/// CRT function is `_unlink`.
@discardableResult
public func _unlink(_ filename: UnsafePointer<CChar>!) -> Int32 {
    guard let filename else { return failUnlink(EINVAL) }
    let name = String(decoding: UnsafeRawBufferPointer(start: filename, count: strlen(filename)), as: UTF8.self)
    return _wunlink(Array(name.utf16) + [0])
}

private func failUnlink(_ value: Int32) -> Int32 {
    errno = value
    return -1
}
#endif
