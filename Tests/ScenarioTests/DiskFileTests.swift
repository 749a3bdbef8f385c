import IOKernel
import Win32Surface
import XCTest

/// Disk files on the simulated volume (issue 6; win32-facts F-RW-4, F-RW-14 … F-RW-16,
/// F-EOF-*, Wine `dlls/kernel32/tests/file.c`).
final class DiskFileTests: XCTestCase {
    private func create(_ path: String, _ access: DWORD, share: DWORD = 0, _ disposition: DWORD,
                        overlapped: Bool = false) -> HANDLE?
    {
        CreateFileA(path, access, share, nil, disposition, overlapped ? DWORD(FILE_FLAG_OVERLAPPED) : 0, nil)
    }

    private let readWrite = GENERIC_READ | DWORD(GENERIC_WRITE)

    // MARK: - Opening

    /// The creation dispositions: `CREATE_NEW` on an existing file is `ERROR_FILE_EXISTS`;
    /// `OPEN_EXISTING` and `TRUNCATE_EXISTING` on a missing one `ERROR_FILE_NOT_FOUND`;
    /// `CREATE_ALWAYS` and `OPEN_ALWAYS` succeed either way, with `ERROR_ALREADY_EXISTS` as the
    /// last error when the file existed (and 0 when it did not); `CREATE_ALWAYS` and
    /// `TRUNCATE_EXISTING` empty it (Wine `test_CreateFileA`).
    func testCreationDispositions() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("seeded"), of: #"C:\data\seed.txt"#)
        sim.run {
            let path = #"C:\data\a.txt"#
            XCTAssertEqual(create(path, readWrite, DWORD(OPEN_EXISTING)), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertEqual(create(path, readWrite, DWORD(TRUNCATE_EXISTING)), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertFalse(sim.fileSystem.fileExists(path))

            SetLastError(0xBEEF)
            let h = create(path, readWrite, DWORD(CREATE_NEW))
            XCTAssertNotEqual(h, INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), 0)
            XCTAssertEqual(writeAll(h, "0123456789"), 10)
            XCTAssertTrue(CloseHandle(h))
            XCTAssertEqual(create(path, readWrite, DWORD(CREATE_NEW)), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_EXISTS))

            let opened = create(path, GENERIC_READ, DWORD(OPEN_ALWAYS))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ALREADY_EXISTS))
            XCTAssertEqual(size(opened), 10)
            XCTAssertTrue(CloseHandle(opened))
            let fresh = create(#"C:\data\b.txt"#, readWrite, DWORD(OPEN_ALWAYS))
            XCTAssertEqual(GetLastError(), 0)
            XCTAssertTrue(CloseHandle(fresh))

            let overwritten = create(path, readWrite, DWORD(CREATE_ALWAYS))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ALREADY_EXISTS))
            XCTAssertEqual(size(overwritten), 0)
            XCTAssertTrue(CloseHandle(overwritten))
            let created = create(#"C:\data\c.txt"#, readWrite, DWORD(CREATE_ALWAYS))
            XCTAssertEqual(GetLastError(), 0)
            XCTAssertTrue(CloseHandle(created))

            let truncated = create(#"c:/DATA/seed.txt"#, readWrite, DWORD(TRUNCATE_EXISTING))  // case and separators
            XCTAssertNotEqual(truncated, INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), 0)
            XCTAssertEqual(size(truncated), 0)
            XCTAssertTrue(CloseHandle(truncated))

            XCTAssertEqual(create(path, readWrite, 0), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
        }
        XCTAssertEqual(sim.fileSystem.paths, [#"C:\data\a.txt"#, #"C:\data\b.txt"#, #"C:\data\c.txt"#, #"C:\data\seed.txt"#])
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\data\seed.txt"#), [])
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// Share modes, as `IoCheckShareAccess` checks them: a second open must be allowed by every
    /// open's share mode, and must itself share what they have; a closed handle no longer
    /// counts. Otherwise `ERROR_SHARING_VIOLATION` (Wine `test_file_sharing`).
    func testShareModes() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("shared"), of: #"C:\s.txt"#)
        sim.run {
            let path = #"C:\s.txt"#
            let reader = create(path, GENERIC_READ, share: DWORD(FILE_SHARE_READ), DWORD(OPEN_EXISTING))
            XCTAssertNotEqual(reader, INVALID_HANDLE_VALUE)
            // Another reader that shares reading: fine.
            let reader2 = create(path, GENERIC_READ, share: DWORD(FILE_SHARE_READ), DWORD(OPEN_EXISTING))
            XCTAssertNotEqual(reader2, INVALID_HANDLE_VALUE)
            // A writer: the readers do not share writing.
            XCTAssertEqual(create(path, DWORD(GENERIC_WRITE), share: DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), DWORD(OPEN_EXISTING)),
                           INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SHARING_VIOLATION))
            // A reader that does not share reading with the readers already there.
            XCTAssertEqual(create(path, GENERIC_READ, share: 0, DWORD(OPEN_EXISTING)), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SHARING_VIOLATION))
            // An open with no data access takes no part.
            let attributesOnly = create(path, 0, share: 0, DWORD(OPEN_EXISTING))
            XCTAssertNotEqual(attributesOnly, INVALID_HANDLE_VALUE)
            XCTAssertEqual(sim.fileSystem.openCount(of: path), 3)
            XCTAssertTrue(CloseHandle(reader))
            XCTAssertTrue(CloseHandle(reader2))
            let writer = create(path, DWORD(GENERIC_WRITE), share: 0, DWORD(OPEN_EXISTING))
            XCTAssertNotEqual(writer, INVALID_HANDLE_VALUE)
            // Reading through a write-only handle is refused.
            var buffer = [UInt8](repeating: 0, count: 4)
            var read: DWORD = 0xDEAD
            XCTAssertFalse(ReadFile(writer, &buffer, 4, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertEqual(read, 0)
            // CREATE_ALWAYS on a file open without sharing is a violation too.
            XCTAssertEqual(create(path, DWORD(GENERIC_WRITE), share: 0, DWORD(CREATE_ALWAYS)), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SHARING_VIOLATION))
            XCTAssertEqual(sim.fileSystem.contents(of: path), bytes("shared"))
            XCTAssertTrue(CloseHandle(writer))
            XCTAssertTrue(CloseHandle(attributesOnly))
            XCTAssertEqual(sim.fileSystem.openCount(of: path), 0)
        }
    }

    // MARK: - Synchronous handles

    /// A synchronous handle keeps and advances the current position; at the end a read returns
    /// `TRUE` with 0 bytes and leaves the last error alone (F-EOF-1, F-DOC-3); a read across the
    /// end returns what exists (F-EOF-5); `SetFilePointer(Ex)` moves it, `SetEndOfFile` cuts
    /// the file there, `GetFileSizeEx` reports the size.
    func testSynchronousHandleKeepsThePosition() {
        let sim = Simulation()
        sim.run {
            let h = create(#"C:\log.txt"#, readWrite, DWORD(CREATE_ALWAYS))
            XCTAssertEqual(writeAll(h, "hello "), 6)
            XCTAssertEqual(writeAll(h, "world"), 5)
            XCTAssertEqual(position(h), 11)
            XCTAssertEqual(SetFilePointer(h, 0, nil, DWORD(FILE_BEGIN)), 0)
            XCTAssertEqual(readSome(h, 5), "hello")
            XCTAssertEqual(position(h), 5)
            XCTAssertEqual(readSome(h, 100), " world")
            XCTAssertEqual(position(h), 11)
            SetLastError(0xBEEF)
            var buffer = [UInt8](repeating: 0, count: 8)
            var read: DWORD = 0xDEAD
            XCTAssertTrue(ReadFile(h, &buffer, 8, &read, nil))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(GetLastError(), 0xBEEF)

            // SetFilePointer from the end, and with a high half.
            XCTAssertEqual(SetFilePointer(h, -5, nil, DWORD(FILE_END)), 6)
            XCTAssertEqual(readSome(h, 5), "world")
            var high: LONG = 0
            XCTAssertEqual(SetFilePointer(h, 2, &high, DWORD(FILE_BEGIN)), 2)
            XCTAssertEqual(high, 0)
            XCTAssertEqual(SetFilePointer(h, -3, nil, DWORD(FILE_CURRENT)), INVALID_SET_FILE_POINTER)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NEGATIVE_SEEK))
            XCTAssertEqual(position(h), 2, "a failed move leaves the position")
            XCTAssertEqual(SetFilePointer(h, 0, nil, 7), INVALID_SET_FILE_POINTER)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            var moved = LARGE_INTEGER()
            var distance = LARGE_INTEGER()
            distance.QuadPart = 1 << 32
            XCTAssertTrue(SetFilePointerEx(h, distance, &moved, DWORD(FILE_BEGIN)))
            XCTAssertEqual(moved.QuadPart, 1 << 32)
            high = 0
            XCTAssertEqual(SetFilePointer(h, 0, &high, DWORD(FILE_CURRENT)), 0)
            XCTAssertEqual(high, 1)

            // SetEndOfFile at 5 cuts the file; past the end it extends it with zeros.
            XCTAssertEqual(SetFilePointer(h, 5, nil, DWORD(FILE_BEGIN)), 5)
            XCTAssertTrue(SetEndOfFile(h))
            XCTAssertEqual(size(h), 5)
            XCTAssertEqual(SetFilePointer(h, 8, nil, DWORD(FILE_BEGIN)), 8)
            XCTAssertTrue(SetEndOfFile(h))
            XCTAssertEqual(GetFileSize(h, nil), 8)
            // Writing past the end fills the gap with zeros.
            XCTAssertEqual(SetFilePointer(h, 10, nil, DWORD(FILE_BEGIN)), 10)
            XCTAssertEqual(writeAll(h, "!"), 1)
            XCTAssertTrue(FlushFileBuffers(h))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\log.txt"#), bytes("hello") + [0, 0, 0, 0, 0] + bytes("!"))
    }

    /// F-EOF-2 and F-RW-16: a synchronous handle given an `OVERLAPPED` reads at its offset and
    /// leaves the position at offset + bytes; at or past the end it fails with
    /// `ERROR_HANDLE_EOF`; `Offset = OffsetHigh = 0xFFFFFFFF` appends.
    func testSynchronousHandleWithAnOverlapped() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("abcdefgh"), of: #"C:\f.bin"#)
        let memory = scenarioMemory()
        sim.run {
            let h = create(#"C:\f.bin"#, readWrite, DWORD(OPEN_EXISTING))
            let ov = memory.overlapped(offset: 2)
            let buffer = memory.buffer(8)
            var read: DWORD = 0
            XCTAssertTrue(ReadFile(h, buffer, 3, &read, ov))
            XCTAssertEqual(read, 3)
            XCTAssertEqual(string(buffer, 3), "cde")
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 3)
            XCTAssertEqual(position(h), 5)
            let atEnd = memory.overlapped(offset: 8)
            read = 0xDEAD
            XCTAssertFalse(ReadFile(h, buffer, 3, &read, atEnd))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_HANDLE_EOF))
            XCTAssertEqual(read, 0)
            // Zero-length reads at the end are not an error (F-RW-14).
            let zero = memory.overlapped(offset: 8)
            XCTAssertTrue(ReadFile(h, buffer, 0, &read, zero))
            XCTAssertEqual(internalStatus(zero), STATUS_SUCCESS)

            let append = memory.overlapped()
            append.pointee.Offset = 0xFFFF_FFFF
            append.pointee.OffsetHigh = 0xFFFF_FFFF
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(h, bytes("++"), 2, &written, append))
            XCTAssertEqual(written, 2)
            XCTAssertEqual(position(h), 10)
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\f.bin"#), bytes("abcdefgh++"))
    }

    // MARK: - Overlapped handles

    /// F-RW-4, F-EOF-3: an overlapped read of a disk file pends (Vista and later) and completes
    /// when the disk is done, `latency` later; at the end of the file it pends too and then
    /// fails with `ERROR_HANDLE_EOF` (`Internal` `STATUS_END_OF_FILE`, `InternalHigh` 0), which a
    /// completion port reports as `FALSE` with the `OVERLAPPED` (F-EOF-4). A zero-length read
    /// at the end succeeds (F-RW-14). The file pointer never moves (F-RW-16); a read without an
    /// `OVERLAPPED` is `ERROR_INVALID_PARAMETER` (F-RW-15).
    func testOverlappedReadsPendAndReportEndOfFileAfterPending() {
        let sim = Simulation()
        sim.fileSystem.latency = .milliseconds(8)
        sim.fileSystem.setContents(bytes("0123456789"), of: #"C:\data.bin"#)
        let memory = scenarioMemory()
        sim.run {
            let h = create(#"C:\data.bin"#, GENERIC_READ, DWORD(OPEN_EXISTING), overlapped: true)
            let port = CreateIoCompletionPort(h, nil, 5, 0)
            let ov = memory.overlapped(event: manualEvent(), offset: 4)
            let buffer = memory.buffer(16)
            var read: DWORD = 0xDEAD
            XCTAssertFalse(ReadFile(h, buffer, 16, &read, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(sim.fileSystem.pending.count, 1)
            var transferred: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &transferred, true))
            XCTAssertEqual(transferred, 6)
            XCTAssertEqual(string(buffer, 6), "456789")
            XCTAssertEqual(GetTickCount64(), 8)

            let eof = memory.overlapped(offset: 10)
            XCTAssertFalse(ReadFile(h, buffer, 16, &read, eof))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            var packetBytes: DWORD = 0xFFFF
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            // The packet of the first read (with an event, so not thread-agnostic) is first.
            XCTAssertTrue(GetQueuedCompletionStatus(port, &packetBytes, &key, &dequeued, INFINITE))
            XCTAssertEqual(dequeued, ov)
            XCTAssertFalse(GetQueuedCompletionStatus(port, &packetBytes, &key, &dequeued, INFINITE))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_HANDLE_EOF))
            XCTAssertEqual(dequeued, eof)
            XCTAssertEqual(key, 5)
            XCTAssertEqual(packetBytes, 0)
            XCTAssertEqual(internalStatus(eof), STATUS_END_OF_FILE)
            XCTAssertEqual(eof.pointee.InternalHigh, 0)
            XCTAssertEqual(GetTickCount64(), 16)

            let zero = memory.overlapped(event: manualEvent(), offset: 10)
            XCTAssertFalse(ReadFile(h, buffer, 0, &read, zero))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertTrue(GetOverlappedResult(h, zero, &transferred, true))
            XCTAssertEqual(transferred, 0)
            XCTAssertEqual(internalStatus(zero), STATUS_SUCCESS)

            XCTAssertEqual(position(h), 0)
            XCTAssertFalse(ReadFile(h, buffer, 4, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertTrue(GetQueuedCompletionStatus(port, &packetBytes, &key, &dequeued, 0))
            XCTAssertEqual(dequeued, zero)
            for handle in [h, port, ov.pointee.hEvent, zero.pointee.hEvent] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// With a latency, overlapped writes race: they are performed in the order the disk
    /// finishes them (issue order, for equal latencies), and a read issued before a write that
    /// lands first sees the old data. A pending write can be cancelled (`ERROR_OPERATION_ABORTED`,
    /// nothing written).
    func testOverlappedWritesRaceAndCanBeCancelled() {
        let sim = Simulation()
        sim.fileSystem.latency = .milliseconds(5)
        let memory = scenarioMemory()
        sim.run {
            let h = create(#"C:\race.bin"#, readWrite, DWORD(CREATE_NEW), overlapped: true)
            let w1 = memory.overlapped(event: manualEvent(), offset: 0)
            let r = memory.overlapped(event: manualEvent(), offset: 0)
            let w2 = memory.overlapped(event: manualEvent(), offset: 0)
            let buffer = memory.buffer(4)
            XCTAssertFalse(WriteFile(h, bytes("AAAA"), 4, nil, w1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertFalse(ReadFile(h, buffer, 4, nil, r))
            XCTAssertFalse(WriteFile(h, bytes("BBBB"), 4, nil, w2))
            XCTAssertEqual(size(h), 0, "nothing is on the disk yet")
            var handles: [HANDLE?] = [w1.pointee.hEvent, r.pointee.hEvent, w2.pointee.hEvent]
            XCTAssertEqual(WaitForMultipleObjects(3, &handles, true, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(string(buffer, 4), "AAAA", "the read ran after the first write and before the second")
            XCTAssertEqual(GetTickCount64(), 5)

            let w3 = memory.overlapped(event: manualEvent(), offset: 100)
            XCTAssertFalse(WriteFile(h, bytes("CC"), 2, nil, w3))
            XCTAssertTrue(CancelIoEx(h, w3))
            XCTAssertEqual(internalStatus(w3), STATUS_CANCELLED)
            var transferred: DWORD = 0xFFFF
            XCTAssertFalse(GetOverlappedResult(h, w3, &transferred, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(transferred, 0)
            Sleep(20)
            XCTAssertEqual(size(h), 4)
            XCTAssertEqual(sim.pendingDeviceEvents.count, 0, "the cancelled write's disk event went with it")
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\race.bin"#), bytes("BBBB"))
    }

    /// F-RW-4: with `completesOverlappedIOSynchronously`, an overlapped read returns `TRUE` at
    /// once, and still notifies (F-RW-3); a read at the end then fails at once with
    /// `ERROR_HANDLE_EOF`, notifying nothing (the pre-Vista behaviour, F-EOF-3 `broken`).
    func testOverlappedIOThatCompletesSynchronously() {
        let sim = Simulation()
        sim.fileSystem.completesOverlappedIOSynchronously = true
        sim.fileSystem.setContents(bytes("cached"), of: #"C:\cached.txt"#)
        let memory = scenarioMemory()
        sim.run {
            let h = create(#"C:\cached.txt"#, GENERIC_READ, DWORD(OPEN_EXISTING), overlapped: true)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(8)
            var read: DWORD = 0
            XCTAssertTrue(ReadFile(h, buffer, 8, &read, ov))
            XCTAssertEqual(read, 6)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
            let eof = memory.overlapped(event: manualEvent(), offset: 6)
            XCTAssertFalse(ReadFile(h, buffer, 8, &read, eof))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_HANDLE_EOF))
            XCTAssertEqual(internalStatus(eof), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(eof.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(CloseHandle(h))
        }
    }

    // MARK: - Deleting

    /// `DeleteFileW`: a file open without `FILE_SHARE_DELETE` cannot be deleted
    /// (`ERROR_SHARING_VIOLATION`); one open with it is marked for deletion and goes when its
    /// last handle closes, new opens failing meanwhile with `ERROR_ACCESS_DENIED`; a missing
    /// file is `ERROR_FILE_NOT_FOUND`. `FILE_FLAG_DELETE_ON_CLOSE` deletes at the last close.
    func testDeleteFile() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("x"), of: #"C:\tmp\d.txt"#)
        sim.run {
            let path = #"C:\tmp\d.txt"#
            let wide = Array(path.utf16) + [0]
            let locked = create(path, GENERIC_READ, share: DWORD(FILE_SHARE_READ), DWORD(OPEN_EXISTING))
            XCTAssertFalse(DeleteFileW(wide))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SHARING_VIOLATION))
            XCTAssertTrue(CloseHandle(locked))

            let shared = create(path, GENERIC_READ, share: DWORD(FILE_SHARE_READ | FILE_SHARE_DELETE), DWORD(OPEN_EXISTING))
            XCTAssertTrue(DeleteFileW(wide))
            XCTAssertTrue(sim.fileSystem.fileExists(path))
            XCTAssertTrue(sim.fileSystem.isDeletePending(path))
            XCTAssertEqual(create(path, GENERIC_READ, share: 7, DWORD(OPEN_EXISTING)), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertEqual(readSome(shared, 4), "x", "the open handle still reads")
            XCTAssertTrue(CloseHandle(shared))
            XCTAssertFalse(sim.fileSystem.fileExists(path))
            XCTAssertFalse(DeleteFileA(path))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertFalse(DeleteFileA(nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))

            let temporary = CreateFileA(#"C:\tmp\t.txt"#, readWrite, 0, nil, DWORD(CREATE_NEW), DWORD(FILE_FLAG_DELETE_ON_CLOSE), nil)
            XCTAssertTrue(sim.fileSystem.fileExists(#"C:\tmp\t.txt"#))
            XCTAssertTrue(CloseHandle(temporary))
            XCTAssertFalse(sim.fileSystem.fileExists(#"C:\tmp\t.txt"#))
        }
        XCTAssertEqual(sim.fileSystem.paths, [])
    }

    /// Bad input never crashes: file calls on handles that are not files, writes at absurd
    /// offsets, and moves of a pipe's position get the Win32 errors.
    func testBadInputOnFiles() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let event = manualEvent()
            var size = LARGE_INTEGER()
            XCTAssertFalse(GetFileSizeEx(event, &size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(GetFileSizeEx(nil, &size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertEqual(SetFilePointer(nil, 0, nil, DWORD(FILE_BEGIN)), INVALID_SET_FILE_POINTER)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(SetEndOfFile(event))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            let server = createPipeServer("not-a-file")
            XCTAssertFalse(GetFileSizeEx(server, &size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertFalse(SetEndOfFile(server))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertEqual(CreateFileA(#"\\server\share\x"#, GENERIC_READ, 0, nil, DWORD(OPEN_ALWAYS), 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            // The root is a directory: without FILE_FLAG_BACKUP_SEMANTICS kernelbase asks for a
            // non-directory (FILE_NON_DIRECTORY_FILE), and the file system refuses
            // (STATUS_FILE_IS_A_DIRECTORY, ERROR_ACCESS_DENIED; Microsoft's CreateFileW page,
            // "Directories").
            XCTAssertEqual(CreateFileA(#"C:\"#, GENERIC_READ, 0, nil, DWORD(OPEN_ALWAYS), 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))

            let h = CreateFileA(#"C:\huge.bin"#, readWrite, 0, nil, DWORD(CREATE_NEW), 0, nil)
            let far = memory.overlapped(offset: 0x7FFF_FFFF_0000)
            var written: DWORD = 0xDEAD
            XCTAssertFalse(WriteFile(h, bytes("x"), 1, &written, far))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_DISK_FULL))
            XCTAssertEqual(written, 0)
            let readOnly = CreateFileA(#"C:\ro.bin"#, GENERIC_READ, 0, nil, DWORD(CREATE_NEW), 0, nil)
            XCTAssertFalse(WriteFile(readOnly, bytes("x"), 1, &written, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertFalse(SetEndOfFile(readOnly))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertFalse(FlushFileBuffers(readOnly))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            for handle in [event, server, h, readOnly] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\huge.bin"#), [])
    }

    // MARK: - Helpers

    private func writeAll(_ h: HANDLE?, _ text: String) -> DWORD {
        var written: DWORD = 0
        XCTAssertTrue(WriteFile(h, bytes(text), DWORD(text.utf8.count), &written, nil))
        return written
    }

    private func readSome(_ h: HANDLE?, _ count: Int) -> String {
        var buffer = [UInt8](repeating: 0, count: count)
        var read: DWORD = 0
        XCTAssertTrue(ReadFile(h, &buffer, DWORD(count), &read, nil))
        return String(decoding: buffer.prefix(Int(read)), as: UTF8.self)
    }

    private func size(_ h: HANDLE?) -> Int64 {
        var size = LARGE_INTEGER()
        XCTAssertTrue(GetFileSizeEx(h, &size))
        return size.QuadPart
    }

    private func position(_ h: HANDLE?) -> Int64 {
        var position = LARGE_INTEGER()
        XCTAssertTrue(SetFilePointerEx(h, LARGE_INTEGER(), &position, DWORD(FILE_CURRENT)))
        return position.QuadPart
    }
}
