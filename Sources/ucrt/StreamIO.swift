#if !os(Windows)
import IOKernel
import Win32Surface

// The CRT's stream I/O (stdio.h): buffered `FILE` streams over the descriptor table
// (LowLevelIO.swift), each call as Microsoft's reference page for it documents. Where the CRT
// calls the invalid-parameter handler (a NULL stream or buffer, a bad mode), the handler lets
// execution continue, as for the descriptor functions: the call returns the documented failure
// value with `errno` `EINVAL`. A `FILE *` the CRT did not give out, or one already closed, is
// undefined behaviour on Windows (freed memory); here it is treated as a NULL stream.

/// `EOF` (stdio.h): what character and stream functions return on failure.
public let EOF: Int32 = -1
/// `BUFSIZ` (stdio.h).
public let BUFSIZ: Int32 = 512
/// `FILENAME_MAX` (stdio.h).
public let FILENAME_MAX: Int32 = 260
/// `FOPEN_MAX` (stdio.h).
public let FOPEN_MAX: Int32 = 20
/// `_IOFBF`: full buffering (`setvbuf`).
public let _IOFBF: Int32 = 0x0000
/// `_IOLBF`: line buffering elsewhere; full buffering on Windows.
public let _IOLBF: Int32 = 0x0040
/// `_IONBF`: no buffering.
public let _IONBF: Int32 = 0x0004

/// The calling process's standard input stream (Swift's CRT overlay: `__acrt_iob_func(0)`).
public var stdin: UnsafeMutablePointer<FILE> { StandardFiles.base }
/// The calling process's standard output stream (`__acrt_iob_func(1)`): descriptor 1, its
/// standard output handle; fully buffered unless that is a character device.
public var stdout: UnsafeMutablePointer<FILE> { StandardFiles.base + 1 }
/// The calling process's standard error stream (`__acrt_iob_func(2)`).
public var stderr: UnsafeMutablePointer<FILE> { StandardFiles.base + 2 }

/// The most streams a process may have open (`_getmaxstdio`'s default, 512), the standard three
/// included; the next `fopen` is `EMFILE`.
let maximumStreams = 512

/// The stream `file` names in the calling process, or nil with `errno` `EINVAL` (the invalid
/// parameter handler's continuation).
func openStream(_ file: UnsafeMutablePointer<FILE>?) -> (SimThread, RuntimeLibraryState, CRTStream)? {
    guard let (thread, state) = RuntimeLibraryState.current() else { return nil }
    guard let file, let stream = state.stream(file) else {
        errno = EINVAL
        return nil
    }
    return (thread, state, stream)
}

/// What an `fopen` mode string asks for: `r`, `w` or `a`, then `+`, `b` or `t`, `x` (with `w`:
/// fail if the file exists), `c`/`n` (commit), `N` (not inherited), `S`/`R` (sequential or random
/// access), `T` (short-lived), `D` (temporary), as Microsoft's `fopen` page lists them; nil for
/// anything else (`ccs=` encodings are not simulated).
private func openFlags(_ mode: String) -> (flags: Int32, access: CRTStream.Access)? {
    var characters = Array(mode.utf8)
    while characters.last == UInt8(ascii: " ") { characters.removeLast() }
    guard let first = characters.first else { return nil }
    var flags: Int32
    var access: CRTStream.Access
    switch first {
    case UInt8(ascii: "r"): flags = _O_RDONLY; access = .read
    case UInt8(ascii: "w"): flags = _O_WRONLY | _O_CREAT | _O_TRUNC; access = .write
    case UInt8(ascii: "a"): flags = _O_WRONLY | _O_CREAT | _O_APPEND; access = .write
    default: return nil
    }
    var seen = Set<UInt8>()
    for character in characters.dropFirst() {
        guard seen.insert(character).inserted else { return nil }
        switch character {
        case UInt8(ascii: "+"):
            flags = (flags & ~(_O_RDONLY | _O_WRONLY)) | _O_RDWR
            access = .update
        case UInt8(ascii: "b"):
            guard !seen.contains(UInt8(ascii: "t")) else { return nil }
            flags |= _O_BINARY
        case UInt8(ascii: "t"):
            guard !seen.contains(UInt8(ascii: "b")) else { return nil }
            flags |= _O_TEXT
        case UInt8(ascii: "x"):
            guard first == UInt8(ascii: "w") else { return nil }
            flags |= _O_EXCL
        case UInt8(ascii: "c"), UInt8(ascii: "n"): break
        case UInt8(ascii: "N"): flags |= _O_NOINHERIT
        case UInt8(ascii: "S"): flags |= _O_SEQUENTIAL
        case UInt8(ascii: "R"): flags |= _O_RANDOM
        case UInt8(ascii: "T"): flags |= _O_SHORT_LIVED
        case UInt8(ascii: "D"): flags |= _O_TEMPORARY
        default: return nil
        }
    }
    return (flags, access)
}

