#if !os(Windows)
import Win32Surface

/// Makes a directory. The corresponding CRT function is `_wmkdir`: `CreateDirectoryW` on the
/// simulated volume; 0, or -1 with `errno` `EEXIST` (the name exists) or `ENOENT` (the path is
/// not found), as Microsoft's `_mkdir` page documents; `EINVAL` for NULL.
@discardableResult
public func _wmkdir(_ dirname: UnsafePointer<WCHAR>!) -> Int32 {
    guard let dirname else {
        errno = EINVAL
        return -1
    }
    guard CreateDirectoryW(dirname, nil) else {
        errno = errnoForLastError()
        return -1
    }
    return 0
}

/// See ``_wmkdir(_:)``; the name in the ANSI code page (UTF-8 in the simulation). The
/// corresponding CRT function is `_mkdir`.
@discardableResult
public func _mkdir(_ dirname: UnsafePointer<CChar>!) -> Int32 {
    guard let dirname else {
        errno = EINVAL
        return -1
    }
    return _wmkdir(Array(String(cString: dirname).utf16) + [0])
}
#endif
