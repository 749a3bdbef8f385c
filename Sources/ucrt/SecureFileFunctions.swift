#if !os(Windows)
import IOKernel
import Win32Surface

// The CRT's file functions with share modes and buffer sizes that swift-foundation's Data
// writing calls (`_wsopen_s`, `_mktemp_s`, `wcscpy_s`, `_commit`), the permission bits of
// sys/stat.h and the share flags of share.h, with the Universal CRT's values.

/// `_S_IREAD`: read permission (sys/stat.h).
public let _S_IREAD: Int32 = 0x0100
/// `_S_IWRITE`: write permission.
public let _S_IWRITE: Int32 = 0x0080
/// `_S_IEXEC`: execute permission.
public let _S_IEXEC: Int32 = 0x0040
/// `_SH_DENYRW`: deny others reading and writing (share.h).
public let _SH_DENYRW: Int32 = 0x10
/// `_SH_DENYWR`: deny others writing.
public let _SH_DENYWR: Int32 = 0x20
/// `_SH_DENYRD`: deny others reading.
public let _SH_DENYRD: Int32 = 0x30
/// `_SH_DENYNO`: deny nothing.
public let _SH_DENYNO: Int32 = 0x40

/// Opens a file with a share mode, storing the descriptor through `pfh`. The corresponding CRT
/// function is `_wsopen_s`: as ``_wopen(_:_:_:)``, with the handle's share mode from `shflag`
/// (`_SH_DENYNO` shares reading and writing, `_SH_DENYWR` reading, `_SH_DENYRD` writing,
/// `_SH_DENYRW` nothing). Returns 0, or the `errno` value, which it also sets (`EINVAL` for a
/// null argument or an unknown share flag; `*pfh` is -1 on failure). `pmode` would only make a
/// new file read-only, which the simulated disk does not model.
@discardableResult
public func _wsopen_s(_ pfh: UnsafeMutablePointer<Int32>!, _ filename: UnsafePointer<WCHAR>!, _ oflag: Int32,
                      _ shflag: Int32, _ pmode: Int32) -> Int32
{
    guard let pfh else { return setFailure(EINVAL) }
    SimThread.current?.kernel.storeToUser(-1, at: pfh, call: "_wsopen_s")
    let share: Int32
    switch shflag {
    case _SH_DENYNO: share = FILE_SHARE_READ | FILE_SHARE_WRITE
    case _SH_DENYWR: share = FILE_SHARE_READ
    case _SH_DENYRD: share = FILE_SHARE_WRITE
    case _SH_DENYRW: share = 0
    default: return setFailure(EINVAL)
    }
    guard let filename else { return setFailure(EINVAL) }
    let fd = openWide(filename, oflag, share: DWORD(share))
    guard fd >= 0 else { return errno }
    SimThread.current?.kernel.storeToUser(fd, at: pfh, call: "_wsopen_s")
    return 0
}

/// See ``_wsopen_s(_:_:_:_:_:)``; the name in the ANSI code page (UTF-8 in the simulation).
/// The corresponding CRT function is `_sopen_s`.
@discardableResult
public func _sopen_s(_ pfh: UnsafeMutablePointer<Int32>!, _ filename: UnsafePointer<CChar>!, _ oflag: Int32,
                     _ shflag: Int32, _ pmode: Int32) -> Int32
{
    guard let filename else { return _wsopen_s(pfh, nil, oflag, shflag, pmode) }
    return _wsopen_s(pfh, Array(String(cString: filename).utf16) + [0], oflag, shflag, pmode)
}

/// Flushes a descriptor's file to disk. The corresponding CRT function is `_commit`:
/// `FlushFileBuffers` on its handle; 0, or -1 with `EBADF` for a descriptor that is not open
/// or the mapped error.
@discardableResult
public func _commit(_ fd: Int32) -> Int32 {
    let handle = _get_osfhandle(fd)
    guard handle != -1, handle != -2, let file = HANDLE(bitPattern: handle) else {
        errno = EBADF
        return -1
    }
    guard FlushFileBuffers(file) else {
        errno = errnoForLastError()
        return -1
    }
    return 0
}

