/// The system services of the disk volume that the I/O manager answers from the file object or
/// the volume directly (`NtQueryInformationFile`, `NtSetInformationFile`, `NtQueryDirectoryFile`,
/// `NtNotifyChangeDirectoryFile`) and the kernel32 operations on names (`DeleteFile`,
/// `RemoveDirectory`, `MoveFileEx`, `CopyFile`, the current directory).
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

    /// The volume's open behind a handle: `STATUS_INVALID_HANDLE` for a bad one,
    /// `STATUS_INVALID_DEVICE_REQUEST` for a handle to something else.
    func diskOpen(_ handle: UInt) -> (DiskOpen?, NTStatus) {
        let (file, status) = fileObject(handle)
        guard let file else { return (nil, status) }
        guard file.device === fileSystemDevice, let open = file.driverContext as? DiskOpen, open.file != nil else {
            return (nil, .invalidDeviceRequest)
        }
        return (open, .success)
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
        let (open, status) = diskOpen(handle)
        guard let file = open?.file else { return (status, 0) }
        return (.success, file.size)
    }

    /// `NtSetInformationFile(FileEndOfFileInformation)`: truncates or extends (with zeros) the
    /// file; the handle needs write access.
    package func ntSetEndOfFile(handle: UInt, to size: UInt64) -> NTStatus {
        let (open, status) = diskOpen(handle)
        guard let open, let file = open.file else { return status }
        guard !file.isDirectory else { return .invalidParameter }
        guard open.canWrite else { return .accessDenied }
        let volume = fileSystem
        guard size <= UInt64(max(0, volume.maximumFileSize)) else { return .diskFull }
        let old = file.dataSize
        if let refused = userMappedFileStatus(file, truncatingTo: size) { return refused }
        file.setSize(size)
        file.lastWriteTime = volume.now
        if old != size {
            volume.report([DirectoryChange(path: file.path, action: DirectoryChange.modified,
                                           filter: DirectoryChange.sizeChanged | DirectoryChange.lastWriteChanged)], driverContext)
        }
        return .success
    }

    /// `NtQueryInformationFile` for the classes `GetFileInformationByHandle(Ex)` asks for
    /// (basic, standard, internal, name), from a handle to the volume.
    package func ntQueryFileInformation(handle: UInt) -> (NTStatus, FileInformation?) {
        let (open, status) = diskOpen(handle)
        guard let file = open?.file else { return (status, nil) }
        return (.success, FileInformation(file))
    }

    /// `NtQueryFullAttributesFile`: what `GetFileAttributes(Ex)` reports, by path.
    package func ntQueryAttributes(path: String) -> (NTStatus, FileInformation?) {
        guard device(forPath: path, creatingPipe: false) === fileSystemDevice else { return (.objectNameInvalid, nil) }
        let volume = fileSystem
        let (found, parent, normalized) = volume.lookUp(path)
        guard let file = found else { return (volume.missing(normalized, parent), nil) }
        return (.success, FileInformation(file))
    }

    /// Which kind of device a handle's file object is on, for `GetFileType`: the disk volume,
    /// the named-pipe file system, or another installed device (a character device); nil and
    /// the status for a handle that is not a file.
    package func ntQueryDeviceKind(handle: UInt) -> (NTStatus, DeviceKind?) {
        let (file, status) = fileObject(handle)
        guard let file else { return (status, nil) }
        if file.device === fileSystemDevice { return (.success, .disk) }
        if file.device === namedPipeDevice { return (.success, .pipe) }
        return (.success, .character)
    }

    /// `DeleteFile`'s open, set-disposition and close, in one step.
    package func ntDeleteFile(path: String) -> NTStatus {
        guard device(forPath: path, creatingPipe: false) === fileSystemDevice else { return .objectNameNotFound }
        return fileSystem.delete(path: path, driverContext)
    }

    /// `RemoveDirectory`'s open, set-disposition and close, in one step.
    package func ntRemoveDirectory(path: String) -> NTStatus {
        guard device(forPath: path, creatingPipe: false) === fileSystemDevice else { return .objectNameNotFound }
        return fileSystem.removeDirectory(path: path, driverContext)
    }

    /// `NtSetInformationFile(FileRenameInformation)` on the source, opened for `DELETE`.
    package func ntMoveFile(from source: String, to target: String, replace: Bool) -> NTStatus {
        guard device(forPath: source, creatingPipe: false) === fileSystemDevice else { return .objectNameNotFound }
        guard device(forPath: target, creatingPipe: false) === fileSystemDevice else { return .notSameDevice }
        return fileSystem.move(from: source, to: target, replace: replace, driverContext)
    }

    /// `CopyFile`: the volume copies a file.
    package func ntCopyFile(from source: String, to target: String, failIfExists: Bool) -> NTStatus {
        guard device(forPath: source, creatingPipe: false) === fileSystemDevice else { return .objectNameNotFound }
        guard device(forPath: target, creatingPipe: false) === fileSystemDevice else { return .objectNameInvalid }
        return fileSystem.copy(from: source, to: target, failIfExists: failIfExists, driverContext)
    }

    /// `NtQueryDirectoryFile` with `ReturnSingleEntry`, on a directory handle: the next entry
    /// of the listing the first call took (of the names matching `pattern`).
    package func ntQueryDirectoryFile(handle: UInt, pattern: String?) -> (NTStatus, DirectoryEntry?) {
        let (open, status) = diskOpen(handle)
        guard let open else { return (status == .invalidDeviceRequest ? .invalidParameter : status, nil) }
        return fileSystem.nextEntry(of: open, pattern: pattern)
    }

    /// `NtNotifyChangeDirectoryFile`: an `IRP_MJ_DIRECTORY_CONTROL` through the usual issue
    /// path, which the volume completes when a change under the directory matches `filter`
    /// (``DirectoryWatch``). A filter of 0 or with bits outside `FILE_NOTIFY_VALID_MASK` is
    /// `STATUS_INVALID_PARAMETER`.
    package func ntNotifyChangeDirectoryFile(handle: UInt, event: UInt?, apcRoutine: APCRoutine?,
                                             apcContext: UnsafeMutableRawPointer?, ioStatus: UnsafeMutableRawPointer?,
                                             buffer: UnsafeMutableRawPointer?, length: Int, filter: UInt32,
                                             watchSubtree: Bool) -> NTStatus
    {
        guard filter != 0, filter & ~DirectoryChange.validFilter == 0 else { return .invalidParameter }
        return transfer(.directoryControl, handle: handle, event: event, apcRoutine: apcRoutine, apcContext: apcContext,
                        ioStatus: ioStatus, buffer: buffer, length: length, byteOffset: nil, controlCode: filter,
                        watchesSubtree: watchSubtree)
    }

    /// The current directory (`RtlGetCurrentDirectory_U`), with its trailing `\`.
    package var currentDirectory: String {
        let directory = fileSystem.currentDirectory
        return VolumePath.isRoot(directory) ? directory : directory + "\\"
    }

    /// `RtlSetCurrentDirectory_U`: the directory must exist (`STATUS_OBJECT_NAME_NOT_FOUND`,
    /// `STATUS_OBJECT_PATH_NOT_FOUND`) and be one (`STATUS_NOT_A_DIRECTORY`).
    package func setCurrentDirectory(_ path: String) -> NTStatus {
        guard device(forPath: path, creatingPipe: false) === fileSystemDevice else { return .objectNameNotFound }
        let volume = fileSystem
        let (found, parent, normalized) = volume.lookUp(path)
        guard let directory = found, let normalized else { return volume.missing(normalized, parent) }
        guard directory.isDirectory else { return .notADirectory }
        volume.currentDirectory = normalized
        return .success
    }

    /// `RtlGetFullPathName_U`: the canonical path of `path` against the current directory
    /// (nil for one that is not on the volume), with a trailing `\` kept when `path` had one.
    package func fullPathName(_ path: String) -> String? {
        guard var full = fileSystem.normalize(path) else { return nil }
        if !VolumePath.isRoot(full), path.hasSuffix("\\") || path.hasSuffix("/") { full += "\\" }
        return full
    }

    /// The temporary folder, with its trailing `\` (`GetTempPathW`).
    package var temporaryDirectory: String { fileSystem.temporaryDirectory + "\\" }

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

