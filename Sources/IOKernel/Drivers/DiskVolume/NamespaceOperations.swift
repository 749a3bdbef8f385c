/// What the volume does to its names outside reads and writes: deleting, removing a
/// directory, renaming, copying, listing, and reporting each change to the watches.
extension FileSystemDriver {
    /// `DeleteFile`: opens the file for `DELETE` sharing everything, marks it for deletion, and
    /// closes it. The name goes when the last handle closes; until then new opens fail with
    /// `STATUS_DELETE_PENDING` (the documented `DeleteFile` behaviour). A directory is
    /// `STATUS_FILE_IS_A_DIRECTORY` (`ERROR_ACCESS_DENIED`).
    func delete(path: String, _ k: DriverContext) -> NTStatus {
        let (found, parent, normalized) = lookUp(path)
        guard let file = found else { return missing(normalized, parent) }
        guard !file.isDirectory else { return .fileIsADirectory }
        return markForDeletion(file, k)
    }

    /// `RemoveDirectory`: as ``delete(path:_:)`` for an empty directory. One with entries is
    /// `STATUS_DIRECTORY_NOT_EMPTY`, a file `STATUS_NOT_A_DIRECTORY`, a root
    /// `STATUS_CANNOT_DELETE`.
    func removeDirectory(path: String, _ k: DriverContext) -> NTStatus {
        let (found, parent, normalized) = lookUp(path)
        guard let directory = found else { return missing(normalized, parent) }
        guard directory.isDirectory else { return .notADirectory }
        guard directory.parent != nil else { return .cannotDelete }
        guard directory.entries.isEmpty else { return .directoryNotEmpty }
        return markForDeletion(directory, k)
    }

    /// The status for a name not found: `STATUS_OBJECT_NAME_NOT_FOUND` when its directory
    /// exists (or the path names nothing on the volume), `STATUS_OBJECT_PATH_NOT_FOUND` when
    /// a directory above it is missing.
    func missing(_ path: String?, _ parent: DiskFile?) -> NTStatus {
        path == nil || parent != nil ? .objectNameNotFound : .objectPathNotFound
    }

    private func markForDeletion(_ file: DiskFile, _ k: DriverContext) -> NTStatus {
        if file.deletePending { return .deletePending }
        let deleter = DiskOpen(access: 0x0001_0000, share: 0x7, deleteOnClose: true)
        guard file.opens.allSatisfy({ $0.allowsAlongside(deleter) }) else { return .sharingViolation }
        if file.opens.isEmpty {
            remove(file, k)
        } else {
            file.deletePending = true
        }
        return .success
    }

    /// Takes the entry out of the namespace and reports its removal.
    func remove(_ file: DiskFile, _ k: DriverContext) {
        let path = file.path
        unlink(file)
        report([DirectoryChange(path: path, action: DirectoryChange.removed,
                                filter: DirectoryChange.nameFilter(directory: file.isDirectory))], k)
    }

