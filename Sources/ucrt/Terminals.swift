#if !os(Windows)
import IOKernel

/// Whether a descriptor is a character device (a console, a serial line: `GetFileType`'s
/// `FILE_TYPE_CHAR`). The corresponding CRT function is `_isatty`: the CRT's `FDEV` flag of the
/// descriptor (0x40) if so, else 0; 0 with `errno` `EBADF` for -2 (a standard stream with no
/// handle) or a descriptor outside the table (the invalid-parameter handler's continuation).
@discardableResult
public func _isatty(_ fd: Int32) -> Int32 {
    guard let (_, state) = RuntimeLibraryState.current() else { return 0 }
    guard fd >= 0, Int(fd) < RuntimeLibraryState.maximumDescriptors else {
        errno = EBADF
        return 0
    }
    return state.descriptor(fd)?.isCharacterDevice == true ? 0x40 : 0
}

/// The POSIX name of ``_isatty(_:)``, which the Universal CRT also exports.
@discardableResult
public func isatty(_ fd: Int32) -> Int32 {
    _isatty(fd)
}
#endif
