/// `NtSetInformationFile` for the classes `SetFileInformationByHandle` sets beyond the end of
/// file: basic information (attributes and times), the delete disposition, and a rename by
/// handle. What Windows checks is checked, with its statuses.
extension Kernel {
    /// The attributes the caller may set (`FILE_ATTRIBUTE_READONLY`, `HIDDEN`, `SYSTEM`,
    /// `ARCHIVE`, `NORMAL`, `TEMPORARY`, `OFFLINE`, `NOT_CONTENT_INDEXED`).
    static let settableAttributes: UInt32 = 0x1 | 0x2 | 0x4 | 0x20 | 0x80 | 0x100 | 0x1000 | 0x2000

    /// `FileBasicInformation`: attributes (0 leaves them, `NORMAL` clears them) and the four
    /// times (0 leaves a time, -1 too: the simulation never updates it by itself afterwards
    /// either way). The handle needs write access (`FILE_WRITE_ATTRIBUTES` on Windows, which the
    /// volume's opens do not record apart from write access).
    package func ntSetBasicInformation(handle: UInt, attributes: UInt32, creationTime: Int64, lastAccessTime: Int64,
                                       lastWriteTime: Int64, changeTime: Int64) -> NTStatus
    {
        let (open, status) = diskOpen(handle)
        guard let open, let file = open.file else { return status }
        guard open.canWrite else { return .accessDenied }
        if attributes != 0 {
            guard attributes & ~(Kernel.settableAttributes | 0x10) == 0 else { return .invalidParameter }
            file.storedAttributes = attributes & Kernel.settableAttributes & ~0x80
        }
        func set(_ value: Int64, _ time: inout UInt64) { if value > 0 { time = UInt64(value) } }
        set(creationTime, &file.creationTime)
        set(lastAccessTime, &file.lastAccessTime)
        set(lastWriteTime, &file.lastWriteTime)
        set(changeTime, &file.changeTime)
        fileSystem.report([DirectoryChange(path: file.path, action: DirectoryChange.modified,
                                           filter: DirectoryChange.attributesChanged)], driverContext)
        return .success
    }

    /// `FileDispositionInformation(Ex)`: marks the file or directory to be deleted when its
    /// last handle closes, or clears the mark. The handle needs `DELETE` access
    /// (`STATUS_ACCESS_DENIED`); a read-only file is `STATUS_CANNOT_DELETE` unless
    /// `ignoreReadOnly`; a directory with entries `STATUS_DIRECTORY_NOT_EMPTY`; the root cannot
    /// be deleted.
    package func ntSetDispositionFile(handle: UInt, delete: Bool, ignoreReadOnly: Bool) -> NTStatus {
        let (open, status) = diskOpen(handle)
        guard let open, let file = open.file else { return status }
        guard open.canDelete, file.parent != nil else { return .accessDenied }
        guard delete else {
            file.deletePending = false
            return .success
        }
        if !file.isDirectory, file.storedAttributes & 0x1 != 0, !ignoreReadOnly { return .cannotDelete }
        if file.isDirectory, !file.entries.isEmpty { return .directoryNotEmpty }
        file.deletePending = true
        return .success
    }

    /// `FileRenameInformation(Ex)`: renames the file or directory the handle names, as
    /// `MoveFileEx` does on one volume, with the handle's own open taking no part in the share
    /// check. The handle needs `DELETE` access (`STATUS_ACCESS_DENIED`).
    package func ntRenameFile(handle: UInt, to target: String, replace: Bool) -> NTStatus {
        let (open, status) = diskOpen(handle)
        guard let open, let file = open.file else { return status }
        guard open.canDelete else { return .accessDenied }
        guard let full = fullPathName(target) else { return .objectNameInvalid }
        guard device(forPath: full, creatingPipe: false) === fileSystemDevice else { return .notSameDevice }
        return fileSystem.move(from: file.path, to: full, replace: replace, renamingOpen: open, driverContext)
    }
}

extension Kernel {
    /// `SetFileAttributes`: the open it makes asks for `FILE_WRITE_ATTRIBUTES` only, which takes
    /// no part in share checks, so other opens never stop it. A path that names nothing is
    /// `STATUS_OBJECT_NAME_NOT_FOUND` (or `…PATH_NOT_FOUND`); attributes outside the settable
    /// ones are `STATUS_INVALID_PARAMETER`.
    package func ntSetFileAttributes(path: String, attributes: UInt32) -> NTStatus {
        guard let full = fullPathName(path), device(forPath: full, creatingPipe: false) === fileSystemDevice else {
            return .objectNameNotFound
        }
        let volume = fileSystem
        let (found, parent, normalized) = volume.lookUp(full)
        guard let file = found else { return volume.missing(normalized, parent) }
        guard attributes & ~(Kernel.settableAttributes | 0x10) == 0 else { return .invalidParameter }
        file.storedAttributes = attributes & Kernel.settableAttributes & ~0x80
        volume.report([DirectoryChange(path: file.path, action: DirectoryChange.modified,
                                       filter: DirectoryChange.attributesChanged)], driverContext)
        return .success
    }
}
