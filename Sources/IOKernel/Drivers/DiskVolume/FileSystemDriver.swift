/// The simulated disk volume: an in-memory file system that `CreateFile` reaches for every path
/// that is not a device (`C:\data\a.txt`, `logs/today.txt`), with the behaviour of a Windows file
/// system driver.
///
/// - **Names** live in directories. `C:\` exists, with the temporary folder
///   (``temporaryDirectory``); a file or directory is created only in a directory that exists
///   (`STATUS_OBJECT_PATH_NOT_FOUND` otherwise). Names are case-insensitive and
///   case-preserving. The seeding helpers (``setContents(_:of:)``, ``createDirectory(_:)``)
///   create the directories above what they seed.
/// - **Opening** follows the create dispositions (`CREATE_NEW` on an existing file is
///   `STATUS_OBJECT_NAME_COLLISION`; `OPEN_EXISTING` and `TRUNCATE_EXISTING` on a missing one
///   `STATUS_OBJECT_NAME_NOT_FOUND`; `CREATE_ALWAYS` and `TRUNCATE_EXISTING` empty an existing
///   file) and checks share access as `IoCheckShareAccess` does, against every open that has not
///   been cleaned up (`STATUS_SHARING_VIOLATION`). A directory opens only with
///   `FILE_FLAG_BACKUP_SEMANTICS` (`STATUS_FILE_IS_A_DIRECTORY` otherwise).
/// - **Reads and writes** use the request's byte offset (the `OVERLAPPED`'s, or a synchronous
///   file object's current position, which the I/O manager advances). A read at or past the end
///   is `STATUS_END_OF_FILE`, a zero-length read never is (F-RW-14), a read across the end
///   returns the bytes that exist (F-EOF-5); a write past the end extends the file with zeros,
///   and the offset `0xFFFFFFFF_FFFFFFFF` appends (F-RW-16). Contents are stored sparsely
///   (``FileContents``): memory follows what was written, not the file's size.
/// - **Timing**: an overlapped request pends, as on Vista and later (F-RW-4). With a
///   ``latency``, the "disk" performs it that much later on the virtual clock, so requests race
///   with each other and with cancellation. With none, a read is performed inside the call
///   and still reported pending: `ReadFile` returns `ERROR_IO_PENDING` with the `OVERLAPPED`
///   already final and the event set, at the end of the file too (Wine's ntdll `file.c`
///   read_file_test). With ``completesOverlappedIOSynchronously`` requests complete inside the
///   call instead (the "asynchronous disk I/O appears as synchronous" case). A synchronous
///   handle's request blocks its thread for the latency, or completes inline when it is zero;
///   its read at the end of the file still reports through the status block and event.
///   Pending requests are cancellable (`STATUS_CANCELLED`, 0 bytes).
/// - **Change notification** (``DirectoryWatch``): creations, deletions, renames and writes are
///   reported to the watches of the directories above them.
/// - **Cleanup** releases the open's share access, completes its change watch with
///   `STATUS_NOTIFY_CLEANUP`, and deletes an entry whose deletion is pending once its last open
///   is gone (`DeleteFile`, `RemoveDirectory`, `FILE_FLAG_DELETE_ON_CLOSE`). Reads and writes
///   still in flight at cleanup are left to finish, as a disk file system's are.
///
/// Reach it with `Simulation.fileSystem` to seed files, inspect them, and choose the latency.
public final class FileSystemDriver: Driver {
    /// How long the simulated disk takes to perform a read or write. Zero by default: a read is
    /// performed inside the call (and still reported pending on an overlapped handle); a write
    /// pends and completes as soon as the issuing side lets the clock run (a wait, a sleep).
    @exclusivity(unchecked) public var latency: Duration = .zero
    /// Complete overlapped reads and writes inside the call (`TRUE` from `ReadFile`) instead of
    /// pending them: the behaviour of cached I/O on old Windows, which applications must also
    /// handle (F-RW-4).
    @exclusivity(unchecked) public var completesOverlappedIOSynchronously = false
    /// The largest size a file may reach; a write beyond it fails with `STATUS_DISK_FULL`. 1 GiB
    /// by default. Contents are sparse, so a large size costs no host memory; the limit keeps
    /// sizes where scenarios and their checks expect them.
    @exclusivity(unchecked) public var maximumFileSize = 1 << 30
    /// The size of the simulated disk, in bytes, which `GetDiskFreeSpaceExW` reports (64 GiB by
    /// default): its free space is this less the clusters the files take (``usedBytes``). A
    /// parameter of the volume, not a limit: writes are limited by ``maximumFileSize`` only.
    @exclusivity(unchecked) public var capacity: UInt64 = 64 << 30
    /// The folder `GetTempPathW` names, which exists from the start.
    public let temporaryDirectory = #"C:\Users\User\AppData\Local\Temp"#
    /// The process's current directory (`GetCurrentDirectoryW`), against which relative paths
    /// are resolved.
    @exclusivity(unchecked) public internal(set) var currentDirectory = VolumePath.root