/// Makes a unique file name from a template ending in `XXXXXX`. The corresponding CRT function
/// is `_mktemp_s`: the first of the six `X`s becomes a letter and the other five the calling
/// thread's id (five digits), the letter going from `a` to `z` until no file of that name
/// exists. Returns 0; `EINVAL` for a null or malformed template or a size that is not its
/// length plus one; `EEXIST` when all 26 names exist.
@discardableResult
public func _mktemp_s(_ template: UnsafeMutablePointer<CChar>!, _ sizeInChars: Int) -> Int32 {
    guard let template, sizeInChars > 6, let thread = SimThread.current else { return setFailure(EINVAL) }
    let kernel = thread.kernel
    guard kernel.probeUserBuffer(template, count: sizeInChars, writing: true, call: "_mktemp_s") else {
        return setFailure(EINVAL)
    }
    var name = (0..<sizeInChars).map { UInt8(bitPattern: template[$0]) }
    guard name.last == 0, !name.dropLast().contains(0), name.dropLast().suffix(6).allSatisfy({ $0 == UInt8(ascii: "X") })
    else { return setFailure(EINVAL) }
    let digits = Array(String(format5(thread.threadID)).utf8)
    let start = name.count - 7
    for (index, digit) in digits.enumerated() { name[start + 1 + index] = digit }
    for letter in UInt8(ascii: "a")...UInt8(ascii: "z") {
        name[start] = letter
        let path = String(decoding: name.dropLast(), as: UTF8.self)
        if !kernel.fileSystem.fileExists(path) {
            kernel.copyToUser(UnsafeMutableRawPointer(template), name)
            return 0
        }
    }
    return setFailure(EEXIST)
}

/// A thread id as the five digits `_mktemp_s` uses.
private func format5(_ value: UInt32) -> String {
    let text = String(value % 100_000)
    return String(repeating: "0", count: 5 - text.count) + text
}

/// Copies a wide string into a buffer of `numberOfElements` characters. The corresponding CRT
/// function is `wcscpy_s`: 0, or `EINVAL` for a null argument or a zero size (the destination
/// then holds an empty string when it can), `ERANGE` when the source and its terminator do not
/// fit (the destination emptied).
@discardableResult
public func wcscpy_s(_ dest: UnsafeMutablePointer<WCHAR>!, _ numberOfElements: Int, _ src: UnsafePointer<WCHAR>!) -> Int32 {
    guard let dest, numberOfElements > 0, let kernel = SimThread.current?.kernel else { return setFailure(EINVAL) }
    guard kernel.probeUserBuffer(dest, count: numberOfElements * 2, writing: true, call: "wcscpy_s") else {
        return setFailure(EINVAL)
    }
    guard let src else {
        kernel.copyToUser(UnsafeMutableRawPointer(dest), [0, 0])
        return setFailure(EINVAL)
    }
    let length = wcslen(src)
    var units: [UInt16] = (0..<length).map { src[$0] }
    units.append(0)
    guard units.count <= numberOfElements else {
        kernel.copyToUser(UnsafeMutableRawPointer(dest), [0, 0])
        return setFailure(ERANGE)
    }
    var bytes: [UInt8] = []
    for unit in units { bytes += [UInt8(truncatingIfNeeded: unit), UInt8(truncatingIfNeeded: unit >> 8)] }
    kernel.copyToUser(UnsafeMutableRawPointer(dest), bytes)
    return 0
}

/// Compares `count` bytes. The corresponding CRT function is `memcmp`, declared as the Universal
/// CRT declares it, with pointers that may be null (the host C library's takes non-null ones, so
/// Windows code passing `baseAddress` compiles only against this one); a null pointer compares
/// as equal when `count` is 0 and as smaller otherwise.
@discardableResult
public func memcmp(_ buffer1: UnsafeRawPointer?, _ buffer2: UnsafeRawPointer?, _ count: Int) -> Int32 {
    guard count > 0 else { return 0 }
    guard let buffer1, let buffer2 else { return buffer1 == nil ? (buffer2 == nil ? 0 : -1) : 1 }
    for index in 0..<count {
        let a = buffer1.load(fromByteOffset: index, as: UInt8.self), b = buffer2.load(fromByteOffset: index, as: UInt8.self)
        if a != b { return a < b ? -1 : 1 }
    }
    return 0
}

/// Sets `errno` and returns it, as the `_s` functions do.
private func setFailure(_ value: Int32) -> Int32 {
    errno = value
    return value
}
#endif