    /// `MoveFileEx` on one volume: a rename (`FileRenameInformation`). The target's directory
    /// must exist (`STATUS_OBJECT_PATH_NOT_FOUND`); an existing target is
    /// `STATUS_OBJECT_NAME_COLLISION` unless `replace` and it is a file nobody has open
    /// (`STATUS_ACCESS_DENIED` otherwise); the source must not be open without
    /// `FILE_SHARE_DELETE` (`STATUS_SHARING_VIOLATION`). A directory moves with everything in
    /// it, but not into itself. Reported as `RENAMED_OLD_NAME` and `RENAMED_NEW_NAME` within one
    /// directory, as `REMOVED` and `ADDED` across directories (Wine's `change.c`
    /// test_readdirectorychanges_cr).
    ///
    /// `renamingOpen` is the open a rename by handle (`SetFileInformationByHandle`) comes
    /// through: it needs `DELETE` access itself and takes no part in the share check.
    func move(from source: String, to target: String, replace: Bool, renamingOpen: DiskOpen? = nil,
              _ k: DriverContext) -> NTStatus {
        let (found, sourceParent, sourcePath) = lookUp(source)
        guard let file = found else { return missing(sourcePath, sourceParent) }
        guard let from = file.parent else { return .accessDenied }
        let (existing, targetParent, targetPath) = lookUp(target)
        guard let targetPath else { return .objectNameInvalid }
        guard let to = existing?.parent ?? targetParent, to.isDirectory else { return .objectPathNotFound }
        guard !to.isInside(file) else { return .accessDenied }
        if file.deletePending { return .deletePending }
        let mover = DiskOpen(access: 0x0001_0000, share: 0x7, deleteOnClose: false)
        guard file.opens.allSatisfy({ $0 === renamingOpen || $0.allowsAlongside(mover) }) else { return .sharingViolation }
        var changes: [DirectoryChange] = []
        if let existing, existing !== file {
            guard replace else { return .objectNameCollision }
            guard !existing.isDirectory, existing.opens.isEmpty, !existing.deletePending else { return .accessDenied }
            unlink(existing)
            changes.append(DirectoryChange(path: existing.path, action: DirectoryChange.removed,
                                           filter: DirectoryChange.nameFilter(directory: false)))
        }
        let oldPath = file.path
        let filter = DirectoryChange.nameFilter(directory: file.isDirectory)
        unlink(file)
        file.rename(to: targetPath)
        file.parent = to
        to.entries[VolumePath.key(file.name)] = file
        file.changeTime = now
        if from === to {
            changes.append(DirectoryChange(path: oldPath, action: DirectoryChange.renamedOldName, filter: filter))
            changes.append(DirectoryChange(path: targetPath, action: DirectoryChange.renamedNewName, filter: filter))
        } else {
            changes.append(DirectoryChange(path: oldPath, action: DirectoryChange.removed, filter: filter))
            changes.append(DirectoryChange(path: targetPath, action: DirectoryChange.added, filter: filter))
        }
        k.trace("\(oldPath) renamed to \(targetPath)")
        report(changes, k)
        return .success
    }

    /// `CopyFile`: the source's data, attributes and last-write time into a new or replaced
    /// file. The source must be a file that its opens let be read (`STATUS_SHARING_VIOLATION`);
    /// an existing target is `STATUS_OBJECT_NAME_COLLISION` with `failIfExists`, and must be a
    /// file its opens let be written.
    func copy(from source: String, to target: String, failIfExists: Bool, _ k: DriverContext) -> NTStatus {
        let (found, sourceParent, sourcePath) = lookUp(source)
        guard let file = found else { return missing(sourcePath, sourceParent) }
        guard !file.isDirectory else { return .accessDenied }
        // The copy opens the source for reading, sharing everything, and the destination for
        // writing, sharing reading and writing: the share checks Wine's test_CopyFile2 sees (a
        // source open read-write sharing only reading, or open for DELETE, can be copied; a
        // destination open for DELETE cannot be written, even with delete sharing).
        let reader = DiskOpen(access: 0x8000_0000, share: 0x7, deleteOnClose: false)
        guard file.opens.allSatisfy({ $0.allowsAlongside(reader) }) else { return .sharingViolation }
        let (existing, targetParent, targetPath) = lookUp(target)
        guard let targetPath else { return .objectNameInvalid }
        let destination: DiskFile
        if let existing {
            if failIfExists { return .objectNameCollision }
            // Onto itself: the destination's open for writing meets the source's open, which
            // does not share writing (Wine's test_CopyFile2: ERROR_SHARING_VIOLATION).
            if existing === file { return .sharingViolation }
            guard !existing.isDirectory, !existing.deletePending else { return .accessDenied }
            let writer = DiskOpen(access: 0x4000_0000, share: 0x3, deleteOnClose: false)
            guard existing.opens.allSatisfy({ $0.allowsAlongside(writer) }) else { return .sharingViolation }
            // The copy empties the destination first, which a section over it forbids.
            if existing.dataSection.map({ $0.mappedSize > 0 }) == true { return .userMappedFile }
            destination = existing
        } else {
            guard let targetParent, targetParent.isDirectory else { return .objectPathNotFound }
            destination = makeEntry(targetPath, directory: false, in: targetParent)
            report([DirectoryChange(path: targetPath, action: DirectoryChange.added, filter: DirectoryChange.fileName)], k)
        }
        destination.contents = file.contents
        destination.storedAttributes = file.storedAttributes
        destination.lastWriteTime = file.lastWriteTime
        k.trace("\(file.path) copied to \(destination.path)")
        report([DirectoryChange(path: destination.path, action: DirectoryChange.modified,
                                filter: DirectoryChange.sizeChanged | DirectoryChange.lastWriteChanged)], k)
        return .success
    }

