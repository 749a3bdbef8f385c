/// The reparse data of a symbolic link or a mount point (junction) on the volume, as NTFS keeps
/// it and `FSCTL_GET_REPARSE_POINT` returns it in a `REPARSE_DATA_BUFFER`: the tag, the
/// substitute name the file system follows and the print name shown to people.
///
/// `CreateSymbolicLinkW` stores an absolute target as the NT path `\??\C:\target` (the print name
/// is the target as given) and a relative one as given, with `SYMLINK_FLAG_RELATIVE`; a relative
/// target is resolved against the link's directory. `CreateFileW` follows a link at the end of
/// its path unless `FILE_FLAG_OPEN_REPARSE_POINT`; links in the middle of a path are always
/// followed. After ``maximumLinks`` links the open fails with `STATUS_REPARSE_POINT_NOT_RESOLVED`
/// (a loop, for instance).
package struct ReparsePoint: Sendable, Equatable {
    /// `IO_REPARSE_TAG_SYMLINK`.
    package static let symbolicLinkTag: UInt32 = 0xA000_000C
    /// `IO_REPARSE_TAG_MOUNT_POINT`.
    package static let mountPointTag: UInt32 = 0xA000_0003
    /// How many links one open follows (the object manager's limit of reparses per open).
    static let maximumLinks = 63

    package var tag: UInt32
    package var substituteName: String
    package var printName: String
    /// `SYMLINK_FLAG_RELATIVE`: the substitute name is relative to the link's directory.
    package var isRelative: Bool

    package init(tag: UInt32, substituteName: String, printName: String, isRelative: Bool) {
        self.tag = tag
        self.substituteName = substituteName
        self.printName = printName
        self.isRelative = isRelative
    }

    /// The path the link leads to, in the volume's terms, or nil if it leads off the volume.
    func target(from link: DiskFile) -> String? {
        if isRelative {
            guard let directory = VolumePath.parent(of: link.path) else { return nil }
            return VolumePath.normalized(substituteName, currentDirectory: directory)
        }
        return VolumePath.normalized(substituteName)
    }
}

extension CreateParameters {
    /// `FILE_OPEN_REPARSE_POINT` (`FILE_FLAG_OPEN_REPARSE_POINT`): open a symbolic link itself.
    public static let openReparsePoint: UInt32 = 0x0020_0000
}

extension NTStatus {
    /// `STATUS_NOT_A_REPARSE_POINT` (`ERROR_NOT_A_REPARSE_POINT`).
    package static let notAReparsePoint = NTStatus(rawValue: 0xC000_0275)
    /// `STATUS_REPARSE_POINT_NOT_RESOLVED`: too many links on the way.
    static let reparsePointNotResolved = NTStatus(rawValue: 0xC000_0280)
    /// `STATUS_IO_REPARSE_DATA_INVALID` (`ERROR_INVALID_REPARSE_DATA`).
    package static let reparseDataInvalid = NTStatus(rawValue: 0xC000_0278)
    /// `STATUS_BUFFER_TOO_SMALL` (`ERROR_INSUFFICIENT_BUFFER`).
    package static let bufferTooSmall = NTStatus(rawValue: 0xC000_0023)
}

extension Kernel {
    /// `CreateSymbolicLinkW`: a new entry at `link` (a directory entry with `directory`) that
    /// leads to `target`. An existing name is `STATUS_OBJECT_NAME_COLLISION`; a missing
    /// directory above it `STATUS_OBJECT_PATH_NOT_FOUND`. The target need not exist.
    package func ntCreateSymbolicLink(link: String, target: String, directory: Bool) -> NTStatus {
        guard device(forPath: link, creatingPipe: false) === fileSystemDevice else { return .objectPathNotFound }
        let volume = fileSystem
        let (existing, parent, path) = volume.lookUp(link)
        guard let path else { return .objectNameInvalid }
        guard existing == nil else { return .objectNameCollision }
        guard let parent, parent.isDirectory, !parent.deletePending else { return .objectPathNotFound }
        let reparse = ReparsePoint.forTarget(target)
        let entry = volume.makeEntry(path, directory: directory, in: parent)
        entry.reparsePoint = reparse
        driverContext.trace("\(path) created: a symbolic link to \(reparse.printName)")
        volume.report([DirectoryChange(path: path, action: DirectoryChange.added,
                                       filter: DirectoryChange.nameFilter(directory: directory))], driverContext)
        return .success
    }
}

extension ReparsePoint {
    /// The reparse data `CreateSymbolicLinkW` stores for a target as given.
    static func forTarget(_ target: String) -> ReparsePoint {
        let text = String(target.map { $0 == "/" ? "\\" : $0 })
        let characters = Array(text.prefix(2))
        let absolute = text.hasPrefix("\\") || (characters.count == 2 && characters[1] == ":")
        guard absolute, let normalized = VolumePath.normalized(text) else {
            return ReparsePoint(tag: symbolicLinkTag, substituteName: text, printName: text, isRelative: true)
        }
        let printName = text.hasPrefix(#"\\?\"#) || text.hasPrefix(#"\??\"#) ? String(text.dropFirst(4)) : text
        return ReparsePoint(tag: symbolicLinkTag, substituteName: #"\??\"# + normalized, printName: printName, isRelative: false)
    }
}