/// What a device is, as `GetFileType` tells them apart.
package enum DeviceKind: Sendable {
    case disk, pipe, character
}

/// The information `NtQueryInformationFile` and `NtQueryFullAttributesFile` give about an entry
/// of the volume (`FILE_BASIC_INFORMATION`, `FILE_STANDARD_INFORMATION`,
/// `FILE_INTERNAL_INFORMATION`, `FILE_NAME_INFORMATION`).
package struct FileInformation: Sendable, Equatable {
    /// The full canonical path (`C:\data\a.txt`).
    package var path: String
    package var attributes: UInt32
    package var creationTime: UInt64
    package var lastAccessTime: UInt64
    package var lastWriteTime: UInt64
    package var changeTime: UInt64
    package var endOfFile: UInt64
    /// The allocation size: the size rounded up to the volume's 4 KiB clusters.
    package var allocationSize: UInt64
    package var fileIndex: UInt64
    package var numberOfLinks: UInt32
    package var deletePending: Bool
    package var isDirectory: Bool
    /// `IO_REPARSE_TAG_*` of a symbolic link or mount point, 0 for other entries.
    package var reparseTag: UInt32
    /// The serial number of the simulated volume, fixed.
    package static let volumeSerialNumber: UInt32 = 0x5153_494D

    init(_ file: DiskFile) {
        path = file.path
        attributes = file.attributes
        creationTime = file.creationTime
        lastAccessTime = file.lastAccessTime
        lastWriteTime = file.lastWriteTime
        changeTime = file.changeTime
        endOfFile = file.size
        let cluster = UInt64(FileContents.pageSize)
        allocationSize = (file.size + cluster - 1) / cluster * cluster
        fileIndex = file.fileIndex
        numberOfLinks = 1
        deletePending = file.deletePending
        isDirectory = file.isDirectory
        reparseTag = file.reparsePoint?.tag ?? 0
    }
}
