#if !os(Windows)
import IOKernel
import Win32Surface

// The CRT's low-level I/O (io.h): integer descriptors over the simulation's handles, written
// as the Universal CRT writes them over kernel32. Descriptors are binary: `_O_TEXT`'s CR LF
// translation is not simulated. Where the CRT would call the invalid-parameter handler (a bad
// descriptor), the handler is one that lets execution continue, so the call returns -1 with
// `errno` `EBADF`, as the CRT documents for that case.

/// `errno` for the calling thread's last Win32 error, as the CRT maps it (`_dosmaperr`).
func errnoForLastError() -> Int32 {
    switch Int32(bitPattern: GetLastError()) {
    case ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND, ERROR_INVALID_DRIVE, ERROR_NO_MORE_FILES, ERROR_BAD_NETPATH,
        ERROR_BAD_NET_NAME, ERROR_BAD_PATHNAME, ERROR_FILENAME_EXCED_RANGE:
        ENOENT
    case ERROR_TOO_MANY_OPEN_FILES: EMFILE
    case ERROR_ACCESS_DENIED, ERROR_CURRENT_DIRECTORY, ERROR_NETWORK_ACCESS_DENIED, ERROR_CANNOT_MAKE, ERROR_FAIL_I24,
        ERROR_DRIVE_LOCKED, ERROR_SEEK_ON_DEVICE, ERROR_NOT_LOCKED, ERROR_LOCK_FAILED, ERROR_SHARING_VIOLATION,
        ERROR_LOCK_VIOLATION:
        EACCES
    case ERROR_INVALID_HANDLE, ERROR_INVALID_TARGET_HANDLE, ERROR_DIRECT_ACCESS_HANDLE: EBADF
    case ERROR_ARENA_TRASHED, ERROR_NOT_ENOUGH_MEMORY, ERROR_INVALID_BLOCK, ERROR_NOT_ENOUGH_QUOTA: ENOMEM
    case ERROR_BAD_ENVIRONMENT: E2BIG
    case ERROR_BAD_FORMAT: ENOEXEC
    case ERROR_NOT_SAME_DEVICE: EXDEV
    case ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS: EEXIST
    case ERROR_NO_PROC_SLOTS, ERROR_MAX_THRDS_REACHED, ERROR_NESTING_NOT_ALLOWED: EAGAIN
    case ERROR_BROKEN_PIPE: EPIPE
    case ERROR_DISK_FULL: ENOSPC
    case ERROR_WAIT_NO_CHILDREN, ERROR_CHILD_NOT_COMPLETE: ECHILD
    case ERROR_DIR_NOT_EMPTY: ENOTEMPTY
    default: EINVAL
    }
}

@inline(__always) private func fail(_ value: Int32) -> Int32 {
    errno = value
    return -1
}

/// A descriptor for an existing handle. The corresponding CRT function is `_open_osfhandle`:
/// the lowest free descriptor (0–2 are the standard streams), -1 with `EBADF` for
/// `INVALID_HANDLE_VALUE` or a handle `GetFileType` does not know, `EMFILE` when the table is
/// full. The descriptor owns the handle: `_close` closes it.
@discardableResult
public func _open_osfhandle(_ osfhandle: intptr_t, _ flags: Int32) -> Int32 {
    guard let (_, state) = RuntimeLibraryState.current() else { return -1 }
    guard osfhandle != -1 else { return fail(EBADF) }
    let type = GetFileType(HANDLE(bitPattern: osfhandle))
    guard type != DWORD(FILE_TYPE_UNKNOWN) || GetLastError() == DWORD(NO_ERROR) else { return fail(EBADF) }
    let kept = flags & (_O_APPEND | _O_RDONLY | _O_WRONLY | _O_RDWR | _O_TEXT | _O_BINARY | _O_NOINHERIT)
    let descriptor = RuntimeLibraryState.Descriptor(handle: osfhandle, flags: kept, isCharacterDevice: type == DWORD(FILE_TYPE_CHAR))
    guard let fd = state.allocate(descriptor) else { return fail(EMFILE) }
    return fd
}

