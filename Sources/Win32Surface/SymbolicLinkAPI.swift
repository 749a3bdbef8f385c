import IOKernel

/// Creates a symbolic link on the simulated volume. The corresponding Win32 function is
/// `CreateSymbolicLinkW`, which returns a `BOOLEAN` (non-zero on success).
///
/// The link is a new entry (a directory entry with `SYMBOLIC_LINK_FLAG_DIRECTORY`) whose
/// attributes include `FILE_ATTRIBUTE_REPARSE_POINT` and whose reparse tag is
/// `IO_REPARSE_TAG_SYMLINK`; the target need not exist. An absolute target is stored as the NT
/// path `\??\C:\target`, a relative one as given, resolved against the link's directory (see
/// ``ReparsePoint``). `CreateFileW` follows the link unless `FILE_FLAG_OPEN_REPARSE_POINT`;
/// `GetFileAttributesW`, `DeleteFileW` and `RemoveDirectoryW` act on the link itself. An
/// existing name is `ERROR_ALREADY_EXISTS`, a missing directory above it `ERROR_PATH_NOT_FOUND`,
/// flags other than `SYMBOLIC_LINK_FLAG_DIRECTORY | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE`
/// `ERROR_INVALID_PARAMETER`. The simulated process may create links with or without
/// `SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE`: privileges are not simulated.
@discardableResult
public func CreateSymbolicLinkW(_ lpSymlinkFileName: LPCWSTR!, _ lpTargetFileName: LPCWSTR!, _ dwFlags: DWORD) -> BOOLEAN {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let link = wideString(lpSymlinkFileName)
        let target = wideString(lpTargetFileName)
        let result = thread.withKernel { kernel -> Bool in
            guard dwFlags & ~DWORD(SYMBOLIC_LINK_FLAG_DIRECTORY | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE) == 0 else {
                return thread.fail(ERROR_INVALID_PARAMETER)
            }
            guard let link, let target, !link.isEmpty, !target.isEmpty else { return thread.fail(ERROR_PATH_NOT_FOUND) }
            let status = kernel.withKernelEntry {
                kernel.ntCreateSymbolicLink(link: link, target: target,
                                            directory: dwFlags & DWORD(SYMBOLIC_LINK_FLAG_DIRECTORY) != 0)
            }
            if status == .objectNameCollision { return thread.fail(ERROR_ALREADY_EXISTS) }
            return status.isSuccess ? true : thread.fail(status)
        }
        thread.traceBool("CreateSymbolicLinkW(\"\(link ?? "NULL")\", \"\(target ?? "NULL")\", 0x\(String(dwFlags, radix: 16)))", result)
        return result ? 1 : 0
    }
}