    /// The root directory of each drive letter used, made on first use.
    @exclusivity(unchecked) private var roots: [Character: DiskFile] = [:]
    /// The root directories made so far.
    var rootDirectories: Dictionary<Character, DiskFile>.Values { roots.values }
    /// The watches of directory opens, in the order they were set up (reports go in that order).
    @exclusivity(unchecked) var watches: [(open: DiskOpen, watch: DirectoryWatch)] = []
    @exclusivity(unchecked) private var nextFileIndex: UInt64 = 1
    let queue: CancelSafeQueue
    /// Lock requests waiting for a conflicting lock to go (``ByteRangeLock``), oldest first; a
    /// cancelled one completes with `STATUS_CANCELLED`.
    let lockWaiters = CancelSafeQueue()
    @exclusivity(unchecked) var context: DriverContext?

    init() {
        // A cancelled request's own completion timer goes with it.
        queue = CancelSafeQueue { irp, k in
            (irp.driverContext as? ScheduledEvent)?.cancel()
            k.complete(irp, status: .cancelled, information: 0)
        }
        createDirectory(temporaryDirectory)
    }

    public func installed(on device: Device, _ k: DriverContext) { context = k }

    /// The simulation is gone: break the cycles between entries and the opens that share them
    /// (an entry lists its opens, an open names its entry) and drop the watches, so that a
    /// simulation released with handles still open releases its volume too.
    public func simulationEnded() {
        func release(_ entry: DiskFile) {
            for open in entry.opens {
                open.file = nil
                open.watch = nil
            }
            entry.opens = []
            for child in entry.entries.values { release(child) }
            entry.entries = [:]
        }
        for root in roots.values { release(root) }
        roots = [:]
        watches = []
    }

    // MARK: - Inspection and seeding

    /// Every file's path (directories not included), as created, sorted.
    public var paths: [String] {
        var result: [String] = []
        func walk(_ directory: DiskFile) {
            for entry in directory.sortedEntries {
                if entry.isDirectory { walk(entry) } else { result.append(entry.path) }
            }
        }
        for root in roots.values { walk(root) }
        return result.sorted()
    }

    /// Every directory's path below the roots, sorted.
    public var directories: [String] {
        var result: [String] = []
        func walk(_ directory: DiskFile) {
            for entry in directory.sortedEntries where entry.isDirectory {
                result.append(entry.path)
                walk(entry)
            }
        }
        for root in roots.values { walk(root) }
        return result.sorted()
    }

    /// A file's contents, or nil if no such file exists.
    public func contents(of path: String) -> [UInt8]? {
        lookUp(path).file.flatMap { $0.isDirectory ? nil : $0.contents.bytes }
    }

    /// How many bytes of host memory a file's contents take (pages written), or nil.
    public func storedBytes(of path: String) -> Int? { lookUp(path).file?.contents.storedBytes }

    /// Creates the file, or replaces its contents, as a test's starting point; the directories
    /// above it are created as needed.
    public func setContents(_ bytes: [UInt8], of path: String) {
        guard let normalized = normalize(path), let parent = VolumePath.parent(of: normalized),
              let directory = makeDirectories(parent) else { return }
        let name = VolumePath.leafName(of: normalized)
        if let existing = directory.entries[VolumePath.key(name)] {
            guard !existing.isDirectory else { return }
            existing.contents = FileContents(bytes)
        } else {
            let file = makeEntry(normalized, directory: false, in: directory)
            file.contents = FileContents(bytes)
        }
    }

    /// Creates a directory and those above it, as a test's starting point (`mkdir -p`).
    public func createDirectory(_ path: String) {
        guard let normalized = normalize(path) else { return }
        _ = makeDirectories(normalized)
    }

    /// Whether a file or directory exists at `path` (one whose deletion is pending still does).
    public func fileExists(_ path: String) -> Bool { lookUp(path).file != nil }

