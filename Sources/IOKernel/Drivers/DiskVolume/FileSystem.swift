/// The simulated disk volume: an in-memory file system that `CreateFile` reaches for every path
/// that is not a device (`C:\data\a.txt`, `logs/today.txt`), with the behaviour of a Windows file
/// system driver.
///
/// - **Opening** follows the create dispositions (`CREATE_NEW` on an existing file is
///   `STATUS_OBJECT_NAME_COLLISION`; `OPEN_EXISTING` and `TRUNCATE_EXISTING` on a missing one
///   `STATUS_OBJECT_NAME_NOT_FOUND`; `CREATE_ALWAYS` and `TRUNCATE_EXISTING` empty an existing
///   file) and checks share access as `IoCheckShareAccess` does, against every open that has not
///   been cleaned up (`STATUS_SHARING_VIOLATION`). Directories are not modelled: every parent
///   directory exists.
/// - **Reads and writes** use the request's byte offset (the `OVERLAPPED`'s, or a synchronous
///   file object's current position, which the I/O manager advances). A read at or past the end
///   is `STATUS_END_OF_FILE`, a zero-length read never is (F-RW-14), a read across the end
///   returns the bytes that exist (F-EOF-5); a write past the end extends the file with zeros,
///   and the offset `0xFFFFFFFF_FFFFFFFF` appends (F-RW-16).
/// - **Timing**: an overlapped read or write pends, as on Vista and later (F-RW-4), and the
///   "disk" performs it ``latency`` later on the virtual clock, so requests race with each other
///   and with cancellation; with ``completesOverlappedIOSynchronously`` they complete inside the
///   call instead (the "asynchronous disk I/O appears as synchronous" case). A synchronous
///   handle's request blocks its thread for the latency, or completes inline when it is zero.
///   Pending requests are cancellable (`STATUS_CANCELLED`, 0 bytes).
/// - **Cleanup** releases the open's share access and deletes a file whose deletion is pending
///   once its last open is gone (`DeleteFile`, `FILE_FLAG_DELETE_ON_CLOSE`). Requests still in
///   flight at cleanup are left to finish, as a disk file system's are.
///
/// Reach it with `Simulation.fileSystem` to seed files, inspect them, and choose the latency.
public final class FileSystemDriver: Driver {
    /// How long the simulated disk takes to perform a read or write. Zero by default: the
    /// request still pends on an overlapped handle and completes as soon as the issuing side
    /// lets the clock run (a wait, a sleep).
    @exclusivity(unchecked) public var latency: Duration = .zero
    /// Complete overlapped reads and writes inside the call (`TRUE` from `ReadFile`) instead of
    /// pending them: the behaviour of cached I/O on old Windows, which applications must also
    /// handle (F-RW-4).
    @exclusivity(unchecked) public var completesOverlappedIOSynchronously = false
    /// The largest size a file may reach; a write beyond it fails with `STATUS_DISK_FULL`
    /// (so a write at a huge offset cannot exhaust the host's memory).
    @exclusivity(unchecked) public var maximumFileSize = 1 << 30

    /// Files by lower-cased normalized path. Only looked up; listings are sorted.
    @exclusivity(unchecked) private var files: [String: DiskFile] = [:]
    private let queue: CancelSafeQueue
    @exclusivity(unchecked) private var context: DriverContext?

    init() {
        // A cancelled request's own completion timer goes with it.
        queue = CancelSafeQueue { irp, k in
            (irp.driverContext as? ScheduledEvent)?.cancel()
            k.complete(irp, status: .cancelled, information: 0)
        }
    }

    public func installed(on device: Device, _ k: DriverContext) { context = k }

    // MARK: - Inspection and seeding

    /// Every file's path, as first created, sorted.
    public var paths: [String] { files.values.map(\.path).sorted() }

    /// A file's contents, or nil if no such file exists.
    public func contents(of path: String) -> [UInt8]? { file(at: path).map(\.data) }

    /// Creates the file, or replaces its contents, as a test's starting point.
    public func setContents(_ bytes: [UInt8], of path: String) {
        guard let normalized = Self.normalizedPath(path) else { return }
        if let existing = files[normalized.lowercased()] {
            existing.data = bytes
        } else {
            files[normalized.lowercased()] = DiskFile(path: normalized, data: bytes)
        }
    }

    /// Whether a file exists at `path` (a file whose deletion is pending still exists).
    public func fileExists(_ path: String) -> Bool { file(at: path) != nil }

    /// How many opens of the file have not been cleaned up yet.
    public func openCount(of path: String) -> Int { file(at: path)?.opens.count ?? 0 }

