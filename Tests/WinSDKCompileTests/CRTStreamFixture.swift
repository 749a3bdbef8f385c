// Code shaped like real packages' Windows uses of the CRT's streams, compiled against
// `import WinSDK` alone (as TSCBasic's WritableByteStream.swift imports TSCLibc alone, which
// re-exports CRT and WinSDK): swift-tools-support-core's LocalFileOutputByteStream,
// TerminalController.isTTY and SystemError.description (misc.swift, with its scoped imports),
// SwiftPM's PackagePlugin (setvbuf, dup2 over fileno, _wcserror_s) and ManifestLoader
// (_get_osfhandle of _fileno), swift-nio's strerror_s. CRTStreamTests runs them in simulated
// processes.
import WinSDK
import func WinSDK.strerror_s
import var WinSDK.EINVAL
import var WinSDK.ERANGE

/// TSCBasic's `FILEPointer` on Windows.
typealias FixtureFILEPointer = UnsafeMutablePointer<FILE>

/// TSCBasic's `LocalFileOutputByteStream`, as its Windows build compiles it.
final class FixtureFileOutputStream {
    let filePointer: FixtureFILEPointer
    private var closeOnDeinit: Bool
    private(set) var errorCode: Int32?
    private(set) var failedWithoutCode = false

    init(filePointer: FixtureFILEPointer, closeOnDeinit: Bool = true) {
        self.filePointer = filePointer
        self.closeOnDeinit = closeOnDeinit
    }

    /// `init(_ path: AbsolutePath, ...)`: `fopen(path.pathString, "wb")`, the error from `errno`.
    init?(path: String, openErrno: inout Int32) {
        guard let filePointer = fopen(path, "wb") else {
            openErrno = errno
            return nil
        }
        self.filePointer = filePointer
        self.closeOnDeinit = true
    }

    deinit {
        if closeOnDeinit {
            fclose(filePointer)
        }
    }

    func write(_ bytes: [UInt8]) {
        var contents = bytes
        while true {
            let n = fwrite(&contents, 1, contents.count, filePointer)
            if n < 0 {
                if errno == EINTR { continue }
                errorCode = errno
            } else if n != contents.count {
                failedWithoutCode = true
            }
            break
        }
    }

    func write(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { bytesPtr in
            while true {
                let n = fwrite(bytesPtr.baseAddress!, 1, bytesPtr.count, filePointer)
                if n < 0 {
                    if errno == EINTR { continue }
                    errorCode = errno
                } else if n != bytesPtr.count {
                    failedWithoutCode = true
                }
                break
            }
        }
    }

    func flush() {
        fflush(filePointer)
    }

    func close() -> Int32 {
        defer { closeOnDeinit = false }
        return fclose(filePointer)
    }

    /// TerminalController.terminalType: `isatty(fileno(stream.filePointer)) != 0`.
    var isTTY: Bool { isatty(fileno(filePointer)) != 0 }
}

/// TSCBasic's `stdoutStream`, over `TSCLibc.stdout` (here the module it comes from, qualified).
func fixtureStandardOutput() -> FixtureFileOutputStream {
    FixtureFileOutputStream(filePointer: WinSDK.stdout, closeOnDeinit: false)
}

/// TSCBasic's SystemError.description's `strerror` on Windows.
func fixtureStrerror(_ errno: Int32) -> String {
    let cap = 128
    var buf = [Int8](repeating: 0, count: cap)
    let _ = WinSDK.strerror_s(&buf, 128, errno)
    // TSCBasic (Swift 5 mode) writes String(cString: buf), deprecated for arrays in Swift 6 mode.
    return "\(buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }) (\(errno))"
}

/// swift-nio's `strerror` on Windows: a buffer pointer's base address and count.
func fixtureNIOStrerror(_ errnoCode: Int32, capacity: Int) -> (errno_t, String) {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { ptr in
        let result = strerror_s(ptr.baseAddress, ptr.count, errnoCode)
        return (result, result == 0 ? String(cString: ptr.baseAddress!) : "")
    }
}

/// SwiftPM PackagePlugin's `strerror`: the wide message from `_wcserror_s`.
func fixturePluginStrerror(_ errno: CInt) -> String? {
    withUnsafeTemporaryAllocation(of: WCHAR.self, capacity: 95) {
        let result = _wcserror_s($0.baseAddress, $0.count, errno)
        guard result == 0, let baseAddress = $0.baseAddress else { return nil }
        return String(decodingCString: baseAddress, as: UTF16.self)
    }
}

/// What PackagePlugin does to its standard streams before it talks to the host: keep the
/// original output descriptor, point descriptor 1 at standard error, and turn off buffering
/// (on Windows, line buffering needs a buffer and a size).
func fixturePluginRedirectsOutput() -> (saved: Int32, dup2: Int32, setvbuf: Int32, lineBufferedWithoutSize: Int32, errno: Int32) {
    let saved = _dup(fileno(stdout))
    let redirected = _dup2(fileno(stderr), fileno(stdout))
    let unbuffered = setvbuf(stdout, nil, _IONBF, 0)
    let lineBuffered = setvbuf(stdout, nil, _IOLBF, 0)
    return (saved, redirected, unbuffered, lineBuffered, errno)
}

/// SwiftPM's ManifestLoader: the handle behind a stream, `_get_osfhandle(_fileno(fp))`.
func fixtureHandle(of file: UnsafeMutablePointer<FILE>) -> HANDLE? {
    let hFile: Int = _get_osfhandle(_fileno(file))
    return HANDLE(bitPattern: hFile)
}