    /// Whether a directory exists at `path`.
    public func directoryExists(_ path: String) -> Bool { lookUp(path).file?.isDirectory ?? false }

    /// How many opens of the file have not been cleaned up yet.
    public func openCount(of path: String) -> Int { lookUp(path).file?.opens.count ?? 0 }

    /// Whether the file is marked for deletion when its last handle closes.
    public func isDeletePending(_ path: String) -> Bool { lookUp(path).file?.deletePending ?? false }

    /// The requests the disk is working on, oldest first.
    public var pending: [IRP] { queue.queued }

    /// The change-notification requests waiting for a change, oldest first.
    public var waitingWatches: [IRP] { watches.flatMap(\.watch.waiting.queued) }

    // MARK: - The namespace

    /// The canonical form of a path on the volume, relative paths resolved against the
    /// current directory.
    func normalize(_ path: String) -> String? { VolumePath.normalized(path, currentDirectory: currentDirectory) }

    /// The canonical form of a path, for the object manager's routing (``Kernel/device(forPath:creatingPipe:)``).
    static func normalizedPath(_ path: String) -> String? { VolumePath.normalized(path) }

    /// What a path names: the entry if it exists, else whether its directory does (so that a
    /// missing file is `STATUS_OBJECT_NAME_NOT_FOUND` and a missing directory above it
    /// `STATUS_OBJECT_PATH_NOT_FOUND`).
    func lookUp(_ path: String) -> (file: DiskFile?, parent: DiskFile?, path: String?) {
        lookUp(path, links: 0)
    }

    /// ``lookUp(_:)``, following the symbolic links and mount points met on the way (a link
    /// is a directory in the middle of a path, whatever the open asks for the last component).
    private func lookUp(_ path: String, links: Int) -> (file: DiskFile?, parent: DiskFile?, path: String?) {
        guard let normalized = normalize(path) else { return (nil, nil, nil) }
        let root = self.root(of: normalized)
        let components = normalized.dropFirst(3).split(separator: "\\")
        var node = root
        var parent: DiskFile?
        for (index, component) in components.enumerated() {
            // A file where a directory should be: the path does not exist.
            guard node.isDirectory else { return (nil, nil, normalized) }
            parent = node
            guard let next = node.entries[VolumePath.key(String(component))] else {
                return (nil, index == components.count - 1 ? parent : nil, normalized)
            }
            if index < components.count - 1, let reparse = next.reparsePoint {
                guard links < ReparsePoint.maximumLinks, let target = reparse.target(from: next) else { return (nil, nil, nil) }
                let rest = components[(index + 1)...].joined(separator: "\\")
                return lookUp(target + (VolumePath.isRoot(target) ? "" : "\\") + rest, links: links + 1)
            }
            node = next
        }
        return (node, parent, normalized)
    }

    private func root(of path: String) -> DiskFile {
        let drive = path.first ?? "C"
        if let root = roots[drive] { return root }
        let root = DiskFile(path: "\(drive):\\", isDirectory: true, fileIndex: takeFileIndex(), time: now)
        roots[drive] = root
        return root
    }

    private func makeDirectories(_ path: String) -> DiskFile? {
        var node = root(of: path)
        for component in path.dropFirst(3).split(separator: "\\") {
            if let next = node.entries[VolumePath.key(String(component))] {
                guard next.isDirectory else { return nil }
                node = next
            } else {
                node = makeEntry(node.path + (VolumePath.isRoot(node.path) ? "" : "\\") + component, directory: true, in: node)
            }
        }
        return node
    }

    /// A new entry in `directory`.
    func makeEntry(_ path: String, directory: Bool, in parent: DiskFile) -> DiskFile {
        let entry = DiskFile(path: path, isDirectory: directory, fileIndex: takeFileIndex(), time: now)
        entry.parent = parent
        parent.entries[VolumePath.key(entry.name)] = entry
        return entry
    }

    /// Takes an entry out of its directory.
    func unlink(_ file: DiskFile) {
        if let parent = file.parent, parent.entries[VolumePath.key(file.name)] === file {
            parent.entries[VolumePath.key(file.name)] = nil
        }
        file.parent = nil
    }

    private func takeFileIndex() -> UInt64 {
        defer { nextFileIndex += 1 }
        return nextFileIndex
    }

    /// The time now, as a `FILETIME` value.
    var now: UInt64 { FileTime.from(context?.now ?? .zero) }