    /// Whether the file is marked for deletion when its last handle closes.
    public func isDeletePending(_ path: String) -> Bool { file(at: path)?.deletePending ?? false }

    /// The requests the disk is working on, oldest first.
    public var pending: [IRP] { queue.queued }

    private func file(at path: String) -> DiskFile? {
        Self.normalizedPath(path).flatMap { files[$0.lowercased()] }
    }

    /// The canonical form of a path on the volume (`C:\data\a.txt`), or nil for a path that
    /// names no file here: a device or network path (`\\.\x`, `\\server\share`), an empty
    /// path, a drive root. `/` is a separator; `\\?\` is stripped; `.` and `..` are resolved; a
    /// relative path is relative to `C:\` (the simulated current directory).
    static func normalizedPath(_ path: String) -> String? {
        var text = String(path.map { $0 == "/" ? "\\" : $0 })
        if text.hasPrefix(#"\\?\"#) || text.hasPrefix(#"\??\"#) { text.removeFirst(4) }
        guard !text.isEmpty, !text.hasPrefix(#"\\"#) else { return nil }
        var drive: Character = "C"
        var rest = Substring(text)
        let characters = Array(text.prefix(2))
        if characters.count == 2, characters[1] == ":" {
            guard characters[0].isASCII, characters[0].isLetter else { return nil }
            drive = Character(characters[0].uppercased())
            rest = text.dropFirst(2)
        }
        var components: [Substring] = []
        for component in rest.split(separator: "\\", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                if !components.isEmpty { components.removeLast() }
                continue
            }
            components.append(component)
        }
        guard !components.isEmpty else { return nil }
        return "\(drive):\\" + components.joined(separator: "\\")
    }

    // MARK: - Driver

    public func create(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        guard let parameters = irp.createParameters, let path = Self.normalizedPath(parameters.fileName) else {
            return k.complete(irp, status: .objectNameNotFound)
        }
        let key = path.lowercased()
        let open = DiskOpen(access: parameters.desiredAccess, share: parameters.shareAccess,
                            deleteOnClose: parameters.deleteOnClose)
        let information: Int
        let target: DiskFile
        if let existing = files[key] {
            if existing.deletePending { return k.complete(irp, status: .deletePending) }
            if parameters.disposition == .create { return k.complete(irp, status: .objectNameCollision) }
            guard existing.opens.allSatisfy({ $0.allowsAlongside(open) }) else {
                return k.complete(irp, status: .sharingViolation)
            }
            switch parameters.disposition {
            case .overwriteIf, .overwrite:
                existing.data = []
                information = CreateInformation.overwritten
            case .open, .openIf, .create:
                information = CreateInformation.opened
            }
            target = existing
        } else {
            switch parameters.disposition {
            case .open, .overwrite:
                return k.complete(irp, status: .objectNameNotFound)
            case .create, .overwriteIf, .openIf:
                target = DiskFile(path: path, data: [])
                files[key] = target
                information = CreateInformation.created
            }
        }
        open.file = target
        target.opens.append(open)
        irp.fileObject.driverContext = open
        k.trace("\(path) opened (\(information == CreateInformation.created ? "created" : information == CreateInformation.overwritten ? "overwritten" : "existing"))")
        return k.complete(irp, status: .success, information: information)
    }

    public func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        guard let open = irp.fileObject.driverContext as? DiskOpen else {
            return k.complete(irp, status: .invalidDeviceRequest)
        }
        // The access check happens before anything is queued: a failure is immediate.
        switch irp.major {
        case .read:
            guard open.canRead else { return k.complete(irp, status: .accessDenied) }
        case .write:
            guard open.canWrite else { return k.complete(irp, status: .accessDenied) }
        case .flushBuffers:
            // The cache is the file itself: nothing to write back.
            return k.complete(irp, status: open.canWrite ? .success : .accessDenied)
        case .create, .cleanup, .fileSystemControl:
            return k.complete(irp, status: .invalidDeviceRequest)
        }
        let inline = irp.fileObject.isSynchronous ? latency == .zero : completesOverlappedIOSynchronously
        if inline { return perform(irp, open, k) }
        guard queue.insert(irp, k) else { return .pending }
        irp.driverContext = k.schedule(after: latency, "the disk finishes a transfer") { [queue] in
            guard queue.remove(irp, k) else { return }
            self.perform(irp, open, k)
        }
        return .pending
    }

    public func cleanup(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        if let open = irp.fileObject.driverContext as? DiskOpen, let file = open.file {
            file.opens.removeAll { $0 === open }
            if open.deleteOnClose { file.deletePending = true }
            if file.deletePending, file.opens.isEmpty, files[file.path.lowercased()] === file {
                files[file.path.lowercased()] = nil
                k.trace("\(file.path) deleted (its last handle closed)")
            }
        }
        return k.complete(irp, status: .success)
    }

