#if !os(Windows)
import IOKernel
import Win32Surface

// The CRT's error messages (string.h): `strerror_s` and `_wcserror_s` copy the message of an
// `errno` value into a caller's buffer. The messages are the Universal CRT's `_sys_errlist`
// (0–42) and its POSIX supplement (100–140) in ucrt/misc/syserr.cpp of the Windows SDK's CRT
// sources, word for word (`EBUSY`'s "Resource device" included); any other value is
// "Unknown error".

/// The message of `errnum`.
func systemErrorMessage(_ errnum: Int32) -> String {
    switch errnum {
    case 0...42: return errorList[Int(errnum)]
    case 100...140: return posixErrorList[Int(errnum) - 100]
    default: return "Unknown error"
    }
}

private let errorList = [
    "No error", "Operation not permitted", "No such file or directory", "No such process", "Interrupted function call",
    "Input/output error", "No such device or address", "Arg list too long", "Exec format error", "Bad file descriptor",
    "No child processes", "Resource temporarily unavailable", "Not enough space", "Permission denied", "Bad address",
    "Unknown error", "Resource device", "File exists", "Improper link", "No such device", "Not a directory", "Is a directory",
    "Invalid argument", "Too many open files in system", "Too many open files", "Inappropriate I/O control operation",
    "Unknown error", "File too large", "No space left on device", "Invalid seek", "Read-only file system", "Too many links",
    "Broken pipe", "Domain error", "Result too large", "Unknown error", "Resource deadlock avoided", "Unknown error",
    "Filename too long", "No locks available", "Function not implemented", "Directory not empty", "Illegal byte sequence",
]

private let posixErrorList = [
    "address in use", "address not available", "address family not supported", "connection already in progress",
    "bad message", "operation canceled", "connection aborted", "connection refused", "connection reset",
    "destination address required", "host unreachable", "identifier removed", "operation in progress", "already connected",
    "too many symbolic link levels", "message size", "network down", "network reset", "network unreachable",
    "no buffer space", "no message available", "no link", "no message", "no protocol option", "no stream resources",
    "not a stream", "not connected", "state not recoverable", "not a socket", "not supported", "operation not supported",
    "Unknown error", "value too large", "owner dead", "protocol error", "protocol not supported", "wrong protocol type",
    "stream timeout", "timed out", "text file busy", "operation would block",
]

/// Copies `units` and a terminator into a buffer of `count` elements, truncating to fit, through
/// the kernel's checked path; `EINVAL` (also in `errno`) for a NULL buffer or a zero count.
private func copyMessage<Unit: FixedWidthInteger>(_ units: [Unit], into buffer: UnsafeMutablePointer<Unit>?, count: Int,
                                                  call: StaticString) -> errno_t
{
    guard let buffer, count > 0 else {
        errno = EINVAL
        return EINVAL
    }
    var copied = Array(units.prefix(count - 1))
    copied.append(0)
    guard let kernel = SimThread.current?.kernel else {
        buffer.update(from: copied, count: copied.count)
        return 0
    }
    guard kernel.probeUserBuffer(buffer, count: copied.count * MemoryLayout<Unit>.size, writing: true, call: call) else {
        errno = EINVAL
        return EINVAL
    }
    let bytes = copied.withUnsafeBytes { Array($0) }
    kernel.copyToUser(UnsafeMutableRawPointer(buffer), bytes)
    return 0
}

/// The message of `errnum` in `buffer`, truncated to `numberOfElements - 1` characters and
/// always terminated. The corresponding CRT function is `strerror_s`: 0 (a truncated message
/// too), or `EINVAL` with `errno` `EINVAL` for a NULL buffer or a size of 0 (the buffer then
/// not modified), as Microsoft's page documents.
@discardableResult
public func strerror_s(_ buffer: UnsafeMutablePointer<CChar>!, _ numberOfElements: Int, _ errnum: Int32) -> errno_t {
    copyMessage(systemErrorMessage(errnum).utf8.map { CChar(bitPattern: $0) }, into: buffer, count: numberOfElements,
                call: "strerror_s")
}

/// The wide form of ``strerror_s(_:_:_:)``: the message in UTF-16. The corresponding CRT
/// function is `_wcserror_s`.
@discardableResult
public func _wcserror_s(_ buffer: UnsafeMutablePointer<WCHAR>!, _ numberOfElements: Int, _ errnum: Int32) -> errno_t {
    copyMessage(Array(systemErrorMessage(errnum).utf16), into: buffer, count: numberOfElements, call: "_wcserror_s")
}
#endif