    /// Reports one operation's changes to every watch above them, in the order the watches
    /// were set up.
    func report(_ changes: [DirectoryChange], _ k: DriverContext) {
        for (open, watch) in watches {
            guard let directory = open.file else { continue }
            watch.deliver(watch.records(of: changes, in: directory.path), k)
        }
    }

    /// `NtNotifyChangeDirectoryFile` (`IRP_MJ_DIRECTORY_CONTROL`, `IRP_MN_NOTIFY_CHANGE_DIRECTORY`):
    /// the request's completion filter is its ``IRP/controlCode`` and `SL_WATCH_TREE` its
    /// ``IRP/watchesSubtree``. A handle to a file is `STATUS_INVALID_PARAMETER`.
    func notifyChangeDirectory(_ irp: IRP, _ open: DiskOpen, _ file: DiskFile, _ k: DriverContext) -> NTStatus {
        guard file.isDirectory else { return k.complete(irp, status: .invalidParameter) }
        let watch: DirectoryWatch
        if let existing = open.watch {
            watch = existing
        } else {
            watch = DirectoryWatch(filter: irp.controlCode, watchesSubtree: irp.watchesSubtree, bufferLength: irp.length)
            open.watch = watch
            watches.append((open, watch))
        }
        return watch.queue(irp, k)
    }

    /// `NtQueryDirectoryFile`, one entry at a time: the first query takes the listing (`.` and
    /// `..` first, except in a root, then the entries in NTFS's case-insensitive order) of the
    /// names matching `pattern` (`*` and `?`; `*.*` is everything); later ones continue it.
    /// Nothing matching is `STATUS_NO_SUCH_FILE`; the end `STATUS_NO_MORE_FILES`.
    func nextEntry(of open: DiskOpen, pattern: String?) -> (NTStatus, DirectoryEntry?) {
        guard let directory = open.file, directory.isDirectory else { return (.invalidParameter, nil) }
        if open.listing == nil {
            let wildcard = pattern.map { $0 == "*.*" ? "*" : $0 } ?? "*"
            var entries: [DirectoryEntry] = []
            if directory.parent != nil {
                entries.append(DirectoryEntry(name: ".", of: directory))
                entries.append(DirectoryEntry(name: "..", of: directory.parent ?? directory))
            }
            entries += directory.sortedEntries.map { DirectoryEntry(name: $0.name, of: $0) }
            let matching = entries.filter { Wildcard.matches(Array($0.name.lowercased()), Array(wildcard.lowercased())) }
            guard !matching.isEmpty else { return (.noSuchFile, nil) }
            open.listing = matching
            open.listingPosition = 0
        }
        guard let listing = open.listing, open.listingPosition < listing.count else { return (.noMoreFiles, nil) }
        open.listingPosition += 1
        return (.success, listing[open.listingPosition - 1])
    }
}

/// The file-name wildcards of `FsRtlIsNameInExpression`, as `FindFirstFile` passes them: `*`
/// matches any run of characters, `?` any one.
enum Wildcard {
    static func matches(_ name: [Character], _ pattern: [Character]) -> Bool {
        var n = 0, p = 0
        var star = -1, resume = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
                n += 1
                p += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                resume = n
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                n = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
