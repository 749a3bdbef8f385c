import IOKernel

/// The root of the volume a path is on. The corresponding Win32 function is
/// `GetVolumePathNameW`.
///
/// The simulated volume has no mount points, so the answer is the drive's root: `C:\` for
/// `C:\dir\file`, `c:/x` and `C:` (the letter upper-cased), `\\?\C:\` for `\\?\C:\dir` (the
/// prefix and the letter kept as given), the current directory's drive for a relative path or a
/// `\??\` path. Every drive letter names the simulated volume. A buffer that holds the root
/// without its trailing `\` gets that (`C:`) and `TRUE`; a shorter one fails with
/// `ERROR_FILENAME_EXCED_RANGE`. A null or empty name, a null buffer or a zero length is
/// `ERROR_INVALID_PARAMETER`; a network or device path (`\\server\share`, `\\?\Volume{…}`) is
/// `ERROR_INVALID_NAME`, and a drive that is not a letter (`?:`) `ERROR_FILE_NOT_FOUND`. All of
/// it from Wine's kernel32 `volume.c` test_GetVolumePathNameA/W.
@discardableResult
public func GetVolumePathNameW(_ lpszFileName: LPCWSTR!, _ lpszVolumePathName: LPWSTR!, _ cchBufferLength: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let name = wideString(lpszFileName)
        let result = thread.withKernel { kernel -> Bool in
            guard let name, !name.isEmpty, let buffer = lpszVolumePathName, cchBufferLength > 0 else {
                return thread.fail(ERROR_INVALID_PARAMETER)
            }
            let root: String
            switch volumeRoot(of: name, currentDirectory: kernel.currentDirectory) {
            case .success(let found): root = found
            case .failure(let error): return thread.fail(error.code)
            }
            // "C:\" needs 4 characters; with 3, "C:" fits and is the answer.
            var units = Array(root.utf16)
            if Int(cchBufferLength) <= units.count {
                guard Int(cchBufferLength) == units.count else { return thread.fail(ERROR_FILENAME_EXCED_RANGE) }
                units.removeLast()
            }
            guard copyOut(thread, units, cchBufferLength, buffer, call: "GetVolumePathNameW") != 0 || units.isEmpty else {
                return false
            }
            return true
        }
        thread.traceBool("GetVolumePathNameW(\"\(name ?? "NULL")\", \(cchBufferLength))", result)
        return result
    }
}

/// A Win32 error code, as a value a `Result` can carry.
struct Win32ErrorCode: Error {
    let code: Int32
}

