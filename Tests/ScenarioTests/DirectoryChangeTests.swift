import IOKernel
import IOScenarios
import Win32Surface
import XCTest

/// What the completion routines of these tests were told, in order.
nonisolated(unsafe) private var watchRoutineCalls: [String] = []

private let recordWatch: LPOVERLAPPED_COMPLETION_ROUTINE = { error, bytes, overlapped in
    let event = overlapped.map { UInt(bitPattern: $0.pointee.hEvent) } ?? 0
    watchRoutineCalls.append("error \(error), \(bytes) bytes, hEvent 0x\(String(event, radix: 16))")
}

/// The `FILE_NOTIFY_INFORMATION` records in `buffer`, as "ACTION name" lines, and the byte
/// count they span (the end of the last name).
func notifyRecords(_ buffer: UnsafeRawPointer) -> (records: [String], length: Int) {
    let actions = ["?", "ADDED", "REMOVED", "MODIFIED", "RENAMED_OLD_NAME", "RENAMED_NEW_NAME"]
    var records: [String] = []
    var offset = 0
    while true {
        let record = buffer + offset
        let next = Int(record.load(as: DWORD.self))
        let action = Int(record.load(fromByteOffset: 4, as: DWORD.self))
        let nameLength = Int(record.load(fromByteOffset: 8, as: DWORD.self))
        let units = (0..<nameLength / 2).map { record.load(fromByteOffset: 12 + 2 * $0, as: UInt16.self) }
        records.append("\(action < actions.count ? actions[action] : "\(action)") \(String(decoding: units, as: UTF16.self))")
        if next == 0 { return (records, offset + 12 + nameLength) }
        offset += next
    }
}

/// `ReadDirectoryChangesW` on the simulated volume (issue 11, "Directories and change
/// notification"), in its three completion styles, as Wine's `kernel32/tests/change.c` pins it
/// on Windows and as the WDK's `FsRtlNotifyFullChangeDirectory` describes the watch.
final class DirectoryChangeTests: XCTestCase {
    private let temp = #"C:\Users\User\AppData\Local\Temp\"#
    private let everything = DWORD(FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME | FILE_NOTIFY_CHANGE_ATTRIBUTES
        | FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_LAST_ACCESS | FILE_NOTIFY_CHANGE_CREATION
        | FILE_NOTIFY_CHANGE_SECURITY)