    // MARK: - Driver

    public func create(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        guard let parameters = irp.createParameters else { return k.complete(irp, status: .objectNameNotFound) }
        var (found, parent, path) = lookUp(parameters.fileName)
        // A symbolic link or mount point at the end of the path is followed, unless the open
        // asks for the link itself (FILE_OPEN_REPARSE_POINT).
        var links = 0
        while let link = found, let reparse = link.reparsePoint,
              parameters.options & CreateParameters.openReparsePoint == 0
        {
            links += 1
            guard links <= ReparsePoint.maximumLinks, let target = reparse.target(from: link) else {
                return k.complete(irp, status: .reparsePointNotResolved)
            }
            (found, parent, path) = lookUp(target)
        }
        guard let path else { return k.complete(irp, status: .objectNameNotFound) }
        let open = DiskOpen(access: parameters.desiredAccess, share: parameters.shareAccess,
                            deleteOnClose: parameters.deleteOnClose)
        let information: Int
        let target: DiskFile
        if let existing = found {
            if existing.deletePending { return k.complete(irp, status: .deletePending) }
            if parameters.disposition == .create { return k.complete(irp, status: .objectNameCollision) }
            if existing.isDirectory {
                guard parameters.options & CreateParameters.nonDirectoryFile == 0 else {
                    return k.complete(irp, status: .fileIsADirectory)
                }
                guard parameters.disposition == .open || parameters.disposition == .openIf else {
                    return k.complete(irp, status: .accessDenied)
                }
            } else if parameters.options & CreateParameters.directoryFile != 0 {
                return k.complete(irp, status: .notADirectory)
            }
            guard existing.opens.allSatisfy({ $0.allowsAlongside(open) }) else {
                return k.complete(irp, status: .sharingViolation)
            }
            switch parameters.disposition {
            case .overwriteIf, .overwrite:
                // Emptying a file a section maps is refused (CREATE_ALWAYS, TRUNCATE_EXISTING:
                // ERROR_USER_MAPPED_FILE).
                if existing.dataSection.map({ $0.mappedSize > 0 }) == true { return k.complete(irp, status: .userMappedFile) }
                existing.contents = FileContents()
                existing.lastWriteTime = now
                report([DirectoryChange(path: existing.path, action: DirectoryChange.modified,
                                        filter: DirectoryChange.sizeChanged | DirectoryChange.lastWriteChanged)], k)
                information = CreateInformation.overwritten
            case .open, .openIf, .create:
                information = CreateInformation.opened
            }
            target = existing
        } else {
            guard let parent, parent.isDirectory, !parent.deletePending else {
                return k.complete(irp, status: .objectPathNotFound)
            }
            switch parameters.disposition {
            case .open, .overwrite:
                return k.complete(irp, status: .objectNameNotFound)
            case .create, .overwriteIf, .openIf:
                let directory = parameters.options & CreateParameters.directoryFile != 0
                target = makeEntry(path, directory: directory, in: parent)
                information = CreateInformation.created
            }
        }
        open.file = target
        target.opens.append(open)
        irp.fileObject.driverContext = open
        k.trace("\(target.path) opened (\(information == CreateInformation.created ? "created" : information == CreateInformation.overwritten ? "overwritten" : "existing"))")
        if information == CreateInformation.created {
            report([DirectoryChange(path: target.path, action: DirectoryChange.added,
                                    filter: DirectoryChange.nameFilter(directory: target.isDirectory))], k)
        }
        return k.complete(irp, status: .success, information: information)
    }

