import IOKernel

/// The path of the file a handle names. The corresponding Win32 function is
/// `GetFinalPathNameByHandleW`.
///
/// For a file or directory on the simulated volume: with `VOLUME_NAME_DOS` (0)
/// `\\?\C:\dir\file`, with `VOLUME_NAME_NONE` `\dir\file`, with `VOLUME_NAME_NT`
/// `\Device\HarddiskVolume1\dir\file`, with `VOLUME_NAME_GUID` the volume's GUID path
/// (`\\?\Volume{5153494d-0000-0000-0000-000000000000}\dir\file`, made from the simulated volume's
/// serial number). `FILE_NAME_NORMALIZED` and `FILE_NAME_OPENED` give the same path: the volume
/// keeps no short (8.3) names, so the name a file was opened by is already the normalized one. The length without the terminator when it fits in `cchFilePath` characters,
/// else the size needed with it (nothing copied). Other flags give `ERROR_INVALID_PARAMETER`;
/// a handle that is no disk file or directory (a pipe, a device) fails with the status the
/// file system gives (`ERROR_INVALID_FUNCTION` for another device, `ERROR_INVALID_HANDLE`).
@discardableResult
public func GetFinalPathNameByHandleW(_ hFile: HANDLE!, _ lpszFilePath: LPWSTR!, _ cchFilePath: DWORD, _ dwFlags: DWORD) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let volumeFlags = dwFlags & 0x7
        guard dwFlags & ~DWORD(0xF) == 0, [0, 1, 2, 4].contains(volumeFlags) else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return 0
        }
        let kernel = thread.kernel
        let (status, information) = kernel.withKernelEntry { kernel.ntQueryFileInformation(handle: value(hFile)) }
        guard let path = information?.path else {
            _ = thread.fail(status.isSuccess ? .invalidHandle : status)
            return 0
        }
        let rest = String(path.dropFirst(2))  // `\dir\file` after the drive
        let final = switch volumeFlags {
        case DWORD(VOLUME_NAME_NONE): rest
        case DWORD(VOLUME_NAME_NT): #"\Device\HarddiskVolume1"# + rest
        case DWORD(VOLUME_NAME_GUID): #"\\?\Volume{5153494d-0000-0000-0000-000000000000}"# + rest
        default: #"\\?\"# + path
        }
        let result = copyOut(thread, Array(final.utf16), cchFilePath, lpszFilePath, call: "GetFinalPathNameByHandleW")
        thread.traceResult("GetFinalPathNameByHandleW(\(hex(handle: hFile)), \(cchFilePath), 0x\(String(dwFlags, radix: 16)))",
                           "\(result)")
        return result
    }
}

/// Starts a directory search, as ``FindFirstFileW(_:_:)``, with the options of
/// `FindFirstFileExW`: `FindExInfoStandard` or `FindExInfoBasic` (no short names: the volume
/// has none either way), `FindExSearchNameMatch` or `FindExSearchLimitToDirectories` (advisory,
/// as on Windows: files may still be returned), and the `FIND_FIRST_EX_*` flags (accepted; the
/// volume's names are matched without case either way). Another level, search operation or a
/// search filter gives `ERROR_INVALID_PARAMETER`.
@discardableResult
public func FindFirstFileExW(_ lpFileName: LPCWSTR!, _ fInfoLevelId: FINDEX_INFO_LEVELS, _ lpFindFileData: LPVOID!,
                             _ fSearchOp: FINDEX_SEARCH_OPS, _ lpSearchFilter: LPVOID!, _ dwAdditionalFlags: DWORD) -> HANDLE!
{
    return withCurrentThread(failure: INVALID_HANDLE_VALUE) { (thread: borrowing SimThread) in
        guard fInfoLevelId == FindExInfoStandard || fInfoLevelId == FindExInfoBasic,
              fSearchOp == FindExSearchNameMatch || fSearchOp == FindExSearchLimitToDirectories,
              lpSearchFilter == nil, dwAdditionalFlags & ~DWORD(0x7) == 0
        else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return INVALID_HANDLE_VALUE
        }
        return FindFirstFileW(lpFileName, lpFindFileData?.assumingMemoryBound(to: WIN32_FIND_DATAW.self))
    }
}
