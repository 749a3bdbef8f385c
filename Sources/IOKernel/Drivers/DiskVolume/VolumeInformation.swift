/// What the volume says about itself (`NtQueryVolumeInformationFile`'s size and attribute
/// classes, as `GetDiskFreeSpaceExW` and `GetVolumeInformationW` ask for them): one volume behind
/// every drive letter, formatted NTFS with 4 KiB clusters, no label, the fixed serial number
/// ``FileInformation/volumeSerialNumber``, and ``FileSystemDriver/capacity`` bytes.
extension FileSystemDriver {
    /// The bytes the files take on the disk: each file's size rounded up to the 4 KiB cluster.
    public var usedBytes: UInt64 {
        let cluster = UInt64(FileContents.pageSize)
        var total: UInt64 = 0
        func walk(_ directory: DiskFile) {
            for entry in directory.entries.values {
                if entry.isDirectory {
                    walk(entry)
                } else {
                    total &+= (entry.size + cluster - 1) / cluster * cluster
                }
            }
        }
        for root in rootDirectories { walk(root) }
        return total
    }

    /// The free bytes: ``capacity`` less ``usedBytes`` (0 when the files take more).
    public var freeBytes: UInt64 { capacity > usedBytes ? capacity - usedBytes : 0 }

    /// The name of the file system, as `GetVolumeInformationW` gives it.
    static let fileSystemName = "NTFS"
    /// The longest name a component may have.
    static let maximumComponentLength: UInt32 = 255
    /// `FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK | FILE_SUPPORTS_REPARSE_POINTS`: what
    /// the simulated volume does (names keep their case and are looked up without it; symbolic
    /// links are reparse points).
    static let fileSystemFlags: UInt32 = 0x2 | 0x4 | 0x80
}

/// `FileFsFullSizeInformation` and `FileFsAttributeInformation`/`FileFsVolumeInformation`, in
/// one answer.
package struct VolumeInformation: Sendable {
    package var totalBytes: UInt64
    package var freeBytes: UInt64
    package var serialNumber: UInt32
    package var label: String
    package var fileSystemName: String
    package var maximumComponentLength: UInt32
    package var fileSystemFlags: UInt32
}

extension Kernel {
    /// The volume a directory is on, for `GetDiskFreeSpaceExW` (nil: the current directory).
    /// The directory must exist (`STATUS_OBJECT_NAME_NOT_FOUND`, `STATUS_OBJECT_PATH_NOT_FOUND`)
    /// and be one (`STATUS_NOT_A_DIRECTORY`), as the open of it with `FILE_DIRECTORY_FILE`
    /// requires; a path that is not on the volume is `STATUS_OBJECT_PATH_NOT_FOUND`.
    package func ntQueryVolumeInformation(directory path: String?) -> (NTStatus, VolumeInformation?) {
        let volume = fileSystem
        if let path {
            guard device(forPath: path, creatingPipe: false) === fileSystemDevice else { return (.objectPathNotFound, nil) }
            let (found, parent, normalized) = volume.lookUp(path)
            guard let directory = found else { return (volume.missing(normalized, parent), nil) }
            guard directory.isDirectory else { return (.notADirectory, nil) }
        }
        return (.success, VolumeInformation(
            totalBytes: volume.capacity, freeBytes: volume.freeBytes, serialNumber: FileInformation.volumeSerialNumber,
            label: "", fileSystemName: FileSystemDriver.fileSystemName,
            maximumComponentLength: FileSystemDriver.maximumComponentLength,
            fileSystemFlags: FileSystemDriver.fileSystemFlags))
    }
}