/// The handle behind a descriptor. The corresponding CRT function is `_get_osfhandle`: -1
/// (`INVALID_HANDLE_VALUE`) with `EBADF` for a descriptor that is not open, and -2 for a
/// standard stream with no handle.
@discardableResult
public func _get_osfhandle(_ fd: Int32) -> intptr_t {
    guard let (_, state) = RuntimeLibraryState.current(), let descriptor = state.descriptor(fd) else {
        errno = EBADF
        return -1
    }
    return descriptor.handle
}

/// The handle of an open descriptor, or nil with `errno` `EBADF`.
private func handle(_ fd: Int32) -> (RuntimeLibraryState, RuntimeLibraryState.Descriptor, HANDLE)? {
    guard let (_, state) = RuntimeLibraryState.current(), let descriptor = state.descriptor(fd),
          let handle = HANDLE(bitPattern: descriptor.handle), descriptor.handle != -2
    else {
        errno = EBADF
        return nil
    }
    return (state, descriptor, handle)
}

/// Opens a file. The corresponding CRT function is `_open`, a `CreateFileA` with the
/// disposition, access and attributes the flags stand for (`_O_CREAT | _O_EXCL` is
/// `CREATE_NEW`, `_O_TRUNC` `TRUNCATE_EXISTING` or, with `_O_CREAT`, `CREATE_ALWAYS`;
/// `_O_TEMPORARY` deletes on close), then `_open_osfhandle`. Errors are mapped to `errno`
/// (`ENOENT`, `EEXIST`, `EACCES`…). `pmode` would only make a new file read-only, which the
/// simulated disk does not model.
@discardableResult
public func _open(_ filename: UnsafePointer<CChar>!, _ oflag: Int32, _ pmode: Int32 = 0) -> Int32 {
    guard let filename else { return fail(EINVAL) }
    let wide = Array(String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(filename).assumingMemoryBound(to: UInt8.self),
                                                          count: strlenOf(filename)), as: UTF8.self).utf16) + [0]
    return _wopen(wide, oflag, pmode)
}

/// The wide-path form of ``_open(_:_:_:)``. The corresponding CRT function is `_wopen`.
@discardableResult
public func _wopen(_ filename: UnsafePointer<WCHAR>!, _ oflag: Int32, _ pmode: Int32 = 0) -> Int32 {
    openWide(filename, oflag, share: DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE))
}

/// ``_wopen(_:_:_:)`` with the share mode of the handle given (`_wsopen_s`'s `_SH_*` flags).
func openWide(_ filename: UnsafePointer<WCHAR>?, _ oflag: Int32, share: DWORD) -> Int32 {
    guard RuntimeLibraryState.current() != nil else { return -1 }
    guard let filename else { return fail(EINVAL) }
    let disposition: Int32 =
        switch oflag & (_O_CREAT | _O_EXCL | _O_TRUNC) {
        case _O_CREAT | _O_EXCL, _O_CREAT | _O_EXCL | _O_TRUNC: CREATE_NEW
        case _O_CREAT: OPEN_ALWAYS
        case _O_CREAT | _O_TRUNC: CREATE_ALWAYS
        case _O_TRUNC, _O_TRUNC | _O_EXCL: TRUNCATE_EXISTING
        default: OPEN_EXISTING
        }
    let access: DWORD =
        switch oflag & (_O_RDONLY | _O_WRONLY | _O_RDWR) {
        case _O_RDONLY: GENERIC_READ
        case _O_WRONLY: DWORD(GENERIC_WRITE)
        case _O_RDWR: GENERIC_READ | DWORD(GENERIC_WRITE)
        default: 0
        }
    guard access != 0 else { return fail(EINVAL) }
    var attributes = SECURITY_ATTRIBUTES(nLength: DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size), lpSecurityDescriptor: nil,
                                         bInheritHandle: WindowsBool(oflag & _O_NOINHERIT == 0))
    var flags = DWORD(FILE_ATTRIBUTE_NORMAL)
    if oflag & _O_TEMPORARY != 0 { flags |= DWORD(FILE_FLAG_DELETE_ON_CLOSE) }
    if oflag & _O_SEQUENTIAL != 0 { flags |= DWORD(FILE_FLAG_SEQUENTIAL_SCAN) }
    if oflag & _O_RANDOM != 0 { flags |= DWORD(FILE_FLAG_RANDOM_ACCESS) }
    guard let file = CreateFileW(filename, access, share, &attributes, DWORD(disposition), flags, nil),
          file != INVALID_HANDLE_VALUE
    else { return fail(errnoForLastError()) }
    let fd = _open_osfhandle(Int(bitPattern: file), oflag)
    if fd < 0 { CloseHandle(file) }
    return fd
}

