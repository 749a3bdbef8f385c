#if !os(Windows)
import ucrt

// The CRT's `stat` and `_stat64` functions, beside ucrt's structures of the same names (one
// Swift module cannot declare both a type and a function named `stat`; ucrt/FileStatus.swift
// has the structures, `_wstat64`, `fstat` and `_fstat64`). On Windows they are ucrt's too: here
// `import CRT` (Swift's overlay of the CRT, which Windows code imports) brings them.

/// ``_wstat64(_:_:)`` with a UTF-8 path (the simulation's ANSI code page). The corresponding CRT
/// function is `_stat64`.
@discardableResult
public func _stat64(_ path: UnsafePointer<CChar>!, _ buffer: UnsafeMutablePointer<ucrt._stat64>!) -> Int32 {
    guard let path, let buffer else {
        ucrt.errno = EINVAL
        return -1
    }
    return _wstat64(widePath(path), buffer)
}

/// ``_wstat64(_:_:)`` into a `struct stat`: -1 with `EOVERFLOW` for a file of 2 GiB or more.
/// The corresponding CRT function is `stat`.
@discardableResult
public func stat(_ path: UnsafePointer<CChar>!, _ buffer: UnsafeMutablePointer<ucrt.stat>!) -> Int32 {
    guard let path, let buffer else {
        ucrt.errno = EINVAL
        return -1
    }
    return finish(status(ofPath: widePath(path)).map(\.narrow), into: buffer, call: "stat")
}
#endif