/// Opens a stream on `filename` (UTF-16) with `mode`, sharing as given; the `FILE *`, or nil
/// with `errno`.
private func openStreamFile(_ filename: UnsafePointer<WCHAR>?, _ mode: String?, share: DWORD) -> UnsafeMutablePointer<FILE>? {
    guard let (_, state) = RuntimeLibraryState.current() else { return nil }
    guard let filename, let mode, let (flags, access) = openFlags(mode) else {
        errno = EINVAL
        return nil
    }
    guard filename.pointee != 0 else {
        errno = EINVAL
        return nil
    }
    guard state.openedStreams.count + 3 < maximumStreams else {
        errno = EMFILE
        return nil
    }
    let fd = openWide(filename, flags, share: share)
    guard fd >= 0 else { return nil }
    let file = state.takeStreamSlot()
    state.openedStreams.append((file, CRTStream(descriptor: fd, access: access)))
    return file
}

private func narrowString(_ string: UnsafePointer<CChar>?) -> String? {
    guard let string else { return nil }
    return String(cString: string)
}

private func wideString(_ string: UnsafePointer<WCHAR>?) -> String? {
    guard let string else { return nil }
    return String(decoding: UnsafeBufferPointer(start: string, count: wcslen(string)), as: UTF16.self)
}

/// The share mode of `fopen` and `_wfopen`: other handles may read and write (`_SH_DENYNO`).
private let sharedOpen = DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE)

/// The share mode of `fopen_s` and `_wfopen_s` ("files opened by fopen_s and _wfopen_s aren't
/// sharable", `_SH_SECURE`): others may read a file opened only for reading, and nothing else.
private func secureShare(_ mode: String?) -> DWORD {
    guard let mode, let (_, access) = openFlags(mode), access == .read else { return 0 }
    return DWORD(FILE_SHARE_READ)
}

/// Opens a file as a stream. The corresponding CRT function is `fopen`: `filename` in the ANSI
/// code page (UTF-8 in the simulation), `mode` as ``openFlags(_:)`` reads it; the stream, or
/// NULL with `errno` (`EINVAL` for a NULL argument, an empty name or a bad mode; `ENOENT`,
/// `EACCES`, `EEXIST`… from the open; `EMFILE` with 512 streams open).
@discardableResult
public func fopen(_ filename: UnsafePointer<CChar>!, _ mode: UnsafePointer<CChar>!) -> UnsafeMutablePointer<FILE>! {
    guard let name = narrowString(filename) else { return openStreamFile(nil, nil, share: sharedOpen) }
    return openStreamFile(Array(name.utf16) + [0], narrowString(mode), share: sharedOpen)
}

/// The wide form of ``fopen(_:_:)``. The corresponding CRT function is `_wfopen`.
@discardableResult
public func _wfopen(_ filename: UnsafePointer<WCHAR>!, _ mode: UnsafePointer<WCHAR>!) -> UnsafeMutablePointer<FILE>! {
    openStreamFile(filename, wideString(mode), share: sharedOpen)
}

/// Opens a file as a stream, storing it through `pFile`. The corresponding CRT function is
/// `fopen_s`: 0, or the `errno` value (`EINVAL` for a NULL `pFile`, name or mode); `*pFile` is
/// NULL on failure. The file is not shared for writing (``secureShare(_:)``).
@discardableResult
public func fopen_s(_ pFile: UnsafeMutablePointer<UnsafeMutablePointer<FILE>?>!, _ filename: UnsafePointer<CChar>!,
                    _ mode: UnsafePointer<CChar>!) -> errno_t
{
    let name = narrowString(filename)
    return openSecurely(pFile, name.map { Array($0.utf16) + [0] }, narrowString(mode))
}