/// Closes a descriptor and its handle. The corresponding CRT function is `_close`: 0, or -1
/// with `EBADF` (not open) or the mapped error of `CloseHandle`.
@discardableResult
public func _close(_ fd: Int32) -> Int32 {
    guard let (state, descriptor, file) = handle(fd) else { return -1 }
    state.descriptors[Int(fd)] = nil
    _ = descriptor
    return CloseHandle(file) ? 0 : fail(errnoForLastError())
}

/// Reads up to `count` bytes. The corresponding CRT function is `_read`: the number read, 0 at
/// the end of a file or of a pipe whose writer has gone (`ERROR_BROKEN_PIPE` is the end), -1
/// with `errno` otherwise. Counts above `INT_MAX` are `EINVAL`.
@discardableResult
public func _read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer!, _ count: UInt32) -> Int32 {
    guard let (_, descriptor, file) = handle(fd) else { return -1 }
    guard count <= UInt32(Int32.max), buffer != nil || count == 0 else { return fail(EINVAL) }
    guard descriptor.flags & (_O_WRONLY | _O_RDWR) != _O_WRONLY else { return fail(EBADF) }
    var read: DWORD = 0
    if ReadFile(file, buffer, count, &read, nil) { return Int32(read) }
    if GetLastError() == DWORD(ERROR_BROKEN_PIPE) || GetLastError() == DWORD(ERROR_HANDLE_EOF) { return 0 }
    return fail(errnoForLastError())
}

/// Writes `count` bytes. The corresponding CRT function is `_write`: the number written, or -1
/// with `errno` (`ENOSPC` for a full disk, `EPIPE`…); with `_O_APPEND` each write first moves to
/// the end.
@discardableResult
public func _write(_ fd: Int32, _ buffer: UnsafeRawPointer!, _ count: UInt32) -> Int32 {
    guard let (_, descriptor, file) = handle(fd) else { return -1 }
    guard count <= UInt32(Int32.max), buffer != nil || count == 0 else { return fail(EINVAL) }
    guard descriptor.flags & (_O_WRONLY | _O_RDWR) != _O_RDONLY else { return fail(EBADF) }
    if descriptor.flags & _O_APPEND != 0 {
        SetFilePointerEx(file, LARGE_INTEGER(QuadPart: 0), nil, DWORD(FILE_END))
    }
    var written: DWORD = 0
    guard WriteFile(file, buffer, count, &written, nil) else { return fail(errnoForLastError()) }
    return Int32(written)
}

/// Moves a descriptor's file position. The corresponding CRT function is `_lseeki64`: the new
/// position, or -1 with `EINVAL` for a bad origin or a negative result, `EBADF` for a descriptor
/// that is not open.
@discardableResult
public func _lseeki64(_ fd: Int32, _ offset: Int64, _ origin: Int32) -> Int64 {
    guard let (_, _, file) = handle(fd) else { return -1 }
    guard [SEEK_SET, SEEK_CUR, SEEK_END].contains(origin) else { return Int64(fail(EINVAL)) }
    var position = LARGE_INTEGER()
    guard SetFilePointerEx(file, LARGE_INTEGER(QuadPart: offset), &position, DWORD(origin)) else {
        return Int64(fail(errnoForLastError()))
    }
    return position.QuadPart
}