    /// The disk does the transfer, now.
    @discardableResult
    private func perform(_ irp: IRP, _ open: DiskOpen, _ k: DriverContext) -> NTStatus {
        guard let file = open.file else { return k.complete(irp, status: .invalidDeviceRequest) }
        let size = UInt64(file.data.count)
        var offset = irp.byteOffset ?? 0
        if irp.major == .read {
            // A zero-length read never reports the end of the file (F-RW-14).
            guard irp.length > 0 else { return k.complete(irp, status: .success, information: 0) }
            guard offset < size else { return k.complete(irp, status: .endOfFile, information: 0) }
            let end = Int(min(size, offset + UInt64(irp.length)))
            irp.systemBuffer = file.data[Int(offset)..<end]
            return k.complete(irp, status: .success, information: end - Int(offset))
        }
        // FILE_WRITE_TO_END_OF_FILE: the offset -1 appends (F-RW-16).
        if offset == UInt64.max {
            offset = size
            irp.byteOffset = offset
        }
        let count = min(irp.length, irp.systemBuffer.count)
        let limit = UInt64(max(0, maximumFileSize))
        guard offset <= limit, limit - offset >= UInt64(count) else {
            return k.complete(irp, status: .diskFull, information: 0)
        }
        let start = Int(offset)
        if start + count > file.data.count {
            file.data.append(contentsOf: repeatElement(0, count: start + count - file.data.count))
        }
        file.data.replaceSubrange(start..<start + count, with: irp.systemBuffer.prefix(count))
        return k.complete(irp, status: .success, information: count)
    }

    // MARK: - Services the I/O manager calls directly

    /// `FileStandardInformation.EndOfFile`.
    func endOfFile(of fileObject: FileObject) -> UInt64? {
        (fileObject.driverContext as? DiskOpen)?.file.map { UInt64($0.data.count) }
    }

    /// `FileEndOfFileInformation`: truncates or extends (with zeros) the file.
    func setEndOfFile(of fileObject: FileObject, to size: UInt64) -> NTStatus {
        guard let open = fileObject.driverContext as? DiskOpen, let file = open.file else { return .invalidDeviceRequest }
        guard open.canWrite else { return .accessDenied }
        guard size <= UInt64(max(0, maximumFileSize)) else { return .diskFull }
        let newSize = Int(size)
        if newSize < file.data.count {
            file.data.removeSubrange(newSize...)
        } else {
            file.data.append(contentsOf: repeatElement(0, count: newSize - file.data.count))
        }
        return .success
    }

    /// `DeleteFile`: opens the file for `DELETE` sharing everything, marks it for deletion, and
    /// closes it. The name goes when the last handle closes; until then new opens fail with
    /// `STATUS_DELETE_PENDING` (the documented `DeleteFile` behaviour).
    func delete(path: String) -> NTStatus {
        guard let file = file(at: path) else { return .objectNameNotFound }
        if file.deletePending { return .deletePending }
        let deleter = DiskOpen(access: 0x0001_0000, share: 0x7, deleteOnClose: true)
        guard file.opens.allSatisfy({ $0.allowsAlongside(deleter) }) else { return .sharingViolation }
        if file.opens.isEmpty {
            files[file.path.lowercased()] = nil
        } else {
            file.deletePending = true
        }
        return .success
    }
}

/// A file on the simulated volume.
final class DiskFile {
    /// The normalized path it was created with.
    let path: String
    @exclusivity(unchecked) var data: [UInt8]
    /// The opens not yet cleaned up, for share checks.
    @exclusivity(unchecked) var opens: [DiskOpen] = []
    @exclusivity(unchecked) var deletePending = false

    init(path: String, data: [UInt8]) {
        self.path = path
        self.data = data
    }
}

/// One open of a disk file, kept in its file object's `driverContext` (`FsContext2`): the access
/// granted and the share mode, which later opens are checked against.
final class DiskOpen {
    @exclusivity(unchecked) var file: DiskFile?
    let canRead: Bool
    let canWrite: Bool
    let canDelete: Bool
    let sharesRead: Bool
    let sharesWrite: Bool
    let sharesDelete: Bool
    let deleteOnClose: Bool

    init(access: UInt32, share: UInt32, deleteOnClose: Bool) {
        canRead = CreateParameters.canRead(access)
        canWrite = CreateParameters.canWrite(access)
        canDelete = CreateParameters.canDelete(access) || deleteOnClose
        sharesRead = share & 0x1 != 0
        sharesWrite = share & 0x2 != 0
        sharesDelete = share & 0x4 != 0
        self.deleteOnClose = deleteOnClose
    }