/// The wide form of ``fopen_s(_:_:_:)``. The corresponding CRT function is `_wfopen_s`.
@discardableResult
public func _wfopen_s(_ pFile: UnsafeMutablePointer<UnsafeMutablePointer<FILE>?>!, _ filename: UnsafePointer<WCHAR>!,
                      _ mode: UnsafePointer<WCHAR>!) -> errno_t
{
    openSecurely(pFile, filename.map { Array(UnsafeBufferPointer(start: $0, count: wcslen($0))) + [0] }, wideString(mode))
}

private func openSecurely(_ pFile: UnsafeMutablePointer<UnsafeMutablePointer<FILE>?>?, _ filename: [UInt16]?, _ mode: String?) -> errno_t {
    guard let (thread, _) = RuntimeLibraryState.current() else { return EINVAL }
    guard let pFile else {
        errno = EINVAL
        return EINVAL
    }
    thread.kernel.storeToUser(nil, at: pFile, call: "fopen_s")
    let file: UnsafeMutablePointer<FILE>?
    if let filename {
        file = filename.withUnsafeBufferPointer { openStreamFile($0.baseAddress, mode, share: secureShare(mode)) }
    } else {
        file = openStreamFile(nil, mode, share: 0)
    }
    guard let file else { return errno }
    thread.kernel.storeToUser(file, at: pFile, call: "fopen_s")
    return 0
}

/// Associates a stream with an open descriptor. The corresponding CRT function is `_fdopen`: the
/// stream (which owns the descriptor: `fclose` closes it), or NULL with `EINVAL` for a NULL or
/// bad mode, `EBADF` for a descriptor that is not open.
@discardableResult
public func _fdopen(_ fd: Int32, _ mode: UnsafePointer<CChar>!) -> UnsafeMutablePointer<FILE>! {
    guard let (_, state) = RuntimeLibraryState.current() else { return nil }
    guard let mode = narrowString(mode), let (_, access) = openFlags(mode) else {
        errno = EINVAL
        return nil
    }
    guard let descriptor = state.descriptor(fd), descriptor.handle != -2 else {
        errno = EBADF
        return nil
    }
    let file = state.takeStreamSlot()
    state.openedStreams.append((file, CRTStream(descriptor: fd, access: access)))
    return file
}

/// Closes a stream: its pending output is written, its descriptor closed, and the `FILE *`
/// names nothing until the next stream opened takes it (the first free one, as the CRT's
/// stream table gives them out). The corresponding CRT function is `fclose`: 0, or `EOF` (the
/// write or the close failed, with their `errno`; a NULL or unknown stream, `EINVAL`).
@discardableResult
public func fclose(_ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    guard let (_, state, file) = openStream(stream), let stream else { return EOF }
    let flushed = file.pending.isEmpty || file.flushPending()
    let closed = _close(file.descriptor) == 0 || file.descriptor == -2
    if let index = StandardFiles.index(of: stream) {
        state.standardStreams[index] = nil
    } else if let index = state.openedStreams.firstIndex(where: { $0.file == stream }) {
        state.openedStreams.remove(at: index)
    }
    return flushed && closed ? 0 : EOF
}

/// Writes `count` items of `size` bytes. The corresponding CRT function is `fwrite`: the
/// number of whole items that went into the stream (buffered or written), fewer after an error
/// (the error indicator set; `EBADF` for a stream opened for reading only); 0 with `EINVAL` for
/// a NULL buffer or stream, or a size times count that overflows. The buffer is read through
/// the kernel's checked path.
@discardableResult
public func fwrite(_ buffer: UnsafeRawPointer!, _ size: Int, _ count: Int, _ stream: UnsafeMutablePointer<FILE>!) -> Int {
    guard let (kernel, file, total) = transfer(buffer, size, count, stream, fillsBuffer: false, call: "fwrite") else { return 0 }
    return withStreamLock(file, kernel) { file.write(UnsafeRawBufferPointer(start: buffer, count: total)) / size }
}

/// What `fwrite` and `fread` check before they move any byte: the stream, the buffer and the
/// size (`EINVAL` for NULL or an overflow), the stream's mode (the error indicator, and for a
/// write `EBADF`), the buffer's length (the kernel's checked path); the stream and the byte
/// count, or nil for a transfer of nothing or one that fails.
private func transfer(_ buffer: UnsafeRawPointer?, _ size: Int, _ count: Int, _ stream: UnsafeMutablePointer<FILE>?,
                      fillsBuffer writing: Bool, call: StaticString) -> (Kernel, CRTStream, Int)?
{
    guard size != 0, count != 0 else { return nil }
    guard let (thread, _, file) = openStream(stream) else { return nil }
    let (total, overflow) = size.multipliedReportingOverflow(by: count)
    guard let buffer, !overflow, size > 0, count > 0 else {
        errno = EINVAL
        return nil
    }
    guard writing ? file.canRead : file.canWrite else {
        file.failed = true
        if !writing { errno = EBADF }
        return nil
    }
    guard thread.kernel.probeUserBuffer(buffer, count: total, writing: writing, call: call) else {
        file.failed = true
        errno = EINVAL
        return nil
    }
    return (thread.kernel, file, total)
}

