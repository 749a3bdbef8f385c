/// One open of a file or directory on the volume, kept in its file object's `driverContext`
/// (NTFS's `FsContext2`, the context control block): the access granted and the share mode,
/// which later opens are checked against, and for a directory the state of a listing in
/// progress (`FindNextFile`) and of a change watch (`ReadDirectoryChangesW`).
final class DiskOpen {
    @exclusivity(unchecked) var file: DiskFile?
    let canRead: Bool
    let canWrite: Bool
    let canDelete: Bool
    let sharesRead: Bool
    let sharesWrite: Bool
    let sharesDelete: Bool
    let deleteOnClose: Bool
    /// The entries of a directory listing taken at its first query, and the next to return.
    @exclusivity(unchecked) var listing: [DirectoryEntry]?
    @exclusivity(unchecked) var listingPosition = 0
    /// The change watch set up by the first `ReadDirectoryChangesW` on this open.
    @exclusivity(unchecked) var watch: DirectoryWatch?

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

/// One entry of a directory listing, as `NtQueryDirectoryFile` returns it
/// (`FILE_BOTH_DIR_INFORMATION`, which `FindFirstFileW` turns into `WIN32_FIND_DATAW`).
public struct DirectoryEntry: Sendable, Equatable {
    /// The name in the directory; `.` and `..` for the directory itself and its parent.
    public var name: String
    public var attributes: UInt32
    public var size: UInt64
    public var creationTime: UInt64
    public var lastAccessTime: UInt64
    public var lastWriteTime: UInt64

    init(name: String, of file: DiskFile) {
        self.name = name
        attributes = file.attributes
        size = file.size
        creationTime = file.creationTime
        lastAccessTime = file.lastAccessTime
        lastWriteTime = file.lastWriteTime
    }
}