/// The size of the file behind a stream, through its handle.
func fixtureFileSize(_ file: UnsafeMutablePointer<FILE>) -> Int64 {
    var size = LARGE_INTEGER()
    guard GetFileSizeEx(fixtureHandle(of: file), &size) else { return -1 }
    return size.QuadPart
}

/// Reads a stream to its end in `chunk`-byte `fread`s, as a parent reads a child's output
/// through a CRT stream over its pipe: the bytes, and `feof`/`ferror` at the end.
func fixtureReadToEnd(_ file: UnsafeMutablePointer<FILE>, chunk: Int) -> (bytes: [UInt8], atEnd: Bool, failed: Bool) {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: chunk)
    while true {
        let n = fread(&buffer, 1, chunk, file)
        bytes += buffer.prefix(n)
        if n < chunk { break }
    }
    return (bytes, feof(file) != 0, ferror(file) != 0)
}

/// The standard streams' descriptors and whether each is a terminal.
func fixtureStandardDescriptors() -> [Int32] {
    [_fileno(stdin), _fileno(stdout), fileno(stderr)]
}

/// A stream's position, `fseek` and `ftell` as code that rewinds a log does.
func fixtureRewind(_ file: UnsafeMutablePointer<FILE>) -> (before: Int32, seek: Int32, after: Int32) {
    let before = ftell(file)
    let seek = fseek(file, 0, SEEK_SET)
    return (before, seek, ftell(file))
}

/// `fputs` and `fputc`, as code writing a line to a stream does.
func fixtureWriteLine(_ line: String, to file: UnsafeMutablePointer<FILE>) -> (fputs: Int32, fputc: Int32) {
    (fputs(line, file), fputc(Int32(UInt8(ascii: "\n")), file))
}

/// `_wfopen` and `_wfopen_s` with wide names and modes, as Windows code that keeps paths in
/// UTF-16 opens them.
func fixtureWideOpen(_ path: String, mode: String) -> (stream: UnsafeMutablePointer<FILE>?, secure: errno_t, secureStream: UnsafeMutablePointer<FILE>?) {
    let wide = Array(path.utf16) + [0]
    let wideMode = Array(mode.utf16) + [0]
    let stream = _wfopen(wide, wideMode)
    var secureStream: UnsafeMutablePointer<FILE>?
    let secure = _wfopen_s(&secureStream, wide, wideMode)
    return (stream, secure, secureStream)
}

/// The invalid-parameter cases: each result with the `errno` it left.
func fixtureInvalidParameters() -> [String] {
    var outcome: [String] = []
    outcome.append("fwrite(NULL stream): \(fwrite("x", 1, 1, nil)), errno \(errno)")
    outcome.append("fclose(NULL): \(fclose(nil)), errno \(errno)")
    outcome.append("fflush of nothing pending: \(fflush(stdout))")
    outcome.append("fopen bad mode: \(fopen("C:\\bad.txt", "q") == nil), errno \(errno)")
    outcome.append("fopen missing: \(fopen("C:\\missing\\x.txt", "rb") == nil), errno \(errno)")
    outcome.append("setvbuf(mode 7): \(setvbuf(stdout, nil, 7, 512)), errno \(errno)")
    outcome.append("_fileno(NULL): \(_fileno(nil)), errno \(errno)")
    outcome.append("strerror_s(NULL): \(strerror_s(nil, 10, 2)), errno \(errno)")
    var small = [CChar](repeating: 0x7F, count: 4)
    outcome.append("strerror_s(size 0): \(strerror_s(&small, 0, 2)), untouched \(small == [0x7F, 0x7F, 0x7F, 0x7F])")
    outcome.append("_isatty(-2): \(_isatty(-2)), errno \(errno)")
    outcome.append("EINVAL \(EINVAL), ERANGE \(ERANGE)")
    return outcome
}

/// swift-corelibs-foundation's FileHandle: the standard handles' descriptors
/// (`FileHandle(fileDescriptor: STDOUT_FILENO, closeOnDealloc: false)`) and an open with the
/// POSIX flag names.
func fixtureFoundationStandardDescriptors() -> [Int32] {
    [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO]
}

func fixtureFoundationOpenForReading(_ path: String) -> Int32 {
    _open(path, O_RDONLY)
}

/// swift-corelibs-foundation's Process.terminate(): `TerminateProcess` with the code a signal
/// would have given.
func fixtureFoundationTerminate(_ processHandle: HANDLE?) -> Bool {
    TerminateProcess(processHandle, UINT(0xC0000000 | DWORD(SIGTERM)))
}

/// TSCLibc's Windows `mkdtemp`: the template's last six characters must be `X`s
/// (`_set_errno(EINVAL)` otherwise), are replaced (by random letters in TSCLibc, `abcdef` here),
/// and `_mkdir` makes the directory.
func fixtureMakeDirectory(_ template: UnsafeMutablePointer<CChar>?) -> UnsafeMutablePointer<CChar>? {
    guard let template = template else { return nil }
    let length: Int = strlen(template)
    guard length >= 6, memcmp(template + length - 6, "XXXXXX", 6) == 0 else {
        _set_errno(EINVAL)
        return nil
    }
    for (index, letter) in "abcdef".utf8.enumerated() { template[length - 6 + index] = CChar(letter) }
    if _mkdir(template) == 0 {
        return template
    }
    return nil
}

/// TSCLibc's Windows `mkstemps`: `_sopen_s` with the flags and share mode it passes.
func fixtureMakeFile(_ template: UnsafeMutablePointer<CChar>) -> Int32 {
    var fd: CInt = -1
    if _sopen_s(&fd, template, _O_RDWR | _O_CREAT | _O_BINARY | _O_NOINHERIT, _SH_DENYNO, _S_IREAD | _S_IWRITE) == 0 {
        return fd
    }
    return -1
}