    var hasDataAccess: Bool { canRead || canWrite || canDelete }

    /// `IoCheckShareAccess`: the new open's access must be shared by this one, and this one's
    /// access by the new open. Opens with no read, write or delete access take no part.
    func allowsAlongside(_ new: DiskOpen) -> Bool {
        guard hasDataAccess, new.hasDataAccess else { return true }
        if (new.canRead && !sharesRead) || (new.canWrite && !sharesWrite) || (new.canDelete && !sharesDelete) { return false }
        if (canRead && !new.sharesRead) || (canWrite && !new.sharesWrite) || (canDelete && !new.sharesDelete) { return false }
        return true
    }
}

extension Kernel {
    func makeFileSystemDevice() -> Device {
        let driver = FileSystemDriver()
        let device = Device(path: #"C:\"#, driver: driver, requiresByteOffset: true)
        driver.installed(on: device, driverContext)
        builtInDevices.append(device)
        return device
    }

    /// The disk volume's driver.
    package var fileSystem: FileSystemDriver {
        // The device is made with a FileSystemDriver, so the downcast cannot fail.
        unsafeDowncast(fileSystemDevice.driver as AnyObject, to: FileSystemDriver.self)
    }

    private func fileObject(_ handle: UInt) -> (FileObject?, NTStatus) {
        guard let object = handles.lookup(handle) else { return (nil, .invalidHandle) }
        guard let file = object as? FileObject else { return (nil, .objectTypeMismatch) }
        return (file, .success)
    }

    /// `NtQueryInformationFile(FilePositionInformation)`: the file object's current byte offset.
    package func ntQueryFilePosition(handle: UInt) -> (NTStatus, UInt64) {
        let (file, status) = fileObject(handle)
        return (status, file?.currentByteOffset ?? 0)
    }

    /// `NtSetInformationFile(FilePositionInformation)`. The I/O manager keeps the position in
    /// the file object for every file; only synchronous file objects use it (F-RW-16).
    package func ntSetFilePosition(handle: UInt, to position: UInt64) -> NTStatus {
        let (file, status) = fileObject(handle)
        file?.currentByteOffset = position
        return status
    }

    /// `NtQueryInformationFile(FileStandardInformation).EndOfFile`: the size of a disk file;
    /// other devices do not answer it (`STATUS_INVALID_DEVICE_REQUEST`).
    package func ntQueryEndOfFile(handle: UInt) -> (NTStatus, UInt64) {
        let (file, status) = fileObject(handle)
        guard let file else { return (status, 0) }
        guard file.device === fileSystemDevice, let size = fileSystem.endOfFile(of: file) else {
            return (.invalidDeviceRequest, 0)
        }
        return (.success, size)
    }

    /// `NtSetInformationFile(FileEndOfFileInformation)`.
    package func ntSetEndOfFile(handle: UInt, to size: UInt64) -> NTStatus {
        let (file, status) = fileObject(handle)
        guard let file else { return status }
        guard file.device === fileSystemDevice else { return .invalidDeviceRequest }
        return fileSystem.setEndOfFile(of: file, to: size)
    }

    /// `DeleteFile`'s open, set-disposition and close, in one step.
    package func ntDeleteFile(path: String) -> NTStatus {
        guard FileSystemDriver.normalizedPath(path) != nil, devices[path.lowercased()] == nil else {
            return .objectNameNotFound
        }
        return fileSystem.delete(path: path)
    }

    /// `NtFlushBuffersFile`: an `IRP_MJ_FLUSH_BUFFERS` through the usual issue path (a pipe's
    /// flush pends until the reader has drained the pipe, F-SYNC-4).
    ///
    /// It always waits for the flush to be over: on an asynchronous file object NT waits on an
    /// event of its own for this very request (ReactOS `NtFlushBuffersFile`'s local event), so
    /// no other completion on the file object ends the wait (F-SYNC-4).
    package func ntFlushBuffersFile(handle: UInt, ioStatus: UnsafeMutableRawPointer) -> NTStatus {
        let status = transfer(.flushBuffers, handle: handle, event: nil, apcRoutine: nil, apcContext: nil, ioStatus: ioStatus,
                              buffer: nil, length: 0, byteOffset: nil)
        guard status == .pending, let thread = current, let irp = thread.irps.last, irp.major == .flushBuffers else {
            return status
        }
        let waited = waitUntil(thread, reason: .irp(irp), deadline: nil)
        if waited == .possibleDeadlock || waited == .threadIsTerminating { return waited }
        if irp.state == .completed { finishCompletion(irp) }
        return irp.status
    }
}
