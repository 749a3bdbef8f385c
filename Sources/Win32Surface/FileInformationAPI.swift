import IOKernel

/// The attributes of a file or directory of the simulated volume, by path.
///
/// The corresponding Win32 function is `GetFileAttributesW`: `FILE_ATTRIBUTE_DIRECTORY` for a
/// directory, `FILE_ATTRIBUTE_ARCHIVE` for a file (NTFS sets it on every new file). A missing
/// entry gives `INVALID_FILE_ATTRIBUTES` with `ERROR_FILE_NOT_FOUND`, or `ERROR_PATH_NOT_FOUND`
/// when a directory above it is missing (Wine `kernel32/tests/file.c` test_GetFileAttributesW).
/// A file whose deletion is pending still has attributes.
@discardableResult
public func GetFileAttributesW(_ lpFileName: LPCWSTR!) -> DWORD {
    fileAttributes("GetFileAttributesW", wideString(lpFileName))
}

/// The attributes of a file. The corresponding Win32 function is `GetFileAttributesA`; see
/// ``GetFileAttributesW(_:)``.
@discardableResult
public func GetFileAttributesA(_ lpFileName: LPCSTR!) -> DWORD {
    fileAttributes("GetFileAttributesA", lpFileName.map(callerNarrowString))
}

private func fileAttributes(_ function: String, _ path: String?) -> DWORD {
    return withCurrentThread(failure: INVALID_FILE_ATTRIBUTES) { (thread: borrowing SimThread) in
        let (status, information) = queryAttributes(thread, path)
        var result = INVALID_FILE_ATTRIBUTES
        if let information { result = information.attributes } else { _ = thread.fail(status) }
        thread.traceResult("\(function)(\"\(path ?? "NULL")\")",
                           information == nil ? "INVALID_FILE_ATTRIBUTES, \(win32ErrorName(thread.lastError))" : "0x" + String(result, radix: 16))
        return result
    }
}

private func queryAttributes(_ thread: SimThread, _ path: String?) -> (NTStatus, FileInformation?) {
    guard let path, !path.isEmpty else { return (path == nil ? .objectPathNotFound : .objectNameNotFound, nil) }
    let kernel = thread.kernel
    return kernel.withKernelEntry { kernel.ntQueryAttributes(path: path) }
}

/// The attributes, times and size of a file or directory, by path.
///
/// The corresponding Win32 function is `GetFileAttributesExW`. `fInfoLevelId` must be
/// `GetFileExInfoStandard` (`ERROR_INVALID_PARAMETER` otherwise); `lpFileInformation` receives a
/// `WIN32_FILE_ATTRIBUTE_DATA`. Errors as ``GetFileAttributesW(_:)``.
@discardableResult
public func GetFileAttributesExW(_ lpFileName: LPCWSTR!, _ fInfoLevelId: GET_FILEEX_INFO_LEVELS,
                                 _ lpFileInformation: LPVOID!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let path = wideString(lpFileName)
        let result: Bool
        if fInfoLevelId != GetFileExInfoStandard || lpFileInformation == nil {
            result = thread.fail(ERROR_INVALID_PARAMETER)
        } else {
            let (status, information) = queryAttributes(thread, path)
            if let information, let lpFileInformation {
                var data = WIN32_FILE_ATTRIBUTE_DATA()
                data.dwFileAttributes = information.attributes
                data.ftCreationTime = fileTime(information.creationTime)
                data.ftLastAccessTime = fileTime(information.lastAccessTime)
                data.ftLastWriteTime = fileTime(information.lastWriteTime)
                data.nFileSizeHigh = DWORD(truncatingIfNeeded: information.endOfFile >> 32)
                data.nFileSizeLow = DWORD(truncatingIfNeeded: information.endOfFile)
                let kernel = thread.kernel
                if kernel.probeUserBuffer(lpFileInformation, count: MemoryLayout<WIN32_FILE_ATTRIBUTE_DATA>.size, writing: true,
                                          call: "GetFileAttributesExW")
                {
                    kernel.copyToUser(lpFileInformation, withUnsafeBytes(of: data) { Array($0) })
                    result = true
                } else {
                    result = thread.fail(ERROR_NOACCESS)
                }
            } else {
                result = thread.fail(status)
            }
        }
        thread.traceBool("GetFileAttributesExW(\"\(path ?? "NULL")\")", result)
        return result
    }
}