/// Writes a NUL-terminated string. The corresponding CRT function is `fputs`: 0 when all of it
/// went into the stream, `EOF` otherwise (`EINVAL` for a NULL string or stream).
@discardableResult
public func fputs(_ str: UnsafePointer<CChar>!, _ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    guard let str else {
        errno = EINVAL
        return EOF
    }
    let length = strlen(str)
    guard length > 0 else { return openStream(stream) == nil ? EOF : 0 }
    return fwrite(str, 1, length, stream) == length ? 0 : EOF
}

/// Writes one character. The corresponding CRT function is `fputc`: the character written (as
/// an `unsigned char`), or `EOF`.
@discardableResult
public func fputc(_ character: Int32, _ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    let byte = UInt8(truncatingIfNeeded: character)
    return withUnsafeBytes(of: byte) { fwrite($0.baseAddress, 1, 1, stream) } == 1 ? Int32(byte) : EOF
}

/// Reads up to `count` items of `size` bytes into `buffer`. The corresponding CRT function is
/// `fread`: the number of whole items read, fewer at the end of the file (the end-of-file
/// indicator) or after an error (the error indicator, also for a stream opened for writing
/// only); 0 with `EINVAL` for a NULL buffer or stream. A pipe's read waits for data; its
/// writer gone is the end of the file.
@discardableResult
public func fread(_ buffer: UnsafeMutableRawPointer!, _ size: Int, _ count: Int, _ stream: UnsafeMutablePointer<FILE>!) -> Int {
    guard let (kernel, file, total) = transfer(buffer, size, count, stream, fillsBuffer: true, call: "fread") else { return 0 }
    return withStreamLock(file, kernel) { file.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: total), kernel: kernel) / size }
}

/// Writes a stream's pending output to its descriptor. The corresponding CRT function is
/// `fflush`: 0, or `EOF` with the error indicator and `errno` of the write. A NULL stream
/// flushes every open stream of the process (the standard ones first, then in the order they
/// were opened). A stream opened for reading keeps what it read ahead, as documented.
@discardableResult
public func fflush(_ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    guard let stream else {
        guard let (_, state) = RuntimeLibraryState.current() else { return EOF }
        var result: Int32 = 0
        for file in state.standardStreams.compactMap({ $0 }) + state.openedStreams.map(\.stream) where !file.pending.isEmpty {
            if !file.flushPending() { result = EOF }
        }
        return result
    }
    guard let (thread, _, file) = openStream(stream) else { return EOF }
    guard !file.pending.isEmpty else { return 0 }
    return withStreamLock(file, thread.kernel) { file.flushPending() ? 0 : EOF }
}

/// Moves a stream's position. The corresponding CRT function is `fseek` (`_fseeki64` takes a
/// 64-bit offset): pending output is written and what was read ahead dropped, the end-of-file
/// indicator cleared; 0, or -1 with `EINVAL` (NULL stream, bad origin, negative position) or
/// the descriptor's error (`ESPIPE`-like failures of a pipe come back as the mapped Win32 error).
@discardableResult
public func _fseeki64(_ stream: UnsafeMutablePointer<FILE>!, _ offset: Int64, _ origin: Int32) -> Int32 {
    guard let (_, _, file) = openStream(stream) else { return -1 }
    guard [SEEK_SET, SEEK_CUR, SEEK_END].contains(origin) else {
        errno = EINVAL
        return -1
    }
    if !file.pending.isEmpty, !file.flushPending() { return -1 }
    var target = offset
    if origin == SEEK_CUR {
        // What was read ahead is behind the descriptor's position; an offset so far back that
        // the difference overflows is a negative position (EINVAL), not a trap.
        let (back, overflow) = target.subtractingReportingOverflow(Int64(file.unreadCount))
        guard !overflow else {
            errno = EINVAL
            return -1
        }
        target = back
    }
    file.discardReadAhead()
    file.atEnd = false
    return _lseeki64(file.descriptor, target, origin) < 0 ? -1 : 0
}

