import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The CRT's streams in simulated processes, through the TSCBasic-shaped code of
/// CRTStreamFixture.swift. Behaviour from Microsoft's reference pages: Stream I/O (streams are
/// buffered, 4K by default; stdout and stderr are flushed when full, or after each call on a
/// character device), fwrite, fread, setvbuf, _fileno, strerror_s, and the Universal CRT's
/// message table.
final class CRTStreamTests: XCTestCase {
    /// A parent runs a filter: the child reads its standard input with fread to the end and
    /// writes it back through TSCBasic's stdout stream with fwrite, then a marker straight to
    /// its output handle with WriteFile, then flushes. The stream's bytes were still in its
    /// buffer when the marker went, so the parent, reading through a CRT stream of its own over
    /// its pipe, gets the marker first; fread's end is the pipe's writer gone.
    func testAChildFilterWritesThroughItsBufferedStandardOutput() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\filter.exe"#) {
            let input = fixtureReadToEnd(ucrt.stdin, chunk: 4)
            let out = fixtureStandardOutput()
            out.write(Array("echo: ".utf8))
            out.write(input.bytes[...])
            var written: DWORD = 0
            let marker = Array("[direct]".utf8)
            WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), marker, DWORD(marker.count), &written, nil)
            out.flush()
            return input.atEnd && !input.failed && out.errorCode == nil ? 0 : 1
        }
        sim.run {
            var attributes = inheritable
            var childIn: HANDLE?, parentIn: HANDLE?, parentOut: HANDLE?, childOut: HANDLE?
            XCTAssertTrue(CreatePipe(&childIn, &parentIn, &attributes, 0))
            XCTAssertTrue(CreatePipe(&parentOut, &childOut, &attributes, 0))
            // The parent's ends stay in the parent, or the child would hold its own input open.
            XCTAssertTrue(SetHandleInformation(parentIn, DWORD(HANDLE_FLAG_INHERIT), 0))
            XCTAssertTrue(SetHandleInformation(parentOut, DWORD(HANDLE_FLAG_INHERIT), 0))
            let info = startChild(#"C:\tools\filter.exe"#, input: childIn, output: childOut, error: childOut)
            CloseHandle(childIn)
            CloseHandle(childOut)
            let request = Array("ping pong".utf8)
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(parentIn, request, DWORD(request.count), &written, nil))
            CloseHandle(parentIn)

            let fd = _open_osfhandle(Int(bitPattern: parentOut), _O_RDONLY | _O_BINARY)
            XCTAssertEqual(fd, 3)
            let stream = _fdopen(fd, "rb")!
            let output = fixtureReadToEnd(stream, chunk: 64)
            XCTAssertEqual(String(decoding: output.bytes, as: UTF8.self), "[direct]echo: ping pong")
            XCTAssertTrue(output.atEnd)
            XCTAssertFalse(output.failed)
            XCTAssertEqual(ucrt.fclose(stream), 0, "closes descriptor 3 and the pipe's read end")

            XCTAssertEqual(exitCode(of: info), 0)
        }
    }

    /// A stream's buffer on a file: the first fwrite of 5,000 bytes writes one whole 4,096-byte
    /// buffer's worth and keeps the other 904; the next ten bytes join them; fflush writes them.
    /// With _IONBF every fwrite goes to the file at once. ftell counts what is buffered.
    func testAFileStreamBuffersFourKilobytes() {
        let sim = checkedSimulation()
        sim.run {
            var openErrno: Int32 = 0
            let log = FixtureFileOutputStream(path: #"C:\build.log"#, openErrno: &openErrno)!
            var sizes: [Int64] = []
            log.write([UInt8](repeating: 0x61, count: 5000))
            sizes.append(fixtureFileSize(log.filePointer))
            log.write([UInt8](repeating: 0x62, count: 10)[...])
            sizes.append(fixtureFileSize(log.filePointer))
            let rewind = fixtureRewind(log.filePointer)
            sizes.append(fixtureFileSize(log.filePointer))
            XCTAssertEqual(sizes, [4096, 4096, 5010], "the seek flushed the buffer")
            XCTAssertEqual(rewind.before, 5010)
            XCTAssertEqual(rewind.seek, 0)
            XCTAssertEqual(rewind.after, 0)
            XCTAssertFalse(log.isTTY, "a disk file is not a character device")
            XCTAssertEqual(log.close(), 0)

            let raw = ucrt.fopen(#"C:\raw.log"#, "wb")!
            XCTAssertEqual(ucrt.setvbuf(raw, nil, ucrt._IONBF, 0), 0)
            let line = fixtureWriteLine("abc", to: raw)
            XCTAssertEqual(line.fputs, 0)
            XCTAssertEqual(line.fputc, 10)
            XCTAssertEqual(fixtureFileSize(raw), 4, "unbuffered: written at once")
            XCTAssertEqual(ucrt.fclose(raw), 0)

            // Reading it back in update mode: ftell counts what fread took, not what the
            // stream read ahead.
            let reader = ucrt.fopen(#"C:\build.log"#, "r+b")!
            var head = [UInt8](repeating: 0, count: 3)
            XCTAssertEqual(ucrt.fread(&head, 1, 3, reader), 3)
            XCTAssertEqual(ucrt.ftell(reader), 3)
            XCTAssertEqual(_ftelli64(reader), 3)
            XCTAssertEqual(_fseeki64(reader, -2, ucrt.SEEK_END), 0)
            XCTAssertEqual(ucrt.fread(&head, 1, 3, reader), 2)
            XCTAssertNotEqual(ucrt.feof(reader), 0)
            ucrt.clearerr(reader)
            XCTAssertEqual(ucrt.feof(reader), 0)
            XCTAssertEqual(Array(head.prefix(2)), [0x62, 0x62])
            XCTAssertEqual(ucrt.fclose(reader), 0)
        }
    }

    /// Opening: wide names, the secure form (not shared for writing), fopen's errors and a
    /// stream used against its mode.
    func testOpeningAndMisuse() {
        let sim = checkedSimulation()
        sim.run {
            let opened = fixtureWideOpen(#"C:\wide.txt"#, mode: "w")
            XCTAssertNotNil(opened.stream)
            XCTAssertEqual(opened.secure, ucrt.EACCES, "fopen_s shares nothing with a writer, and the first open writes")
            XCTAssertNil(opened.secureStream)
            XCTAssertEqual(ucrt.fwrite("hi", 1, 2, opened.stream), 2)
            XCTAssertEqual(ucrt.fread(nil, 1, 1, opened.stream), 0)
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
            var byte: UInt8 = 0
            XCTAssertEqual(ucrt.fread(&byte, 1, 1, opened.stream), 0, "written only")
            XCTAssertNotEqual(ucrt.ferror(opened.stream), 0)
            XCTAssertEqual(ucrt.fclose(opened.stream), 0)
            XCTAssertEqual(ucrt.fclose(opened.stream), ucrt.EOF, "closed: no longer a stream")
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)

            var secure: UnsafeMutablePointer<ucrt.FILE>?
            XCTAssertEqual(fopen_s(&secure, #"C:\wide.txt"#, "rb"), 0)
            let reader = try! XCTUnwrap(secure)
            var text = [UInt8](repeating: 0, count: 8)
            XCTAssertEqual(ucrt.fread(&text, 1, 8, reader), 2)
            XCTAssertEqual(Array(text.prefix(2)), Array("hi".utf8))
            XCTAssertEqual(ucrt.fwrite("x", 1, 1, reader), 0, "read only")
            XCTAssertEqual(ucrt.errno, ucrt.EBADF)
            XCTAssertEqual(ucrt.fclose(reader), 0)

            XCTAssertEqual(fixtureInvalidParameters(), [
                "fwrite(NULL stream): 0, errno 22",
                "fclose(NULL): -1, errno 22",
                "fflush of nothing pending: 0",
                "fopen bad mode: true, errno 22",
                "fopen missing: true, errno 2",
                "setvbuf(mode 7): -1, errno 22",
                "_fileno(NULL): -1, errno 22",
                "strerror_s(NULL): 22, errno 22",
                "strerror_s(size 0): 22, untouched true",
                "_isatty(-2): 0, errno 9",
                "EINVAL 22, ERANGE 34",
            ])
            var openErrno: Int32 = 0
            XCTAssertNil(FixtureFileOutputStream(path: #"C:\no\such\dir\out.txt"#, openErrno: &openErrno))
            XCTAssertEqual(openErrno, ucrt.ENOENT)
        }
    }

    /// The Universal CRT's messages, through TSCBasic's, swift-nio's and PackagePlugin's
    /// wrappers: truncated to the buffer and always terminated.
    func testErrorMessages() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertEqual(fixtureStrerror(2), "No such file or directory (2)")
            XCTAssertEqual(fixtureStrerror(16), "Resource device (16)")
            XCTAssertEqual(fixtureStrerror(41), "Directory not empty (41)")
            XCTAssertEqual(fixtureStrerror(114), "too many symbolic link levels (114)")
            XCTAssertEqual(fixtureStrerror(43), "Unknown error (43)")
            XCTAssertEqual(fixtureStrerror(-1), "Unknown error (-1)")
            XCTAssertEqual(fixtureNIOStrerror(13, capacity: 256).1, "Permission denied")
            let truncated = fixtureNIOStrerror(2, capacity: 8)
            XCTAssertEqual(truncated.0, 0)
            XCTAssertEqual(truncated.1, "No such")
            XCTAssertEqual(fixturePluginStrerror(32), "Broken pipe")
        }
    }

    /// The standard streams: the first process has no standard handles, so _fileno gives -2
    /// (Microsoft's _fileno page) and output to them fails at the flush with EBADF. A child
    /// whose standard handles are a pipe gets 0, 1, 2; PackagePlugin's redirection works on
    /// them.
    func testStandardStreamsFollowTheStandardHandles() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\plugin.exe"#) {
            let descriptors = fixtureStandardDescriptors()
            let redirect = fixturePluginRedirectsOutput()
            let out = fixtureStandardOutput()
            out.write(Array("to stderr".utf8))
            let ok = descriptors == [0, 1, 2] && redirect.saved == 3 && redirect.dup2 == 0 && redirect.setvbuf == 0
                && redirect.lineBufferedWithoutSize == -1 && redirect.errno == ucrt.EINVAL && !out.isTTY
            _close(redirect.saved)
            return ok ? 0 : 1
        }
        sim.run {
            XCTAssertEqual(fixtureStandardDescriptors(), [-2, -2, -2])
            let out = fixtureStandardOutput()
            out.write(Array("lost".utf8))
            XCTAssertNil(out.errorCode, "buffered")
            XCTAssertEqual(ucrt.fflush(ucrt.stdout), ucrt.EOF)
            XCTAssertEqual(ucrt.errno, ucrt.EBADF)

            var attributes = inheritable
            var parentOut: HANDLE?, childOut: HANDLE?
            XCTAssertTrue(CreatePipe(&parentOut, &childOut, &attributes, 0))
            XCTAssertTrue(SetHandleInformation(parentOut, DWORD(HANDLE_FLAG_INHERIT), 0))
            let info = startChild(#"C:\tools\plugin.exe"#, input: childOut, output: childOut, error: childOut)
            CloseHandle(childOut)
            var buffer = [UInt8](repeating: 0, count: 64)
            var read: DWORD = 0
            XCTAssertTrue(ReadFile(parentOut, &buffer, 64, &read, nil))
            XCTAssertEqual(String(decoding: buffer.prefix(Int(read)), as: UTF8.self), "to stderr", "unbuffered: out at once")
            XCTAssertEqual(exitCode(of: info), 0)
            CloseHandle(parentOut)
        }
    }

    /// A child whose standard output is a character device (a console stand-in: an installed
    /// device, `FILE_TYPE_CHAR`): stdout is a terminal to TSCBasic's TerminalController, and
    /// each fwrite reaches the device at the end of the call ("flushed ... if you are writing to
    /// a character device, after each library call", Stream I/O), where a pipe would get one
    /// write at the flush.
    func testStandardOutputOnACharacterDeviceIsWrittenEachCall() {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\terminal"#, driver: StockDriver(completion: .immediate))
        sim.installProgram(#"C:\tools\tty.exe"#) {
            let out = fixtureStandardOutput()
            let terminal = out.isTTY && _isatty(1) == 0x40
            out.write(Array("a".utf8))
            out.write(Array("bc".utf8))
            return terminal ? 0 : 1
        }
        sim.run {
            var attributes = inheritable
            let terminal = CreateFileW(Array(#"\\.\terminal"#.utf16) + [0], DWORD(GENERIC_WRITE), 0, &attributes,
                                       DWORD(OPEN_EXISTING), 0, nil)
            XCTAssertEqual(GetFileType(terminal), DWORD(FILE_TYPE_CHAR))
            let info = startChild(#"C:\tools\tty.exe"#, input: nil, output: terminal, error: nil)
            CloseHandle(terminal)
            XCTAssertEqual(exitCode(of: info), 0)
        }
        let writes = sim.trace.timeline().split(separator: "\n").filter { $0.contains("WriteFile(") }
        // "tty.exe:main  WriteFile(0x4, buf#1, 1, ov: NULL) → TRUE": the byte counts.
        XCTAssertEqual(writes.map { $0.split(separator: ",")[2].trimmingCharacters(in: .whitespaces) }, ["1", "2"])
        XCTAssertTrue(writes.allSatisfy { $0.contains("tty.exe:main  WriteFile(0x4, ") }, "\(writes)")
    }

    /// The POSIX names swift-corelibs-foundation's Windows FileHandle and Process use: the
    /// standard descriptors (-2 in the first process, which has no standard handles; 0, 1, 2 in
    /// a child given a pipe), `O_RDONLY`, and `SIGTERM` in the exit code `terminate()` gives.
    func testCorelibsFoundationsPOSIXNames() {
        let sim = checkedSimulation()
        let childDescriptors = StoryLog()
        sim.installProgram(#"C:\tools\waits.exe"#) {
            childDescriptors.lines = fixtureFoundationStandardDescriptors().map(String.init)
            Sleep(INFINITE)
            return 0
        }
        sim.run {
            XCTAssertEqual(fixtureFoundationStandardDescriptors(), [-2, -2, -2])
            XCTAssertEqual(fixtureFoundationOpenForReading(#"C:\nothing.txt"#), -1)
            XCTAssertEqual(ucrt.errno, ucrt.ENOENT)
            var attributes = self.inheritable
            var parentEnd: HANDLE?, childEnd: HANDLE?
            XCTAssertTrue(CreatePipe(&parentEnd, &childEnd, &attributes, 0))
            let info = self.startChild(#"C:\tools\waits.exe"#, input: childEnd, output: childEnd, error: childEnd)
            CloseHandle(childEnd)
            Sleep(10)
            XCTAssertTrue(fixtureFoundationTerminate(info.hProcess))
            XCTAssertEqual(self.exitCode(of: info), 0xC000_000F)
            XCTAssertEqual(childDescriptors.lines, ["0", "1", "2"])
            CloseHandle(parentEnd)
        }
    }

    /// TSCLibc's `mkdtemp` and `mkstemps` on Windows: `_mkdir` (`EEXIST` the second time,
    /// `ENOENT` under a missing directory) and `_sopen_s` (a descriptor, 3 being the first free).
    func testTSCLibcTemporaryDirectoriesAndFiles() {
        let sim = checkedSimulation()
        sim.run {
            var directory = Array(#"C:\tmp-XXXXXX"#.utf8CString)
            let made = directory.withUnsafeMutableBufferPointer { fixtureMakeDirectory($0.baseAddress).map { String(cString: $0) } }
            XCTAssertEqual(made, #"C:\tmp-abcdef"#)
            XCTAssertEqual(GetFileAttributesW(Array(#"C:\tmp-abcdef"#.utf16) + [0]), DWORD(FILE_ATTRIBUTE_DIRECTORY))
            var again = Array(#"C:\tmp-XXXXXX"#.utf8CString)
            XCTAssertNil(again.withUnsafeMutableBufferPointer { fixtureMakeDirectory($0.baseAddress) })
            XCTAssertEqual(ucrt.errno, ucrt.EEXIST)
            var nested = Array(#"C:\missing\tmp-XXXXXX"#.utf8CString)
            XCTAssertNil(nested.withUnsafeMutableBufferPointer { fixtureMakeDirectory($0.baseAddress) })
            XCTAssertEqual(ucrt.errno, ucrt.ENOENT)
            var template = Array(#"C:\tmp"#.utf8CString)
            XCTAssertNil(template.withUnsafeMutableBufferPointer { fixtureMakeDirectory($0.baseAddress) }, "no XXXXXX")
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
            var file = Array(#"C:\tmp-abcdef\build.o"#.utf8CString)
            let fd = file.withUnsafeMutableBufferPointer { fixtureMakeFile($0.baseAddress!) }
            XCTAssertEqual(fd, 3)
            XCTAssertEqual(_close(fd), 0)
        }
    }

    /// `errno` is each simulated thread's own: a thread that failed an open keeps its ENOENT
    /// while another thread, run during its wait, fails with EBADF.
    func testErrnoIsPerThread() {
        let sim = checkedSimulation()
        sim.run {
            let event = CreateEventW(nil, true, false, nil)
            var seen: [Int32] = []
            let worker = startThread {
                _ = _close(77)
                seen.append(ucrt.errno)
                SetEvent(event)
                return 0
            }
            XCTAssertEqual(_open(#"C:\missing.txt"#, _O_RDONLY), -1)
            XCTAssertEqual(ucrt.errno, ucrt.ENOENT)
            XCTAssertEqual(WaitForSingleObject(event, INFINITE), WAIT_OBJECT_0)
            seen.append(ucrt.errno)
            XCTAssertEqual(seen, [ucrt.EBADF, ucrt.ENOENT])
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            CloseHandle(worker)
            CloseHandle(event)
        }
    }

    /// swift-log's StreamLogHandler holds its stream's lock (`_lock_file`) across the writes of
    /// one line. Every stream function takes the same lock ("This function locks the calling
    /// thread and is therefore thread-safe", fwrite's reference page), so another thread's
    /// `fputs`, made while the line is half written, waits for `_unlock_file`: its text comes
    /// after the whole line. Without the lock the same story interleaves.
    func testALockedStreamKeepsAnotherThreadsWritesOutOfItsLine() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertEqual(writeWhileAnotherThreadWrites(#"C:\locked.log"#, locking: true), "A1 A2 B ")
            XCTAssertEqual(writeWhileAnotherThreadWrites(#"C:\unlocked.log"#, locking: false), "A1 B A2 ")
        }
    }

    /// The main thread writes "A1 ", lets a second thread write "B " while it sleeps, writes
    /// "A2 ", all on one stream, optionally holding its lock throughout; the file's contents.
    private func writeWhileAnotherThreadWrites(_ path: String, locking: Bool) -> String {
        guard let log = ucrt.fopen(path, "w") else { return "fopen failed" }
        if locking { ucrt._lock_file(log) }
        ucrt.fputs("A1 ", log)
        let other = startThread {
            ucrt.fputs("B ", log)
            return 0
        }
        Sleep(10)  // the other thread runs: it writes, or waits for the lock
        ucrt.fputs("A2 ", log)
        if locking { ucrt._unlock_file(log) }
        XCTAssertEqual(WaitForSingleObject(other, INFINITE), WAIT_OBJECT_0)
        CloseHandle(other)
        XCTAssertEqual(ucrt.fclose(log), 0)
        let file = CreateFileW(Array(path.utf16) + [0], GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), 0, nil)
        var bytes = [UInt8](repeating: 0, count: 64)
        var read: DWORD = 0
        XCTAssertTrue(ReadFile(file, &bytes, 64, &read, nil))
        CloseHandle(file)
        return String(decoding: bytes.prefix(Int(read)), as: UTF8.self)
    }

    /// `_exit` ends the process at once, "without flushing stream buffers" (the reference page
    /// of exit, _Exit and _exit). A child writes a line into its fully buffered standard output
    /// (a pipe) and calls `_exit(3)`: the parent reads nothing before the broken pipe, and the
    /// exit code is 3.
    func testExitEndsTheProcessWithoutFlushingItsStreams() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\quits.exe"#) {
            ucrt.fputs("never seen\n", ucrt.stdout)
            ucrt._exit(3)
        }
        sim.run {
            var attributes = inheritable
            var parentOut: HANDLE?, childOut: HANDLE?
            XCTAssertTrue(CreatePipe(&parentOut, &childOut, &attributes, 0))
            XCTAssertTrue(SetHandleInformation(parentOut, DWORD(HANDLE_FLAG_INHERIT), 0))
            let info = startChild(#"C:\tools\quits.exe"#, input: nil, output: childOut, error: childOut)
            CloseHandle(childOut)
            var bytes = [UInt8](repeating: 0, count: 64)
            var read: DWORD = 99
            XCTAssertFalse(ReadFile(parentOut, &bytes, 64, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertEqual(read, 0)
            CloseHandle(parentOut)
            XCTAssertEqual(exitCode(of: info), 3)
        }
    }

    /// Positions and times out of every range give the CRT's invalid-parameter result and never
    /// trap: a `SEEK_CUR` so far back that the position would underflow and a tell past
    /// `Int64.max` are -1 with `EINVAL` (the `_fseeki64` and `_ftelli64` pages: "a negative
    /// position" and "an invalid position"); `strftime` of a `tm` field out of range is 0 with
    /// `EINVAL` (its page: "out of range values for the time or date"), checked only for the
    /// fields the format reads.
    func testPositionsAndTimesOutOfRangeFailWithoutTrapping() {
        let sim = checkedSimulation()
        sim.run {
            let writer = ucrt.fopen(#"C:\a.bin"#, "wb")!
            XCTAssertEqual(ucrt.fwrite([UInt8](repeating: 0x61, count: 100), 1, 100, writer), 100)
            XCTAssertEqual(ucrt.fclose(writer), 0)
            let reader = ucrt.fopen(#"C:\a.bin"#, "rb")!
            var head = [UInt8](repeating: 0, count: 3)
            XCTAssertEqual(ucrt.fread(&head, 1, 3, reader), 3, "the stream reads ahead past these three")
            ucrt._set_errno(0)
            XCTAssertEqual(ucrt._fseeki64(reader, Int64.min, ucrt.SEEK_CUR), -1)
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
            XCTAssertEqual(ucrt.fclose(reader), 0)

            let far = ucrt.fopen(#"C:\far.bin"#, "wb")!
            XCTAssertEqual(ucrt._fseeki64(far, Int64.max, ucrt.SEEK_SET), 0)
            XCTAssertEqual(ucrt.fputc(65, far), 65, "buffered: nothing is written yet")
            ucrt._set_errno(0)
            XCTAssertEqual(ucrt._ftelli64(far), -1)
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
            ucrt.clearerr(far)
            _ = ucrt.fclose(far)

            var time = ucrt.tm()
            time.tm_yday = Int32.max
            time.tm_year = 126
            var out = [CChar](repeating: 0, count: 64)
            ucrt._set_errno(0)
            XCTAssertEqual(ucrt.strftime(&out, 64, "%j", &time), 0)
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
            XCTAssertEqual(ucrt.strftime(&out, 64, "%Y", &time), 4, "the year does not read tm_yday")
            XCTAssertEqual(String(decoding: out.prefix(4).map { UInt8(bitPattern: $0) }, as: UTF8.self), "2026")
        }
    }

    /// Starts `path` with the given standard handles (inherited, `STARTF_USESTDHANDLES`).
    private func startChild(_ path: String, input: HANDLE?, output: HANDLE?, error: HANDLE?,
                            file: StaticString = #filePath, line: UInt = #line) -> PROCESS_INFORMATION
    {
        var startup = STARTUPINFOW()
        startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
        startup.dwFlags = DWORD(STARTF_USESTDHANDLES)
        startup.hStdInput = input
        startup.hStdOutput = output
        startup.hStdError = error
        var info = PROCESS_INFORMATION()
        var commandLine = Array(path.utf16) + [0]
        XCTAssertTrue(CreateProcessW(nil, &commandLine, nil, nil, true, 0, nil, nil, &startup, &info), file: file, line: line)
        return info
    }

    /// Waits for a child, closes its handles and gives its exit code.
    private func exitCode(of info: PROCESS_INFORMATION, file: StaticString = #filePath, line: UInt = #line) -> DWORD {
        XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0, file: file, line: line)
        var code: DWORD = 99
        XCTAssertTrue(GetExitCodeProcess(info.hProcess, &code), file: file, line: line)
        CloseHandle(info.hThread)
        CloseHandle(info.hProcess)
        return code
    }

    /// An inheritable handle's attributes.
    private var inheritable: SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES(nLength: DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size), lpSecurityDescriptor: nil, bInheritHandle: true)
    }

    /// A stream opened after another was closed gets its `FILE`: the Universal CRT gives out the
    /// first free entry of its stream table, so a stale `FILE *` names the next stream opened
    /// there, the same on every run (never whatever the host's allocator hands back); closed and
    /// not yet reused, it is no stream (`EINVAL`). A `setvbuf` buffer of 1 GiB is made once, at
    /// the first refill, and kept: a hundred refills from a pipe, each reading what the pipe
    /// holds, cost no more than with the default buffer.
    func testAClosedStreamsFileGoesToTheNextStreamAndABufferIsKeptAcrossRefills() {
        let sim = checkedSimulation()
        sim.run {
            let first = ucrt.fopen(#"C:\first.txt"#, "wb")!, second = ucrt.fopen(#"C:\second.txt"#, "wb")!
            XCTAssertNotEqual(first, second)
            XCTAssertEqual(ucrt.fclose(first), 0)
            XCTAssertEqual(ucrt.fwrite("x", 1, 1, first), 0, "closed: no longer a stream")
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
            let third = ucrt.fopen(#"C:\third.txt"#, "wb")!
            XCTAssertEqual(third, first, "the first free entry")
            let fourth = ucrt.fopen(#"C:\fourth.txt"#, "wb")!
            XCTAssertNotEqual(fourth, first)
            XCTAssertNotEqual(fourth, second)
            XCTAssertEqual(ucrt.fclose(second), 0)
            XCTAssertEqual(ucrt.fclose(third), 0)
            let fifth = ucrt.fopen(#"C:\fifth.txt"#, "wb")!
            XCTAssertEqual(fifth, first, "the first entry is free again")
            XCTAssertEqual(ucrt.fclose(fifth), 0)
            XCTAssertEqual(ucrt.fclose(fourth), 0)

            var readEnd: HANDLE?, writeEnd: HANDLE?
            XCTAssertTrue(CreatePipe(&readEnd, &writeEnd, nil, 0))
            let fd = _open_osfhandle(Int(bitPattern: readEnd), ucrt._O_RDONLY)
            let reader = ucrt._fdopen(fd, "rb")!
            XCTAssertEqual(ucrt.setvbuf(reader, nil, ucrt._IOFBF, 1 << 30), 0)
            var received: [UInt8] = []
            for round in 0..<100 {
                var written: DWORD = 0
                let bytes: [UInt8] = [UInt8(ascii: "a") + UInt8(round % 26)]
                WriteFile(writeEnd, bytes, 1, &written, nil)
                var byte: UInt8 = 0
                XCTAssertEqual(ucrt.fread(&byte, 1, 1, reader), 1)
                received.append(byte)
            }
            XCTAssertEqual(received, (0..<100).map { UInt8(ascii: "a") + UInt8($0 % 26) })
            XCTAssertEqual(ucrt.fclose(reader), 0)
            CloseHandle(writeEnd)
        }
    }
}