/// What the volume knows about an open file or directory.
///
/// The corresponding Win32 function is `GetFileInformationByHandle`: attributes, the three
/// times, the volume's serial number, the size, one link, and the file index (unique on the
/// volume, in creation order). A handle that is not to the volume (a pipe, a device) gives
/// `ERROR_INVALID_FUNCTION`; a bad one `ERROR_INVALID_HANDLE`.
@discardableResult
public func GetFileInformationByHandle(_ hFile: HANDLE!, _ lpFileInformation: LPBY_HANDLE_FILE_INFORMATION!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, information) = kernel.withKernelEntry { kernel.ntQueryFileInformation(handle: value(hFile)) }
        let result: Bool
        if let information, let lpFileInformation {
            var data = BY_HANDLE_FILE_INFORMATION()
            data.dwFileAttributes = information.attributes
            data.ftCreationTime = fileTime(information.creationTime)
            data.ftLastAccessTime = fileTime(information.lastAccessTime)
            data.ftLastWriteTime = fileTime(information.lastWriteTime)
            data.dwVolumeSerialNumber = FileInformation.volumeSerialNumber
            data.nFileSizeHigh = DWORD(truncatingIfNeeded: information.endOfFile >> 32)
            data.nFileSizeLow = DWORD(truncatingIfNeeded: information.endOfFile)
            data.nNumberOfLinks = information.numberOfLinks
            data.nFileIndexHigh = DWORD(truncatingIfNeeded: information.fileIndex >> 32)
            data.nFileIndexLow = DWORD(truncatingIfNeeded: information.fileIndex)
            thread.store(data, into: lpFileInformation, call: "GetFileInformationByHandle")
            result = true
        } else {
            result = thread.fail(information == nil ? status : .accessViolation)
        }
        thread.traceBool("GetFileInformationByHandle(\(hex(handle: hFile)))", result)
        return result
    }
}

/// One class of information about an open file or directory.
///
/// The corresponding Win32 function is `GetFileInformationByHandleEx`, for the classes real
/// code asks for: `FileBasicInfo` (`FILE_BASIC_INFO`: the four times as `LARGE_INTEGER`s and
/// the attributes), `FileStandardInfo` (`FILE_STANDARD_INFO`: allocation size in 4 KiB
/// clusters, size, links, delete pending, directory) and `FileNameInfo` (`FILE_NAME_INFO`: the
/// path without its drive, `\data\a.txt`, its length in bytes) and `FileAttributeTagInfo`
/// (`FILE_ATTRIBUTE_TAG_INFO`: the attributes and a symbolic link's or mount point's reparse
/// tag, `IO_REPARSE_TAG_SYMLINK`, 0 for other entries). A buffer smaller than the
/// structure gives `ERROR_BAD_LENGTH`; a `FileNameInfo` buffer too small for the name gives
/// `ERROR_MORE_DATA` with as much of the name as fits and the full length. Any other class is
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func GetFileInformationByHandleEx(_ hFile: HANDLE!, _ FileInformationClass: FILE_INFO_BY_HANDLE_CLASS,
                                         _ lpFileInformation: LPVOID!, _ dwBufferSize: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let result = fileInformationEx(thread, kernel, hFile, FileInformationClass, lpFileInformation, Int(dwBufferSize))
        thread.traceBool("GetFileInformationByHandleEx(\(hex(handle: hFile)), class: \(FileInformationClass.rawValue), \(dwBufferSize))",
                         result)
        return result
    }
}

