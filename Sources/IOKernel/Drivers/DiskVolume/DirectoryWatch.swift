/// A change of the volume, as a file system reports it to the watches on the directories
/// above (`FsRtlNotifyFullReportChange`): the entry's full path, what happened
/// (`FILE_ACTION_*`) and which `FILE_NOTIFY_CHANGE_*` filter bits it matches.
struct DirectoryChange {
    var path: String
    var action: UInt32
    var filter: UInt32

    static let added: UInt32 = 1
    static let removed: UInt32 = 2
    static let modified: UInt32 = 3
    static let renamedOldName: UInt32 = 4
    static let renamedNewName: UInt32 = 5

    static let fileName: UInt32 = 0x001
    static let directoryName: UInt32 = 0x002
    static let attributesChanged: UInt32 = 0x004
    static let sizeChanged: UInt32 = 0x008
    static let lastWriteChanged: UInt32 = 0x010
    static let lastAccessChanged: UInt32 = 0x020
    static let creationChanged: UInt32 = 0x040
    /// `FILE_NOTIFY_VALID_MASK`: a completion filter outside it, or 0, is invalid.
    static let validFilter: UInt32 = 0x0000_0FFF

    /// The name filter bit for an entry: `FILE_NAME` for files, `DIR_NAME` for directories.
    static func nameFilter(directory: Bool) -> UInt32 { directory ? directoryName : fileName }
}

/// The change watch of one directory open, as `FsRtlNotifyFullChangeDirectory` keeps it
/// (the WDK's notify structure for a context control block).
///
/// - The **first** `ReadDirectoryChangesW` on the open sets it up: its completion filter, its
///   `bWatchSubtree`, and its buffer length (the size of the buffer that keeps changes while
///   no request is waiting) stay for the life of the open; later calls only queue requests
///   (Wine's `change.c` test_readdirectorychanges: a later non-recursive, size-only call still
///   reports a subdirectory's removal and a grandchild's creation).
/// - A change matching the filter completes the oldest waiting request with the
///   `FILE_NOTIFY_INFORMATION` records of that one operation (a rename's old and new names
///   together); if they do not fit its buffer, it completes with `STATUS_NOTIFY_ENUM_DIR` and 0
///   bytes (the application must list the directory again).
/// - With no request waiting, changes are kept; the next request completes with them at once.
///   More than the buffer holds are dropped, and that next request gets `STATUS_NOTIFY_ENUM_DIR`.
/// - Cleanup of the open completes waiting requests with `STATUS_NOTIFY_CLEANUP`.
final class DirectoryWatch {
    let filter: UInt32
    let watchesSubtree: Bool
    let bufferLength: Int
    /// Requests waiting for a change, oldest first; cancellable.
    let waiting = CancelSafeQueue()
    /// Changes kept while no request waited, oldest first, and whether some were dropped.
    @exclusivity(unchecked) private(set) var kept: [NotifyRecord] = []
    @exclusivity(unchecked) private(set) var overflowed = false

    init(filter: UInt32, watchesSubtree: Bool, bufferLength: Int) {
        self.filter = filter
        self.watchesSubtree = watchesSubtree
        self.bufferLength = bufferLength
    }

    /// The records of `changes` this watch of `directory` sees, oldest first.
    func records(of changes: [DirectoryChange], in directory: String) -> [NotifyRecord] {
        changes.compactMap { change in
            guard change.filter & filter != 0, let relative = VolumePath.relative(change.path, to: directory) else { return nil }
            guard watchesSubtree || !relative.contains("\\") else { return nil }
            return NotifyRecord(action: change.action, name: relative)
        }
    }

    /// A new request: completed at once (marked pending, as the file system returns
    /// `STATUS_PENDING` for every notify request) if changes are kept, else queued.
    func queue(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        if overflowed || !kept.isEmpty {
            k.markPending(irp)
            complete(irp, with: overflowed ? nil : kept, k)
            kept = []
            overflowed = false
            return .pending
        }
        waiting.insert(irp, k)
        return .pending
    }

    /// One operation's records: to the oldest waiting request, or kept.
    func deliver(_ records: [NotifyRecord], _ k: DriverContext) {
        guard !records.isEmpty else { return }
        if let irp = waiting.removeNext(k) {
            complete(irp, with: records, k)
            return
        }
        guard !overflowed else { return }
        kept += records
        if NotifyRecord.encodedLength(of: kept) > bufferLength {
            kept = []
            overflowed = true
        }
    }

    /// `FsRtlNotifyCleanup`: the open's last handle closed.
    func cleanUp(_ k: DriverContext) {
        while let irp = waiting.removeNext(k) { k.complete(irp, status: .notifyCleanup, information: 0) }
        kept = []
    }

    /// Completes `irp` with the records, or with `STATUS_NOTIFY_ENUM_DIR` when there are none
    /// to give (`nil`: some were dropped) or they do not fit its buffer.
    private func complete(_ irp: IRP, with records: [NotifyRecord]?, _ k: DriverContext) {
        guard let records, NotifyRecord.encodedLength(of: records) <= irp.length else {
            k.complete(irp, status: .notifyEnumDirectory, information: 0)
            return
        }
        let bytes = NotifyRecord.encode(records)
        irp.systemBuffer = bytes[...]
        k.complete(irp, status: .success, information: bytes.count)
    }
}

/// One `FILE_NOTIFY_INFORMATION` record: `NextEntryOffset`, `Action` and `FileNameLength`
/// (DWORDs), then the name in UTF-16 without a terminator, relative to the watched directory
/// (`sub\a.txt` in a subtree). Records start on DWORD boundaries; the last has
/// `NextEntryOffset` 0 and the byte count ends at the end of its name (Wine's `change.c`:
/// one record for `hoo` is 0x12 bytes).
struct NotifyRecord: Equatable {
    var action: UInt32
    var name: String

    var nameLength: Int { name.utf16.count * 2 }
    var length: Int { 12 + nameLength }
    var alignedLength: Int { (length + 3) & ~3 }

    static func encodedLength(of records: [NotifyRecord]) -> Int {
        guard let last = records.last else { return 0 }
        return records.dropLast().reduce(0) { $0 + $1.alignedLength } + last.length
    }

    static func encode(_ records: [NotifyRecord]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encodedLength(of: records))
        for (index, record) in records.enumerated() {
            let isLast = index == records.count - 1
            appendDWORD(UInt32(isLast ? 0 : record.alignedLength), to: &bytes)
            appendDWORD(record.action, to: &bytes)
            appendDWORD(UInt32(record.nameLength), to: &bytes)
            for unit in record.name.utf16 {
                bytes.append(UInt8(truncatingIfNeeded: unit))
                bytes.append(UInt8(truncatingIfNeeded: unit >> 8))
            }
            if !isLast { bytes.append(contentsOf: repeatElement(0, count: record.alignedLength - record.length)) }
        }
        return bytes
    }

    private static func appendDWORD(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