/// See ``_fseeki64(_:_:_:)``; the offset is a `long` (32 bits on Windows). The corresponding
/// CRT function is `fseek`.
@discardableResult
public func fseek(_ stream: UnsafeMutablePointer<FILE>!, _ offset: Int32, _ origin: Int32) -> Int32 {
    _fseeki64(stream, Int64(offset), origin)
}

/// A stream's position: the descriptor's, plus what is pending, less what was read ahead. The
/// corresponding CRT function is `_ftelli64`; -1 with `EINVAL` for a NULL stream, or the
/// descriptor's error.
@discardableResult
public func _ftelli64(_ stream: UnsafeMutablePointer<FILE>!) -> Int64 {
    guard let (_, _, file) = openStream(stream) else { return -1 }
    let position = _lseeki64(file.descriptor, 0, SEEK_CUR)
    guard position >= 0 else { return -1 }
    // A position near Int64.max with output pending cannot be told: -1 with EINVAL, no trap.
    let (ahead, overflow) = position.addingReportingOverflow(Int64(file.pending.count))
    guard !overflow else {
        errno = EINVAL
        return -1
    }
    return ahead - Int64(file.unreadCount)
}

/// See ``_ftelli64(_:)``. The corresponding CRT function is `ftell`: a position beyond
/// `LONG_MAX` is -1 with `EINVAL`.
@discardableResult
public func ftell(_ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    let position = _ftelli64(stream)
    guard position <= Int64(Int32.max) else {
        errno = EINVAL
        return -1
    }
    return Int32(position)
}

/// Sets a stream's buffering. The corresponding CRT function is `setvbuf`: pending output is
/// written first; `_IOFBF` and `_IOLBF` (the same on Windows) buffer `size` bytes rounded down
/// to an even number, `_IONBF` none (`size` and `buffer` ignored). 0, or -1 with `EINVAL` for a
/// NULL stream, another mode, or a size outside 2…`INT_MAX` when buffering. The CRT would
/// use a caller's `buffer` as the stream's buffer; here the stream keeps its own of that size.
@discardableResult
public func setvbuf(_ stream: UnsafeMutablePointer<FILE>!, _ buffer: UnsafeMutablePointer<CChar>!, _ mode: Int32, _ size: Int) -> Int32 {
    guard let (_, _, file) = openStream(stream) else { return -1 }
    guard mode == _IONBF || ((mode == _IOFBF || mode == _IOLBF) && size >= 2 && size <= Int(Int32.max)) else {
        errno = EINVAL
        return -1
    }
    if !file.pending.isEmpty { _ = file.flushPending() }
    file.unbuffered = mode == _IONBF
    file.hasBuffer = false
    if mode != _IONBF { file.bufferSize = size & ~1 }
    return 0
}

/// The descriptor of a stream. The corresponding CRT function is `_fileno`: -2 for a standard
/// stream whose descriptor has no handle (Microsoft's `_fileno` page); -1 with `EINVAL` for a
/// NULL stream.
@discardableResult
public func _fileno(_ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    guard let (_, state, file) = openStream(stream) else { return -1 }
    if file.descriptor <= 2, state.descriptor(file.descriptor)?.handle == -2 { return -2 }
    return file.descriptor
}

/// The POSIX name of ``_fileno(_:)``, which the Universal CRT also exports.
@discardableResult
public func fileno(_ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    _fileno(stream)
}

/// Whether the end-of-file indicator is set. The corresponding CRT function is `feof`: nonzero
/// if so; 0 with `EINVAL` for a NULL stream.
@discardableResult
public func feof(_ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    guard let (_, _, file) = openStream(stream) else { return 0 }
    return file.atEnd ? 0x10 : 0
}

/// Whether the error indicator is set. The corresponding CRT function is `ferror`: nonzero if
/// so; 0 with `EINVAL` for a NULL stream.
@discardableResult
public func ferror(_ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    guard let (_, _, file) = openStream(stream) else { return 0 }
    return file.failed ? 0x20 : 0
}

/// Clears the end-of-file and error indicators. The corresponding CRT function is `clearerr`.
public func clearerr(_ stream: UnsafeMutablePointer<FILE>!) {
    guard let (_, _, file) = openStream(stream) else { return }
    file.atEnd = false
    file.failed = false
}
#endif
