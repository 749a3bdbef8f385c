import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// The messages a `CopyFile2` progress routine saw, and the action it answers at one of them.
private final class ProgressLog {
    var messages: [String] = []
    var answerAt: Int?
    var answer = COPYFILE2_PROGRESS_CONTINUE
    var cancelFlag: UnsafeMutablePointer<WindowsBool>?
}

/// The progress routine: a C function, so its state comes through `pvCallbackContext`.
private let progress: PCOPYFILE2_PROGRESS_ROUTINE = { message, context in
    guard let message, let context else { return COPYFILE2_PROGRESS_CANCEL }
    let log = Unmanaged<ProgressLog>.fromOpaque(context).takeUnretainedValue()
    let info = message.pointee.Info
    switch message.pointee.Type {
    case COPYFILE2_CALLBACK_STREAM_STARTED:
        log.messages.append("stream \(info.StreamStarted.dwStreamNumber) started, \(info.StreamStarted.uliStreamSize.QuadPart) bytes")
    case COPYFILE2_CALLBACK_CHUNK_STARTED:
        log.messages.append("chunk \(info.ChunkStarted.uliChunkNumber.QuadPart) started, \(info.ChunkStarted.uliChunkSize.QuadPart) bytes")
    case COPYFILE2_CALLBACK_CHUNK_FINISHED:
        log.messages.append("chunk \(info.ChunkFinished.uliChunkNumber.QuadPart) finished, \(info.ChunkFinished.uliTotalBytesTransferred.QuadPart) done")
    case COPYFILE2_CALLBACK_STREAM_FINISHED:
        log.messages.append("stream finished, \(info.StreamFinished.uliStreamBytesTransferred.QuadPart) done")
    default:
        log.messages.append("type \(message.pointee.Type.rawValue)")
    }
    if log.messages.count == log.answerAt {
        if let flag = log.cancelFlag {
            flag.pointee = true
            return COPYFILE2_PROGRESS_CONTINUE
        }
        return log.answer
    }
    return COPYFILE2_PROGRESS_CONTINUE
}

/// What a progress routine sees of the handles in its messages: each message's handles, and
/// what the routine learns through them.
private final class HandleLog {
    var handles: [[HANDLE?]] = []
    var seen: [String] = []
}

/// A routine that looks at the source and destination through the handles it is given.
private let handleProgress: PCOPYFILE2_PROGRESS_ROUTINE = { message, context in
    guard let message, let context else { return COPYFILE2_PROGRESS_CANCEL }
    let log = Unmanaged<HandleLog>.fromOpaque(context).takeUnretainedValue()
    let info = message.pointee.Info
    let pair: [HANDLE?]
    switch message.pointee.Type {
    case COPYFILE2_CALLBACK_STREAM_STARTED: pair = [info.StreamStarted.hSourceFile, info.StreamStarted.hDestinationFile]
    case COPYFILE2_CALLBACK_CHUNK_STARTED: pair = [info.ChunkStarted.hSourceFile, info.ChunkStarted.hDestinationFile]
    case COPYFILE2_CALLBACK_CHUNK_FINISHED: pair = [info.ChunkFinished.hSourceFile, info.ChunkFinished.hDestinationFile]
    case COPYFILE2_CALLBACK_STREAM_FINISHED: pair = [info.StreamFinished.hSourceFile, info.StreamFinished.hDestinationFile]
    default: pair = []
    }
    log.handles.append(pair)
    if message.pointee.Type == COPYFILE2_CALLBACK_STREAM_STARTED {
        for handle in pair {
            var path = [WCHAR](repeating: 0, count: 128)
            let length = GetFinalPathNameByHandleW(handle, &path, 128, 0)
            var size = LARGE_INTEGER()
            let sized = GetFileSizeEx(handle, &size)
            log.seen.append("\(String(decoding: path.prefix(Int(length)), as: UTF16.self)), \(sized ? "\(size.QuadPart) bytes" : "no size")")
        }
    }
    return COPYFILE2_PROGRESS_CONTINUE
}