private func fileInformationEx(_ thread: SimThread, _ kernel: Kernel, _ hFile: HANDLE?, _ informationClass: FILE_INFO_BY_HANDLE_CLASS,
                               _ buffer: LPVOID?, _ size: Int) -> Bool
{
    let minimum: Int
    switch informationClass {
    case FileBasicInfo: minimum = MemoryLayout<FILE_BASIC_INFO>.size
    case FileStandardInfo: minimum = MemoryLayout<FILE_STANDARD_INFO>.size
    case FileNameInfo: minimum = MemoryLayout<FILE_NAME_INFO>.size
    case FileAttributeTagInfo: minimum = MemoryLayout<FILE_ATTRIBUTE_TAG_INFO>.size
    default: return thread.fail(ERROR_INVALID_PARAMETER)
    }
    let (status, information) = kernel.withKernelEntry { kernel.ntQueryFileInformation(handle: value(hFile)) }
    guard let information else { return thread.fail(status) }
    guard size >= minimum else { return thread.fail(ERROR_BAD_LENGTH) }
    // The whole buffer the caller gave is probed, as NtQueryInformationFile probes it.
    guard let buffer, kernel.probeUserBuffer(buffer, count: size, writing: true, call: "GetFileInformationByHandleEx") else {
        return thread.fail(ERROR_NOACCESS)
    }
    switch informationClass {
    case FileBasicInfo:
        var info = FILE_BASIC_INFO()
        info.CreationTime.QuadPart = LONGLONG(bitPattern: information.creationTime)
        info.LastAccessTime.QuadPart = LONGLONG(bitPattern: information.lastAccessTime)
        info.LastWriteTime.QuadPart = LONGLONG(bitPattern: information.lastWriteTime)
        info.ChangeTime.QuadPart = LONGLONG(bitPattern: information.changeTime)
        info.FileAttributes = information.attributes
        kernel.copyToUser(buffer, withUnsafeBytes(of: info) { Array($0) })
        return true
    case FileStandardInfo:
        var info = FILE_STANDARD_INFO()
        info.AllocationSize.QuadPart = LONGLONG(bitPattern: information.allocationSize)
        info.EndOfFile.QuadPart = LONGLONG(bitPattern: information.endOfFile)
        info.NumberOfLinks = information.numberOfLinks
        info.DeletePending = information.deletePending ? 1 : 0
        info.Directory = information.isDirectory ? 1 : 0
        kernel.copyToUser(buffer, withUnsafeBytes(of: info) { Array($0) })
        return true
    case FileAttributeTagInfo:
        // The attributes and, for a symbolic link or mount point, its reparse tag.
        var info = FILE_ATTRIBUTE_TAG_INFO()
        info.FileAttributes = information.attributes
        info.ReparseTag = information.reparseTag
        kernel.copyToUser(buffer, withUnsafeBytes(of: info) { Array($0) })
        return true
    default:
        // FileNameInfo: the path without its drive letter, as NTFS names the file.
        let name = Array(information.path.dropFirst(2).utf16)
        let fitting = min(name.count, (size - MemoryLayout<DWORD>.size) / 2)
        var bytes = withUnsafeBytes(of: DWORD(name.count * 2).littleEndian) { Array($0) }
        for unit in name.prefix(fitting) { bytes += [UInt8(truncatingIfNeeded: unit), UInt8(truncatingIfNeeded: unit >> 8)] }
        kernel.copyToUser(buffer, bytes)
        return fitting == name.count ? true : thread.fail(ERROR_MORE_DATA)
    }
}

/// What kind of file a handle is to.
///
/// The corresponding Win32 function is `GetFileType`: `FILE_TYPE_DISK` for a file or directory
/// of the simulated volume, `FILE_TYPE_PIPE` for either end of a named pipe, `FILE_TYPE_CHAR`
/// for an installed device (a character device, as a serial line or the console is). A bad
/// handle, or a handle to something that is not a file (an event), gives `FILE_TYPE_UNKNOWN`
/// with `ERROR_INVALID_HANDLE`; on success the last error is left alone.
@discardableResult
public func GetFileType(_ hFile: HANDLE!) -> DWORD {
    return withCurrentThread(failure: DWORD(FILE_TYPE_UNKNOWN)) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, kind) = kernel.withKernelEntry { kernel.ntQueryDeviceKind(handle: value(hFile)) }
        let result: Int32
        switch kind {
        case .disk: result = FILE_TYPE_DISK
        case .pipe: result = FILE_TYPE_PIPE
        case .character: result = FILE_TYPE_CHAR
        case nil:
            result = FILE_TYPE_UNKNOWN
            _ = thread.fail(status)
        }
        thread.traceResult("GetFileType(\(hex(handle: hFile)))", "\(result)")
        return DWORD(result)
    }
}

/// A `FILETIME` from its 64-bit value.
func fileTime(_ value: UInt64) -> FILETIME {
    FILETIME(dwLowDateTime: DWORD(truncatingIfNeeded: value), dwHighDateTime: DWORD(truncatingIfNeeded: value >> 32))
}
