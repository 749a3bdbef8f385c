import IOKernel
import Win32Surface

extension Scenario {
    /// A log collector watching a folder with `ReadDirectoryChangesW` while a program writes its
    /// logs there (issue 11, "Directories and change notification"; Wine's
    /// `kernel32/tests/change.c` for the records).
    static let watchADirectory = Scenario(
        name: "watch-a-directory",
        seed: "issue 11: directories and change notification",
        summary: """
            A collector opens C:\\logs with FILE_FLAG_BACKUP_SEMANTICS and watches it, subtree \
            included, for names, sizes and writes, with an OVERLAPPED and an event. A writer thread \
            creates a log, appends to it, rotates it into archive\\ and deletes an old one. The first \
            change completes the waiting watch; the changes made while the collector handles a batch \
            are kept by the file system and delivered at once by its next call. Closing the directory \
            handle ends the last watch with STATUS_NOTIFY_CLEANUP.
            """
    ) { sim in
        sim.fileSystem.setContents(Array("old".utf8), of: #"C:\logs\archive\2023.log"#)
        sim.fileSystem.latency = .milliseconds(1)
        let heap = ScenarioHeap()
        sim.run {
            let directory = CreateFileA(#"C:\logs"#, DWORD(FILE_LIST_DIRECTORY) | DWORD(SYNCHRONIZE),
                                        DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE), nil, DWORD(OPEN_EXISTING),
                                        DWORD(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED), nil)
            let ov = heap.allocate(MemoryLayout<OVERLAPPED>.size).bindMemory(to: OVERLAPPED.self, capacity: 1)
            ov.pointee.hEvent = CreateEventW(nil, true, false, nil)
            let buffer = heap.allocate(1024)
            let filter = DWORD(FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE)

            let writer = CreateThread(nil, 0, { _ in
                let path = Array(#"C:\logs\app.log"#.utf16) + [0]
                let log = CreateFileW(path, DWORD(GENERIC_WRITE), DWORD(FILE_SHARE_READ), nil, DWORD(CREATE_NEW), 0, nil)
                let line = Array("started\n".utf8)
                var written: DWORD = 0
                _ = WriteFile(log, line, DWORD(line.count), &written, nil)
                _ = CloseHandle(log)
                Sleep(10)
                _ = MoveFileExW(path, Array(#"C:\logs\archive\app-1.log"#.utf16) + [0], 0)
                Sleep(10)
                _ = DeleteFileW(Array(#"C:\logs\archive\2023.log"#.utf16) + [0])
                return 0
            }, nil, 0, nil)

            sim.note("the collector watches C:\\logs and its subtree")
            for round in 1...4 {
                _ = ReadDirectoryChangesW(directory, buffer, 1024, true, filter, nil, ov, nil)
                var bytes: DWORD = 0
                guard GetOverlappedResult(directory, ov, &bytes, true) else { break }
                sim.note("batch \(round), \(bytes) bytes: " + describeNotifyRecords(buffer, bytes))
                // Handling a batch takes time; changes meanwhile are kept for the next call.
                Sleep(5)
            }
            _ = WaitForSingleObject(writer, INFINITE)
            _ = CloseHandle(writer)
            sim.note("a last watch, then the collector closes the directory")
            _ = ReadDirectoryChangesW(directory, buffer, 1024, true, filter, nil, ov, nil)
            _ = CloseHandle(directory)
            sim.note("the last watch ended with \(NTStatus(rawValue: UInt32(truncatingIfNeeded: ov.pointee.Internal))), "
                + "\(ov.pointee.InternalHigh) bytes")
            _ = CloseHandle(ov.pointee.hEvent)
        }
    }
}

/// The `FILE_NOTIFY_INFORMATION` records in a buffer, as `ADDED app.log; MODIFIED app.log`.
func describeNotifyRecords(_ buffer: UnsafeMutableRawPointer, _ count: DWORD) -> String {
    guard count > 0 else { return "(no records)" }
    let actions = ["?", "ADDED", "REMOVED", "MODIFIED", "RENAMED_OLD_NAME", "RENAMED_NEW_NAME"]
    var parts: [String] = []
    var offset = 0
    while offset + 12 <= Int(count) {
        let record = buffer + offset
        let next = Int(record.load(as: DWORD.self))
        let action = Int(record.load(fromByteOffset: 4, as: DWORD.self))
        let length = Int(record.load(fromByteOffset: 8, as: DWORD.self))
        let units = (0..<length / 2).map { record.load(fromByteOffset: 12 + 2 * $0, as: UInt16.self) }
        parts.append("\(action < actions.count ? actions[action] : "\(action)") \(String(decoding: units, as: UTF16.self))")
        if next == 0 { break }
        offset += next
    }
    return parts.joined(separator: "; ")
}