/// The volume root `GetVolumePathNameW` gives for `name`.
private func volumeRoot(of name: String, currentDirectory: String) -> Result<String, Win32ErrorCode> {
    let text = String(name.map { $0 == "/" ? "\\" : $0 })
    let currentRoot = String(currentDirectory.prefix(3))
    if text.hasPrefix(#"\??\"#) { return .success(currentRoot) }
    let prefix = text.hasPrefix(#"\\?\"#) ? #"\\?\"# : ""
    let rest = text.dropFirst(prefix.count)
    if rest.hasPrefix(#"\\"#) || (!prefix.isEmpty && !(rest.dropFirst().first == ":")) {
        return .failure(Win32ErrorCode(code: ERROR_INVALID_NAME))
    }
    let characters = Array(rest.prefix(2))
    guard characters.count == 2, characters[1] == ":" else {
        return .success(currentRoot)
    }
    guard characters[0].isASCII, characters[0].isLetter else { return .failure(Win32ErrorCode(code: ERROR_FILE_NOT_FOUND)) }
    let letter = prefix.isEmpty ? characters[0].uppercased() : String(characters[0])
    return .success(prefix + letter + #":\"#)
}

/// The free space of the volume a directory is on. The corresponding Win32 function is
/// `GetDiskFreeSpaceExW`.
///
/// The simulated volume's size is a parameter, ``FileSystemDriver/capacity`` (64 GiB by
/// default); its free space is the capacity less the 4 KiB clusters the files take. No quota
/// is simulated: the bytes available to the caller are the free bytes. A null directory means
/// the current one; the directory must exist (`ERROR_FILE_NOT_FOUND`, `ERROR_PATH_NOT_FOUND`)
/// and be one (`ERROR_DIRECTORY`). Each out-parameter is optional.
@discardableResult
public func GetDiskFreeSpaceExW(_ lpDirectoryName: LPCWSTR!, _ lpFreeBytesAvailableToCaller: PULARGE_INTEGER!,
                                _ lpTotalNumberOfBytes: PULARGE_INTEGER!, _ lpTotalNumberOfFreeBytes: PULARGE_INTEGER!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let directory = wideString(lpDirectoryName)
        let result = thread.withKernel { kernel -> Bool in
            let (status, volume) = kernel.withKernelEntry { kernel.ntQueryVolumeInformation(directory: directory) }
            guard let volume else { return thread.fail(status) }
            func large(_ value: UInt64) -> ULARGE_INTEGER {
                var result = ULARGE_INTEGER()
                result.QuadPart = value
                return result
            }
            thread.store(large(volume.freeBytes), into: lpFreeBytesAvailableToCaller, call: "GetDiskFreeSpaceExW")
            thread.store(large(volume.totalBytes), into: lpTotalNumberOfBytes, call: "GetDiskFreeSpaceExW")
            thread.store(large(volume.freeBytes), into: lpTotalNumberOfFreeBytes, call: "GetDiskFreeSpaceExW")
            return true
        }
        thread.traceBool("GetDiskFreeSpaceExW(\"\(directory ?? "NULL")\")", result)
        return result
    }
}

/// The label, serial number, name limit, flags and file-system name of a volume. The
/// corresponding Win32 function is `GetVolumeInformationW`.
///
/// The root must name the volume's root: `C:\`, `\\?\C:\`, `\\.\C:\`, its GUID path
/// (`\\?\Volume{5153494d-0000-0000-0000-000000000000}\`, as `GetFinalPathNameByHandleW` gives
/// it), null for the current directory's drive, or `C:` while the current directory is that
/// root. A directory below the root is `ERROR_DIR_NOT_ROOT` with a trailing `\` and
/// `ERROR_INVALID_NAME` without (Wine's kernel32 `volume.c` test_GetVolumeInformationA); a network
/// path `ERROR_BAD_NETPATH`. The answers: no label (an empty string), the serial number
/// `0x5153494D`, names of 255 characters, `FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK |
/// FILE_SUPPORTS_REPARSE_POINTS`, and `NTFS`. A name buffer too small for its string and the
/// terminator fails (the code is not documented; the simulation gives `ERROR_MORE_DATA`).
@discardableResult
public func GetVolumeInformationW(_ lpRootPathName: LPCWSTR!, _ lpVolumeNameBuffer: LPWSTR!, _ nVolumeNameSize: DWORD,
                                  _ lpVolumeSerialNumber: LPDWORD!, _ lpMaximumComponentLength: LPDWORD!,
                                  _ lpFileSystemFlags: LPDWORD!, _ lpFileSystemNameBuffer: LPWSTR!,
                                  _ nFileSystemNameSize: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let root = wideString(lpRootPathName)
        let result = thread.withKernel { kernel -> Bool in
            if let error = rootError(root, currentDirectory: kernel.currentDirectory) { return thread.fail(error) }
            let (status, volume) = kernel.withKernelEntry { kernel.ntQueryVolumeInformation(directory: nil) }
            guard let volume else { return thread.fail(status) }
            for (text, buffer, size) in [(volume.label, lpVolumeNameBuffer, nVolumeNameSize),
                                         (volume.fileSystemName, lpFileSystemNameBuffer, nFileSystemNameSize)]
            {
                guard let buffer else { continue }
                let units = Array(text.utf16)
                guard Int(size) > units.count else { return thread.fail(ERROR_MORE_DATA) }
                guard copyOut(thread, units, size, buffer, call: "GetVolumeInformationW") != 0 || units.isEmpty else {
                    return false
                }
            }
            thread.store(volume.serialNumber, into: lpVolumeSerialNumber, call: "GetVolumeInformationW")
            thread.store(volume.maximumComponentLength, into: lpMaximumComponentLength, call: "GetVolumeInformationW")
            thread.store(volume.fileSystemFlags, into: lpFileSystemFlags, call: "GetVolumeInformationW")
            return true
        }
        thread.traceBool("GetVolumeInformationW(\"\(root ?? "NULL")\")", result)
        return result
    }
}

/// Why `GetVolumeInformationW` refuses a root path, or nil if it names the volume's root.
private func rootError(_ root: String?, currentDirectory: String) -> Int32? {
    guard let root else { return nil }
    let text = String(root.map { $0 == "/" ? "\\" : $0 })
    if text.lowercased() == #"\\?\volume{5153494d-0000-0000-0000-000000000000}\"# { return nil }
    var rest = Substring(text)
    if text.hasPrefix(#"\\?\"#) || text.hasPrefix(#"\\.\"#) {
        rest = rest.dropFirst(4)
    } else if text.hasPrefix(#"\\"#) {
        return ERROR_BAD_NETPATH
    }
    let characters = Array(rest.prefix(3))
    guard characters.count >= 2, characters[1] == ":", characters[0].isASCII, characters[0].isLetter else {
        return ERROR_INVALID_NAME
    }
    if rest.count == 2 {
        // "C:" means the current directory on that drive, which must be its root.
        let drive = characters[0].uppercased()
        return currentDirectory.count == 3 && currentDirectory.hasPrefix(drive) ? nil : ERROR_INVALID_NAME
    }
    if rest.count == 3 && characters[2] == "\\" { return nil }
    return rest.hasSuffix("\\") ? ERROR_DIR_NOT_ROOT : ERROR_INVALID_NAME
}