/// `CopyFile2` on the simulated volume: the results and last errors of Wine's kernel32
/// `file.c` test_CopyFile2, and the progress routine's messages and answers (CopyFile2 and
/// `COPYFILE2_MESSAGE_ACTION` in Microsoft's documentation).
final class CopyFile2Tests: XCTestCase {
    private static let source = #"C:\Users\User\AppData\Local\Temp\pfx1.tmp"#
    private static let destination = #"C:\Users\User\AppData\Local\Temp\pfx2.tmp"#

    private func copy(_ source: String, _ destination: String, flags: DWORD = 0, size: DWORD? = nil,
                      log: ProgressLog? = nil) -> String
    {
        var parameters = COPYFILE2_EXTENDED_PARAMETERS()
        parameters.dwSize = size ?? DWORD(MemoryLayout<COPYFILE2_EXTENDED_PARAMETERS>.size)
        parameters.dwCopyFlags = flags
        if let log {
            parameters.pProgressRoutine = progress
            parameters.pvCallbackContext = Unmanaged.passUnretained(log).toOpaque()
            parameters.pfCancel = log.cancelFlag
        }
        SetLastError(0xDEADBEEF)
        let hr = wide(source).withUnsafeBufferPointer { from in
            wide(destination).withUnsafeBufferPointer { to in CopyFile2(from.baseAddress, to.baseAddress, &parameters) }
        }
        return "0x\(String(UInt32(bitPattern: hr), radix: 16)) \(hr == 0 ? "" : win32ErrorName(GetLastError()))"
    }

    private func open(_ path: String, _ access: DWORD, _ share: Int32) -> HANDLE? {
        CreateFileA(path, access, DWORD(share), nil, DWORD(OPEN_EXISTING), 0, nil)
    }