    public func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        guard let open = irp.fileObject.driverContext as? DiskOpen, let file = open.file else {
            return k.complete(irp, status: .invalidDeviceRequest)
        }
        // The access check happens before anything is queued: a failure is immediate.
        switch irp.major {
        case .read:
            guard !file.isDirectory else { return k.complete(irp, status: .invalidDeviceRequest) }
            guard open.canRead else { return k.complete(irp, status: .accessDenied) }
            guard locksAllow(irp, file, offset: irp.byteOffset ?? 0, length: irp.length, writing: false) else {
                return k.complete(irp, status: .fileLockConflict)
            }
        case .write:
            guard !file.isDirectory else { return k.complete(irp, status: .invalidDeviceRequest) }
            guard open.canWrite else { return k.complete(irp, status: .accessDenied) }
            // An append (offset -1) writes at the end of the file.
            let offset = irp.byteOffset.map { $0 == UInt64.max ? file.dataSize : $0 } ?? 0
            guard locksAllow(irp, file, offset: offset, length: irp.length, writing: true) else {
                return k.complete(irp, status: .fileLockConflict)
            }
        case .flushBuffers:
            // The cache is the file itself: nothing to write back.
            return k.complete(irp, status: open.canWrite ? .success : .accessDenied)
        case .directoryControl:
            return notifyChangeDirectory(irp, open, file, k)
        case .lockControl:
            return lock(irp, open, file, k)
        case .fileSystemControl:
            return fileSystemControl(irp, open, file, k)
        case .create, .cleanup:
            return k.complete(irp, status: .invalidDeviceRequest)
        case .deviceControl:
            // "The file system driver should [...] determine whether the request has been
            // issued on a handle that is a volume open. [...] If not, the driver should fail the
            // IRP" (IRP_MJ_DEVICE_CONTROL, FS and filter drivers). No volume opens are simulated.
            return k.complete(irp, status: .invalidDeviceRequest)
        }
        if irp.fileObject.isSynchronous {
            if latency == .zero {
                // A read at the end reports through the status block and the event too, as
                // the fast I/O path does (read_file_test: iosb.Status STATUS_END_OF_FILE, event
                // signalled).
                if irp.major == .read, irp.length > 0, irp.byteOffset ?? 0 >= file.dataSize {
                    k.markPending(irp)
                    perform(irp, open, k)
                    return .pending
                }
                return perform(irp, open, k)
            }
        } else if completesOverlappedIOSynchronously {
            return perform(irp, open, k)
        } else if irp.major == .read && latency == .zero {
            // Nothing to wait for: done inside the call, yet reported pending (Vista and later,
            // read_file_test).
            k.markPending(irp)
            perform(irp, open, k)
            return .pending
        }
        guard queue.insert(irp, k) else { return .pending }
        irp.driverContext = k.schedule(after: latency, "the disk finishes a transfer") { [queue] in
            guard queue.remove(irp, k) else { return }
            self.perform(irp, open, k)
        }
        return .pending
    }

    public func cleanup(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        if let open = irp.fileObject.driverContext as? DiskOpen, let file = open.file {
            if let watch = open.watch {
                watch.cleanUp(k)
                watches.removeAll { $0.open === open }
                open.watch = nil
            }
            open.listing = nil
            releaseLocks(of: irp.fileObject, file, k)
            file.opens.removeAll { $0 === open }
            if open.deleteOnClose { file.deletePending = true }
            if file.deletePending, file.opens.isEmpty, file.parent != nil {
                remove(file, k)
                k.trace("\(file.path) deleted (its last handle closed)")
            }
        }
        return k.complete(irp, status: .success)
    }

    /// The disk does the transfer, now.
    @discardableResult
    func perform(_ irp: IRP, _ open: DiskOpen, _ k: DriverContext) -> NTStatus {
        guard let file = open.file else { return k.complete(irp, status: .invalidDeviceRequest) }
        let size = file.dataSize
        var offset = irp.byteOffset ?? 0
        if irp.major == .read {
            // A zero-length read never reports the end of the file (F-RW-14).
            guard irp.length > 0 else { return k.complete(irp, status: .success, information: 0) }
            guard offset < size else { return k.complete(irp, status: .endOfFile, information: 0) }
            let data = file.contents.read(at: offset, count: irp.length)
            irp.systemBuffer = data
            return k.complete(irp, status: .success, information: data.count)
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
        file.write(irp.systemBuffer.prefix(count), at: offset)
        file.lastWriteTime = now
        let grew = file.dataSize != size
        report([DirectoryChange(path: file.path, action: DirectoryChange.modified,
                                filter: DirectoryChange.lastWriteChanged | (grew ? DirectoryChange.sizeChanged : 0))], k)
        return k.complete(irp, status: .success, information: count)
    }
}

/// `FILETIME` values of the simulated clock: 100-nanosecond intervals since 1601-01-01 UTC.
/// The simulation starts at 2024-01-01 00:00:00 UTC, so that times look like real ones and
/// every run gives the same.
public enum FileTime {
    /// 2024-01-01 00:00:00 UTC as a `FILETIME` value.
    public static let simulationStart: UInt64 = 133_485_408_000_000_000

    /// The `FILETIME` value of a virtual instant.
    public static func from(_ instant: VirtualInstant) -> UInt64 { simulationStart + instant.nanoseconds / 100 }
}