/// The 32-bit form of ``_lseeki64(_:_:_:)``. The corresponding CRT function is `_lseek`; a
/// position beyond `LONG_MAX` is `EINVAL`.
@discardableResult
public func _lseek(_ fd: Int32, _ offset: off_t, _ origin: Int32) -> off_t {
    let position = _lseeki64(fd, Int64(offset), origin)
    guard position <= Int64(Int32.max) else { return fail(EINVAL) }
    return off_t(position)
}

/// A second descriptor for the same file: its handle duplicated. The corresponding CRT
/// function is `_dup`.
@discardableResult
public func _dup(_ fd: Int32) -> Int32 {
    guard let (state, descriptor, file) = handle(fd) else { return -1 }
    var copy: HANDLE? = nil
    guard DuplicateHandle(GetCurrentProcess(), file, GetCurrentProcess(), &copy, 0, false, DWORD(DUPLICATE_SAME_ACCESS)),
          let copy
    else { return fail(errnoForLastError()) }
    guard let new = state.allocate(.init(handle: Int(bitPattern: copy), flags: descriptor.flags)) else {
        CloseHandle(copy)
        return fail(EMFILE)
    }
    return new
}

/// Makes `fd2` a second descriptor for `fd1`'s file, closing what `fd2` was. The
/// corresponding CRT function is `_dup2`: 0, or -1 with `EBADF`.
@discardableResult
public func _dup2(_ fd1: Int32, _ fd2: Int32) -> Int32 {
    guard let (state, descriptor, file) = handle(fd1) else { return -1 }
    guard fd2 >= 0, Int(fd2) < RuntimeLibraryState.maximumDescriptors else { return fail(EBADF) }
    if fd1 == fd2 { return 0 }
    var copy: HANDLE? = nil
    guard DuplicateHandle(GetCurrentProcess(), file, GetCurrentProcess(), &copy, 0, false, DWORD(DUPLICATE_SAME_ACCESS)),
          let copy
    else { return fail(errnoForLastError()) }
    if let old = state.descriptor(fd2), old.handle != -2, let oldHandle = HANDLE(bitPattern: old.handle) {
        CloseHandle(oldHandle)
    }
    _ = state.allocate(.init(handle: Int(bitPattern: copy), flags: descriptor.flags), at: Int(fd2))
    return 0
}

/// An anonymous pipe as two descriptors, `pfds[0]` to read and `pfds[1]` to write. The
/// corresponding CRT function is `_pipe`: `CreatePipe` with `psize` as its buffer size, the
/// handles inheritable unless `_O_NOINHERIT` is in `textmode`.
@discardableResult
public func _pipe(_ pfds: UnsafeMutablePointer<Int32>!, _ psize: UInt32, _ textmode: Int32) -> Int32 {
    guard let (_, state) = RuntimeLibraryState.current() else { return -1 }
    guard let pfds else { return fail(EINVAL) }
    var attributes = SECURITY_ATTRIBUTES(nLength: DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size), lpSecurityDescriptor: nil,
                                         bInheritHandle: WindowsBool(textmode & _O_NOINHERIT == 0))
    var readEnd: HANDLE? = nil
    var writeEnd: HANDLE? = nil
    guard CreatePipe(&readEnd, &writeEnd, &attributes, psize), let readEnd, let writeEnd else {
        return fail(errnoForLastError())
    }
    let mode = textmode & (_O_TEXT | _O_BINARY | _O_NOINHERIT)
    guard let readFD = state.allocate(.init(handle: Int(bitPattern: readEnd), flags: mode | _O_RDONLY)) else {
        CloseHandle(readEnd)
        CloseHandle(writeEnd)
        return fail(EMFILE)
    }
    guard let writeFD = state.allocate(.init(handle: Int(bitPattern: writeEnd), flags: mode | _O_WRONLY)) else {
        _close(readFD)
        CloseHandle(writeEnd)
        return fail(EMFILE)
    }
    pfds[0] = readFD
    pfds[1] = writeFD
    return 0
}

private func strlenOf(_ string: UnsafePointer<CChar>) -> Int {
    var length = 0
    while string[length] != 0 { length += 1 }
    return length
}
#endif