    private func openDirectory(_ path: String, overlapped: Bool = true) -> HANDLE? {
        CreateFileW(wide(path), GENERIC_READ | DWORD(SYNCHRONIZE) | DWORD(FILE_LIST_DIRECTORY), DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE),
                    nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_BACKUP_SEMANTICS) | (overlapped ? DWORD(FILE_FLAG_OVERLAPPED) : 0), nil)
    }

    /// Wine's test_readdirectorychanges, step by step: parameters checked (a null handle, a
    /// filter of 0 or -1: `ERROR_INVALID_PARAMETER`); a watch returns `TRUE` with `Internal`
    /// `STATUS_PENDING` and `InternalHigh` untouched, resets the event, and completes with one
    /// 0x12-byte record for `hoo`; the first call's recursive filter stays (a later
    /// non-recursive, size-only call still reports `hoo`'s removal and `hoo\ga`'s creation); a
    /// buffer too small gives `STATUS_NOTIFY_ENUM_DIR` and 0 bytes; a change made between calls
    /// is delivered by the next call, the byte count ending at the last name. Closing the handle
    /// completes a waiting watch with `STATUS_NOTIFY_CLEANUP` and 0 bytes, setting the event; it
    /// is informational, so `GetOverlappedResult` returns `TRUE` (as it does for
    /// `STATUS_NOTIFY_ENUM_DIR`, with 0 bytes).
    func testWatchWithAnEventAsWinesChangeTestRunsIt() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let boo = temp + "boo", hoo = boo + #"\hoo"#, ga = hoo + #"\ga"#
            XCTAssertTrue(CreateDirectoryW(wide(boo), nil))
            SetLastError(0xD0B0_0B00)
            XCTAssertFalse(ReadDirectoryChangesW(nil, nil, 0, false, 0, nil, nil, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            let h = openDirectory(boo)
            XCTAssertNotEqual(h, INVALID_HANDLE_VALUE)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(0x1000)
            XCTAssertFalse(ReadDirectoryChangesW(h, nil, 0, false, 0, nil, nil, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(ReadDirectoryChangesW(h, nil, 0, false, 0, nil, ov, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(ReadDirectoryChangesW(h, buffer, 0x1000, false, 0xFFFF_FFFF, nil, ov, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 0x1000, true, everything, nil, ov, nil))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 10), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(sim.fileSystem.waitingWatches.count, 1)
            XCTAssertTrue(CreateDirectoryW(wide(hoo), nil))
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 1000), WAIT_OBJECT_0)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 0x12)
            XCTAssertEqual(notifyRecords(buffer).records, ["ADDED hoo"])

            // A later call with other parameters: the watch keeps the first call's.
            XCTAssertTrue(SetEvent(ov.pointee.hEvent))
            ov.pointee.Internal = 1
            ov.pointee.InternalHigh = 1
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 0x1000, false, DWORD(FILE_NOTIFY_CHANGE_SIZE), nil, ov, nil))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(ov.pointee.InternalHigh, 1)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT), "the call reset the event")
            XCTAssertTrue(RemoveDirectoryW(wide(hoo)))
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 1000), WAIT_OBJECT_0)
            var count: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &count, true))
            XCTAssertEqual(count, 0x12)
            XCTAssertEqual(notifyRecords(buffer).records, ["REMOVED hoo"])

            // A buffer too small for the record.
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 0x10, false, DWORD(FILE_NOTIFY_CHANGE_SIZE), nil, ov, nil))
            XCTAssertTrue(CreateDirectoryW(wide(hoo), nil))
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 1000), WAIT_OBJECT_0)
            XCTAssertEqual(internalStatus(ov), STATUS_NOTIFY_ENUM_DIR)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            // An informational status: GetOverlappedResult tests NT_SUCCESS, so TRUE with 0 bytes
            // (Microsoft's ReadDirectoryChangesW page: on overflow "lpBytesReturned ... zero").
            count = 0xFFFF
            XCTAssertTrue(GetOverlappedResult(h, ov, &count, false))
            XCTAssertEqual(count, 0)

            // The subtree is watched, as the first call asked.
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 0x1000, false, DWORD(FILE_NOTIFY_CHANGE_SIZE), nil, ov, nil))
            XCTAssertTrue(CreateDirectoryW(wide(ga), nil))
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 1000), WAIT_OBJECT_0)
            XCTAssertEqual(notifyRecords(buffer).records, [#"ADDED hoo\ga"#])

            // Changes while no call waits are kept for the next one, which completes at once.
            XCTAssertTrue(RemoveDirectoryW(wide(ga)))
            ov.pointee.Internal = 1
            ov.pointee.InternalHigh = 1
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 0x1000, false, DWORD(FILE_NOTIFY_CHANGE_SIZE), nil, ov, nil))
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            let (records, length) = notifyRecords(buffer)
            XCTAssertEqual(records, [#"REMOVED hoo\ga"#])
            XCTAssertEqual(ov.pointee.InternalHigh, ULONG_PTR(length))
            XCTAssertEqual(length, 24)

            // Closing the handle ends a waiting watch with STATUS_NOTIFY_CLEANUP and 0 bytes.
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 0x1000, false, DWORD(FILE_NOTIFY_CHANGE_SIZE), nil, ov, nil))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertTrue(CloseHandle(h))
            XCTAssertEqual(internalStatus(ov), STATUS_NOTIFY_CLEANUP)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
            count = 0xFFFF
            XCTAssertTrue(GetOverlappedResult(h, ov, &count, false), "STATUS_NOTIFY_CLEANUP is a success")
            XCTAssertEqual(count, 0)
            XCTAssertTrue(RemoveDirectoryW(wide(hoo)))
            XCTAssertTrue(RemoveDirectoryW(wide(boo)))
            XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// One operation's records complete one call together, aligned on DWORDs: a rename in one
    /// directory is `RENAMED_OLD_NAME` then `RENAMED_NEW_NAME`. Kept changes that outgrow the
    /// first call's buffer are dropped, and the next call completes with
    /// `STATUS_NOTIFY_ENUM_DIR` and 0 bytes (Microsoft's ReadDirectoryChangesW page: "the entire
    /// contents of the buffer are discarded"); a watch with a null buffer gets it for any
    /// change (Wine's test_readdirectorychanges_null). After that the watch starts afresh.
    func testRenamesAndOverflow() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("x"), of: #"C:\w\a.txt"#)
        let memory = scenarioMemory()
        sim.run {
            let h = openDirectory(#"C:\w"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            let names = DWORD(FILE_NOTIFY_CHANGE_FILE_NAME)
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 64, false, names, nil, ov, nil))
            XCTAssertTrue(MoveFileW(wide(#"C:\w\a.txt"#), wide(#"C:\w\bb.txt"#)))
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(notifyRecords(buffer).records, ["RENAMED_OLD_NAME a.txt", "RENAMED_NEW_NAME bb.txt"])
            XCTAssertEqual(buffer.load(as: DWORD.self), 24, "12 + 10 bytes, rounded up to a DWORD")
            XCTAssertEqual(ov.pointee.InternalHigh, 24 + 12 + 12)

            // Three creations of 12 + 20 bytes each do not fit the first call's 64 bytes.
            for name in ["first.txt", "other.txt", "third.txt"] {
                XCTAssertTrue(CloseHandle(CreateFileW(wide(#"C:\w\"# + name), DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)))
            }
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 64, false, names, nil, ov, nil))
            XCTAssertEqual(internalStatus(ov), STATUS_NOTIFY_ENUM_DIR)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 64, false, names, nil, ov, nil))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING, "nothing kept after the overflow")
            XCTAssertTrue(DeleteFileW(wide(#"C:\w\first.txt"#)))
            XCTAssertEqual(notifyRecords(buffer).records, ["REMOVED first.txt"])
            XCTAssertTrue(CloseHandle(h))

            let nullWatch = openDirectory(#"C:\w"#)
            XCTAssertTrue(ReadDirectoryChangesW(nullWatch, nil, 0, false, names, nil, ov, nil))
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(DeleteFileW(wide(#"C:\w\other.txt"#)))
            XCTAssertEqual(internalStatus(ov), STATUS_NOTIFY_ENUM_DIR)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertTrue(CloseHandle(nullWatch))
            XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// The completion-routine style, as Wine's test_readdirectorychanges_cr runs it: `hEvent`
    /// is not used (it stays 0xdeadbeef), and the routine runs in an alertable wait with error 0
    /// and the byte count. With `FILE_NOTIFY_CHANGE_FILE_NAME` a new directory is not reported;
    /// a file moved into a subdirectory of a non-recursive watch is `REMOVED`, moved back
    /// `ADDED`; with `FILE_NOTIFY_CHANGE_DIR_NAME` a directory renamed is `RENAMED_OLD_NAME` and
    /// `RENAMED_NEW_NAME` in one completion, and a directory made and removed between calls is
    /// `ADDED` then `REMOVED`.
    func testCompletionRoutineStyle() {
        watchRoutineCalls = []
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let boo = temp + "boo", dir = boo + #"\dir"#, file = boo + #"\file"#, moved = dir + #"\file"#
            XCTAssertTrue(CreateDirectoryW(wide(boo), nil))
            let h = CreateFileW(wide(boo), GENERIC_READ, DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE), nil,
                                DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED), nil)
            let ov = memory.overlapped(event: HANDLE(bitPattern: 0xDEAD_BEEF))
            let buffer = memory.buffer(1024)
            let names = DWORD(FILE_NOTIFY_CHANGE_FILE_NAME)
            func watch(_ filter: DWORD) {
                XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 1024, false, filter, nil, ov, recordWatch))
            }
            watch(names)
            XCTAssertTrue(CloseHandle(CreateFileW(wide(file), DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_ALWAYS), 0, nil)))
            XCTAssertEqual(watchRoutineCalls, [], "only in an alertable wait")
            XCTAssertEqual(SleepEx(1000, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(notifyRecords(buffer).records, ["ADDED file"])

            watch(names)
            XCTAssertTrue(CreateDirectoryW(wide(dir), nil))
            XCTAssertTrue(MoveFileW(wide(file), wide(moved)))
            XCTAssertEqual(SleepEx(1000, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(notifyRecords(buffer).records, ["REMOVED file"])
            watch(names)
            XCTAssertTrue(MoveFileW(wide(moved), wide(file)))
            XCTAssertEqual(SleepEx(1000, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(notifyRecords(buffer).records, ["ADDED file"])
            watch(names)
            XCTAssertTrue(DeleteFileW(wide(file)))
            XCTAssertEqual(SleepEx(1000, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(notifyRecords(buffer).records, ["REMOVED file"])
            XCTAssertEqual(watchRoutineCalls, [String](repeating: "error 0, 20 bytes, hEvent 0xdeadbeef", count: 4))
            XCTAssertTrue(CloseHandle(h))

            watchRoutineCalls = []
            let h2 = CreateFileW(wide(boo), GENERIC_READ, DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE), nil,
                                 DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED), nil)
            let directories = DWORD(FILE_NOTIFY_CHANGE_DIR_NAME)
            XCTAssertTrue(ReadDirectoryChangesW(h2, buffer, 1024, false, directories, nil, ov, recordWatch))
            XCTAssertTrue(MoveFileW(wide(dir), wide(file)))
            XCTAssertEqual(SleepEx(1000, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(notifyRecords(buffer).records, ["RENAMED_OLD_NAME dir", "RENAMED_NEW_NAME file"])
            XCTAssertTrue(CreateDirectoryW(wide(dir), nil))
            XCTAssertTrue(RemoveDirectoryW(wide(dir)))
            XCTAssertTrue(ReadDirectoryChangesW(h2, buffer, 1024, false, directories, nil, ov, recordWatch))
            XCTAssertEqual(SleepEx(1000, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(notifyRecords(buffer).records, ["ADDED dir", "REMOVED dir"])
            XCTAssertEqual(watchRoutineCalls, ["error 0, 40 bytes, hEvent 0xdeadbeef", "error 0, 38 bytes, hEvent 0xdeadbeef"])
            XCTAssertTrue(CloseHandle(h2))
            XCTAssertTrue(RemoveDirectoryW(wide(file)))
            XCTAssertTrue(RemoveDirectoryW(wide(boo)))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// The port style: a watch on a handle bound to a completion port completes with a packet
    /// carrying the key and the `OVERLAPPED`. `CancelIoEx` completes a waiting watch with
    /// `ERROR_OPERATION_ABORTED` (`STATUS_CANCELLED`); closing the directory handle completes
    /// one with `STATUS_NOTIFY_CLEANUP` and 0 bytes, an informational status the port reports
    /// as a success (the WDK's FsRtlNotifyCleanup). Writes report `MODIFIED` to a size and
    /// last-write filter; a non-recursive watch does not see a subdirectory's files.
    func testPortStyleCancellationAndClose() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("log"), of: #"C:\logs\app.log"#)
        sim.fileSystem.createDirectory(#"C:\logs\old"#)
        let memory = scenarioMemory()
        sim.run {
            let h = openDirectory(#"C:\logs"#)
            let port = CreateIoCompletionPort(h, nil, 9, 0)
            let ov = memory.overlapped()
            let buffer = memory.buffer(256)
            let filter = DWORD(FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_FILE_NAME)
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 256, false, filter, nil, ov, nil))
            XCTAssertTrue(CloseHandle(CreateFileW(wide(#"C:\logs\old\x.log"#), DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)))
            let log = CreateFileW(wide(#"C:\logs\app.log"#), DWORD(GENERIC_WRITE), DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            XCTAssertEqual(SetFilePointer(log, 0, nil, DWORD(FILE_END)), 3)
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(log, bytes(" more"), 5, &written, nil))
            var count: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            XCTAssertTrue(GetQueuedCompletionStatus(port, &count, &key, &dequeued, 0))
            XCTAssertEqual(dequeued, ov)
            XCTAssertEqual(key, 9)
            XCTAssertEqual(count, 26)
            XCTAssertEqual(notifyRecords(buffer).records, ["MODIFIED app.log"])

            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 256, false, filter, nil, ov, nil))
            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertFalse(GetQueuedCompletionStatus(port, &count, &key, &dequeued, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(dequeued, ov)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)

            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 256, false, filter, nil, ov, nil))
            XCTAssertTrue(CloseHandle(h))
            count = 0xFFFF
            XCTAssertTrue(GetQueuedCompletionStatus(port, &count, &key, &dequeued, 0))
            XCTAssertEqual(dequeued, ov)
            XCTAssertEqual(count, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_NOTIFY_CLEANUP)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertEqual(sim.fileSystem.waitingWatches.count, 0)
            XCTAssertTrue(CloseHandle(log))
            XCTAssertTrue(CloseHandle(port))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// A synchronous directory handle (no `FILE_FLAG_OVERLAPPED`) and no `OVERLAPPED`: the call
    /// waits until a change arrives, here from another thread 5 ms later, and returns `TRUE`
    /// with the byte count in `*lpBytesReturned`.
    func testSynchronousWatchWaitsForTheChange() {
        let sim = Simulation()
        sim.fileSystem.createDirectory(#"C:\inbox"#)
        let memory = scenarioMemory()
        sim.run {
            let h = openDirectory(#"C:\inbox"#, overlapped: false)
            let writer = spawn {
                Sleep(5)
                return CloseHandle(CreateFileW(wide(#"C:\inbox\mail.eml"#), DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)) ? 0 : 1
            }
            let buffer = memory.buffer(128)
            var returned: DWORD = 0
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 128, false, DWORD(FILE_NOTIFY_CHANGE_FILE_NAME), &returned, nil, nil))
            XCTAssertEqual(returned, 12 + 16)
            XCTAssertEqual(notifyRecords(buffer).records, ["ADDED mail.eml"])
            XCTAssertEqual(GetTickCount64(), 5)
            XCTAssertEqual(WaitForSingleObject(writer, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(CloseHandle(writer))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// `iosim watch-a-directory`: the first change completes the waiting watch; a write made
    /// while the collector handles a batch is kept and delivered at once by its next call; the
    /// rotation is one batch of two records; closing the handle ends the last watch with
    /// `STATUS_NOTIFY_CLEANUP`; nothing is left behind.
    func testWatchADirectoryScenarioTimeline() throws {
        let scenario = try XCTUnwrap(Scenario.named("watch-a-directory"))
        let sim = scenario.run()
        let notes = sim.trace.entries.compactMap { entry -> String? in
            guard case .note(let text) = entry.event, text.hasPrefix("batch") || text.hasPrefix("the last") else { return nil }
            return "\(entry.time) \(text)"
        }
        XCTAssertEqual(notes, [
            "0.000ms batch 1, 26 bytes: ADDED app.log",
            "5.000ms batch 2, 26 bytes: MODIFIED app.log",
            #"11.000ms batch 3, 74 bytes: REMOVED app.log; ADDED archive\app-1.log"#,
            #"21.000ms batch 4, 44 bytes: REMOVED archive\2023.log"#,
            "26.000ms the last watch ended with STATUS_NOTIFY_CLEANUP, 0 bytes",
        ])
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// Bad input to a watch: a tracked buffer shorter than `nBufferLength` fails at once with
    /// `ERROR_NOACCESS` and a `bufferTooShort` violation, as the probe of the output buffer does
    /// (nothing pends, nothing is written); a null buffer with a length is `ERROR_NOACCESS`; a
    /// handle to a file, a pipe or nothing is refused; the watch still works afterwards.
    func testBadInputToAWatch() throws {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("f"), of: #"C:\d\f.txt"#)
        let memory = scenarioMemory()
        try sim.run {
            let h = openDirectory(#"C:\d"#)
            let ov = memory.overlapped(event: manualEvent())
            let names = DWORD(FILE_NOTIFY_CHANGE_FILE_NAME)
            let small = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 16))
            XCTAssertFalse(ReadDirectoryChangesW(h, small, 4096, false, names, nil, ov, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertFalse(ReadDirectoryChangesW(h, nil, 64, false, names, nil, ov, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(sim.fileSystem.waitingWatches.count, 0)

            let file = CreateFileW(wide(#"C:\d\f.txt"#), GENERIC_READ, 7, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            XCTAssertFalse(ReadDirectoryChangesW(file, small, 16, false, names, nil, ov, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            let server = createPipeServer("not-a-directory")
            XCTAssertFalse(ReadDirectoryChangesW(server, small, 16, false, names, nil, ov, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertFalse(ReadDirectoryChangesW(HANDLE(bitPattern: 0xDEAC), small, 16, false, names, nil, ov, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))

            let buffer = memory.buffer(64)
            XCTAssertTrue(ReadDirectoryChangesW(h, buffer, 64, false, names, nil, ov, nil))
            XCTAssertTrue(CloseHandle(file))
            XCTAssertTrue(DeleteFileW(wide(#"C:\d\f.txt"#)))
            XCTAssertEqual(notifyRecords(buffer).records, ["REMOVED f.txt"])
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, small))
            for handle in [h, server, ov.pointee.hEvent] { XCTAssertTrue(CloseHandle(handle)) }
        }
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind), [.bufferTooShort])
        XCTAssertEqual(violations.first?.detail,
                       "a directory change notification was told the buffer holds 4096 bytes, but HeapAlloc(16) has 16 from there: "
                           + "the call fails with ERROR_NOACCESS and writes nothing")
    }
}