    /// test_CopyFile2's sequence: an existing destination with `COPY_FILE_FAIL_IF_EXISTS`
    /// (`ERROR_FILE_EXISTS`), a copy onto itself, from a source open without read sharing and to
    /// a destination open without write sharing (`ERROR_SHARING_VIOLATION`), a missing source
    /// (`ERROR_FILE_NOT_FOUND`), and the copies that succeed; each failure's `HRESULT` is
    /// `HRESULT_FROM_WIN32` of the last error. A wrong `dwSize` is `E_INVALIDARG` (`HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER)`).
    func testTheResultsOfWinesTestCopyFile2() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("pfx\0".utf8), of: Self.source)
        sim.fileSystem.setContents([], of: Self.destination)
        var results: [String] = []
        sim.run {
            results.append("fail if exists: \(copy(Self.source, Self.destination, flags: DWORD(COPY_FILE_FAIL_IF_EXISTS)))")
            results.append("over it: \(copy(Self.source, Self.destination))")
            results.append("onto itself: \(copy(Self.source, Self.source))")
            var handle = open(Self.source, GENERIC_READ, FILE_SHARE_WRITE)
            results.append("read-locked source: \(copy(Self.source, Self.destination))")
            results.append("missing source: \(copy(#"C:\doesntexist"#, Self.destination))")
            XCTAssertTrue(CloseHandle(handle))
            handle = open(Self.source, GENERIC_READ | DWORD(GENERIC_WRITE), FILE_SHARE_READ)
            results.append("r+w source sharing read: \(copy(Self.source, Self.destination))")
            XCTAssertTrue(CloseHandle(handle))
            handle = open(Self.destination, DWORD(GENERIC_WRITE), FILE_SHARE_READ)
            results.append("write-locked destination: \(copy(Self.source, Self.destination))")
            XCTAssertTrue(CloseHandle(handle))
            handle = open(Self.destination, GENERIC_READ | DWORD(GENERIC_WRITE), FILE_SHARE_WRITE)
            results.append("destination sharing write: \(copy(Self.source, Self.destination))")
            XCTAssertTrue(CloseHandle(handle))
            results.append("dwSize 0: \(copy(Self.source, Self.destination, size: 0))")
        }
        XCTAssertEqual(results, [
            "fail if exists: 0x80070050 ERROR_FILE_EXISTS",
            "over it: 0x0 ",
            "onto itself: 0x80070020 ERROR_SHARING_VIOLATION",
            "read-locked source: 0x80070020 ERROR_SHARING_VIOLATION",
            "missing source: 0x80070002 ERROR_FILE_NOT_FOUND",
            "r+w source sharing read: 0x0 ",
            "write-locked destination: 0x80070020 ERROR_SHARING_VIOLATION",
            "destination sharing write: 0x0 ",
            "dwSize 0: 0x80070057 ERROR_INVALID_PARAMETER",
        ])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.destination), Array("pfx\0".utf8))
    }

    /// test_CopyFile2's times: the source's last-write time moved back 60 seconds with
    /// `SetFileTime` (read back with `GetFileTime`) is the copy's last-write time. `SetFileTime`
    /// needs write access.
    func testTheCopyKeepsTheLastWriteTimeSetFileTimeGaveTheSource() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("pfx\0".utf8), of: Self.source)
        var times: [String] = []
        sim.run {
            let handle = open(Self.source, DWORD(GENERIC_WRITE), 0)
            var ft1 = FILETIME()
            XCTAssertTrue(GetFileTime(handle, nil, nil, &ft1))
            ft1.dwLowDateTime &-= 600_000_000  // 60 seconds
            times.append("SetFileTime: \(result(SetFileTime(handle, nil, nil, &ft1)))")
            XCTAssertTrue(GetFileTime(handle, nil, nil, &ft1))
            XCTAssertTrue(CloseHandle(handle))
            let reader = open(Self.source, GENERIC_READ, FILE_SHARE_READ)
            times.append("read-only handle: \(result(SetFileTime(reader, nil, nil, &ft1)))")
            XCTAssertTrue(CloseHandle(reader))
            times.append("copy: \(copy(Self.source, Self.destination))")
            let copied = open(Self.destination, GENERIC_READ, FILE_SHARE_READ)
            var ft2 = FILETIME()
            XCTAssertTrue(GetFileTime(copied, nil, nil, &ft2))
            XCTAssertTrue(CloseHandle(copied))
            times.append("same last-write time: \(CompareFileTime(&ft1, &ft2) == 0), 60 s before the start: \(UInt64(ft2.dwHighDateTime) << 32 | UInt64(ft2.dwLowDateTime) == FileTime.simulationStart - 600_000_000)")
        }
        XCTAssertEqual(times, ["SetFileTime: TRUE", "read-only handle: ERROR_ACCESS_DENIED", "copy: 0x0 ",
                               "same last-write time: true, 60 s before the start: true"])
    }

    private func result(_ ok: Bool) -> String { ok ? "TRUE" : win32ErrorName(GetLastError()) }

    /// A copy of 2.5 MiB reports its stream and three chunks of up to 1 MiB to the progress
    /// routine, in order, with the bytes done so far. Answering `CANCEL` after the second chunk
    /// ends the copy with `ERROR_REQUEST_ABORTED` and deletes the destination; `STOP` ends it the
    /// same way but leaves the destination; `*pfCancel` set by the routine cancels as `CANCEL`
    /// does.
    func testProgressMessagesAndTheRoutinesAnswers() {
        let sim = checkedSimulation()
        let payload = (0..<(5 << 19)).map { UInt8(truncatingIfNeeded: $0) }
        sim.fileSystem.setContents(payload, of: Self.source)
        var results: [String] = []
        let full = ProgressLog(), cancelled = ProgressLog(), stopped = ProgressLog(), flagged = ProgressLog()
        cancelled.answerAt = 4
        cancelled.answer = COPYFILE2_PROGRESS_CANCEL
        stopped.answerAt = 4
        stopped.answer = COPYFILE2_PROGRESS_STOP
        flagged.answerAt = 2
        let flag = UnsafeMutablePointer<WindowsBool>.allocate(capacity: 1)
        defer { flag.deallocate() }
        flag.initialize(to: false)
        flagged.cancelFlag = flag
        sim.run {
            results.append("full: \(copy(Self.source, Self.destination, log: full))")
            results.append("exists afterwards: \(sim.fileSystem.fileExists(Self.destination))")
            XCTAssertTrue(wide(Self.destination).withUnsafeBufferPointer { DeleteFileW($0.baseAddress) })
            results.append("cancel: \(copy(Self.source, Self.destination, log: cancelled))")
            results.append("exists afterwards: \(sim.fileSystem.fileExists(Self.destination))")
            results.append("stop: \(copy(Self.source, Self.destination, log: stopped))")
            results.append("exists afterwards: \(sim.fileSystem.fileExists(Self.destination))")
            results.append("pfCancel: \(copy(Self.source, Self.destination, log: flagged))")
            results.append("exists afterwards: \(sim.fileSystem.fileExists(Self.destination))")
        }
        XCTAssertEqual(full.messages, [
            "stream 1 started, 2621440 bytes",
            "chunk 0 started, 1048576 bytes", "chunk 0 finished, 1048576 done",
            "chunk 1 started, 1048576 bytes", "chunk 1 finished, 2097152 done",
            "chunk 2 started, 524288 bytes", "chunk 2 finished, 2621440 done",
            "stream finished, 2621440 done",
        ])
        XCTAssertEqual(cancelled.messages, Array(full.messages.prefix(4)))
        XCTAssertEqual(stopped.messages, Array(full.messages.prefix(4)))
        XCTAssertEqual(flagged.messages, Array(full.messages.prefix(2)))
        XCTAssertEqual(results, [
            "full: 0x0 ", "exists afterwards: true",
            "cancel: 0x800704d3 ERROR_REQUEST_ABORTED", "exists afterwards: false",
            "stop: 0x800704d3 ERROR_REQUEST_ABORTED", "exists afterwards: true",
            "pfCancel: 0x800704d3 ERROR_REQUEST_ABORTED", "exists afterwards: false",
        ])
    }

    /// Every message carries the copy's own handles to the source and the destination
    /// (COPYFILE2_MESSAGE's `hSourceFile`, `hDestinationFile`): the same two in each message,
    /// handles of the calling process that the routine can query (their final paths, their
    /// sizes), closed when `CopyFile2` returns.
    func testTheMessagesCarryTheCopysOwnHandles() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("pfx\0".utf8), of: Self.source)
        let log = HandleLog()
        var results: [String] = []
        sim.run {
            var parameters = COPYFILE2_EXTENDED_PARAMETERS()
            parameters.dwSize = DWORD(MemoryLayout<COPYFILE2_EXTENDED_PARAMETERS>.size)
            parameters.pProgressRoutine = handleProgress
            parameters.pvCallbackContext = Unmanaged.passUnretained(log).toOpaque()
            let hr = wide(Self.source).withUnsafeBufferPointer { from in
                wide(Self.destination).withUnsafeBufferPointer { to in CopyFile2(from.baseAddress, to.baseAddress, &parameters) }
            }
            results.append("copy: 0x\(String(UInt32(bitPattern: hr), radix: 16))")
            let first = log.handles.first ?? []
            results.append("messages: \(log.handles.count), two handles each, the same: \(log.handles.allSatisfy { $0 == first } && first.count == 2)")
            results.append("distinct and not null: \(first.count == 2 && first[0] != nil && first[1] != nil && first[0] != first[1])")
            for handle in first {
                results.append("closed afterwards: \(CloseHandle(handle) ? "no" : win32ErrorName(GetLastError()))")
            }
        }
        XCTAssertEqual(log.seen, [
            #"\\?\C:\Users\User\AppData\Local\Temp\pfx1.tmp, 4 bytes"#,
            #"\\?\C:\Users\User\AppData\Local\Temp\pfx2.tmp, 4 bytes"#,
        ])
        XCTAssertEqual(results, [
            "copy: 0x0",
            "messages: 4, two handles each, the same: true",
            "distinct and not null: true",
            "closed afterwards: ERROR_INVALID_HANDLE",
            "closed afterwards: ERROR_INVALID_HANDLE",
        ])
    }
}
