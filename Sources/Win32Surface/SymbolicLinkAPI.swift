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

/// Sends a control code to a device or file system. The corresponding Win32 function is
/// `DeviceIoControl`; the simulated volume answers the reparse-point controls real file code
/// sends:
///
/// - `FSCTL_GET_REPARSE_POINT`: a symbolic link's or mount point's `REPARSE_DATA_BUFFER` (the
///   tag; `ReparseDataLength`; the substitute and print names' offsets and lengths in bytes,
///   the substitute name first; `SYMLINK_FLAG_RELATIVE` in `Flags` for a symbolic link; the
///   names, a mount point's each followed by a NUL). The handle is usually opened with
///   `FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS`. An entry that is no reparse
///   point is `ERROR_NOT_A_REPARSE_POINT`; an output buffer smaller than the 8-byte header
///   `ERROR_INSUFFICIENT_BUFFER`, one smaller than the data `ERROR_MORE_DATA` with as much as
///   fits.
/// - `FSCTL_SET_REPARSE_POINT`: makes the handle's entry a symbolic link or a mount point from
///   the `REPARSE_DATA_BUFFER` given (the handle needs write access; a mount point needs an
///   empty directory, `ERROR_DIR_NOT_EMPTY`); names outside the buffer are
///   `ERROR_INVALID_REPARSE_DATA`, another tag `ERROR_NOT_SUPPORTED`.
///
/// Any other code, or a handle to something else than the volume, is `ERROR_INVALID_FUNCTION`.
/// These controls complete at once: with an `OVERLAPPED`, its `Internal` and `InternalHigh` are
/// written and its event set, and the call returns the result (no completion packet is queued
/// to a port the handle is bound to, which Windows would do).
@discardableResult
public func DeviceIoControl(_ hDevice: HANDLE!, _ dwIoControlCode: DWORD, _ lpInBuffer: LPVOID!, _ nInBufferSize: DWORD,
                            _ lpOutBuffer: LPVOID!, _ nOutBufferSize: DWORD, _ lpBytesReturned: LPDWORD!,
                            _ lpOverlapped: LPOVERLAPPED!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let (status, bytes) = thread.withKernel { kernel -> (NTStatus, Int) in
            switch dwIoControlCode {
            case DWORD(FSCTL_GET_REPARSE_POINT):
                return getReparsePoint(thread, kernel, hDevice, lpOutBuffer, Int(nOutBufferSize))
            case DWORD(FSCTL_SET_REPARSE_POINT):
                return (setReparsePoint(thread, kernel, hDevice, lpInBuffer, Int(nInBufferSize)), 0)
            default:
                // The handle is checked first, as the I/O manager references it before any driver.
                let (handleStatus, _) = kernel.withKernelEntry { kernel.ntQueryDeviceKind(handle: value(hDevice)) }
                return (handleStatus.isSuccess ? .invalidDeviceRequest : handleStatus, 0)
            }
        }
        let result: Bool
        if let overlapped = lpOverlapped {
            if thread.kernel.userOverlappedIsAccessible(overlapped) {
                overlapped.pointee.Internal = ULONG_PTR(status.rawValue)
                overlapped.pointee.InternalHigh = ULONG_PTR(bytes)
                if let event = overlapped.pointee.hEvent, UInt(bitPattern: event) & 1 == 0 { SetEvent(event) }
            }
        }
        thread.store(DWORD(bytes), into: lpBytesReturned, call: "DeviceIoControl")
        // STATUS_BUFFER_OVERFLOW is a warning: FALSE with ERROR_MORE_DATA, the bytes copied counted.
        result = status == .success ? true : thread.fail(status)
        thread.traceBool("DeviceIoControl(\(hex(handle: hDevice)), 0x\(String(dwIoControlCode, radix: 16)), in \(nInBufferSize), out \(nOutBufferSize))", result)
        return result
    }
}

/// The offsets in a `REPARSE_DATA_BUFFER`: the header, then for a symbolic link four `USHORT`s
/// and the `Flags` before the names, for a mount point the four `USHORT`s.
private enum ReparseBufferLayout {
    static let header = 8
    static let symbolicLinkNames = 20
    static let mountPointNames = 16
}

private func getReparsePoint(_ thread: SimThread, _ kernel: Kernel, _ handle: HANDLE?, _ buffer: LPVOID?,
                             _ size: Int) -> (NTStatus, Int)
{
    let (status, found) = kernel.withKernelEntry { kernel.ntGetReparsePoint(handle: value(handle)) }
    guard let reparse = found else { return (status == .invalidDeviceRequest ? .invalidDeviceRequest : status, 0) }
    let symbolicLink = reparse.tag == ReparsePoint.symbolicLinkTag
    var substitute = Array(reparse.substituteName.utf16), print = Array(reparse.printName.utf16)
    let substituteLength = substitute.count * 2, printLength = print.count * 2
    if !symbolicLink {
        substitute.append(0)
        print.append(0)
    }
    let namesOffset = symbolicLink ? ReparseBufferLayout.symbolicLinkNames : ReparseBufferLayout.mountPointNames
    let names = substitute + print
    var bytes: [UInt8] = []
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    append(reparse.tag)
    append(UInt16(namesOffset - ReparseBufferLayout.header + names.count * 2))
    append(UInt16(0))
    append(UInt16(0))
    append(UInt16(substituteLength))
    append(UInt16(substitute.count * 2))
    append(UInt16(printLength))
    if symbolicLink { append(UInt32(reparse.isRelative ? SYMLINK_FLAG_RELATIVE : 0)) }
    for unit in names { append(unit) }
    guard let buffer, size >= ReparseBufferLayout.header else { return (.bufferTooSmall, 0) }
    let count = min(size, bytes.count)
    guard kernel.probeUserBuffer(buffer, count: count, writing: true, call: "DeviceIoControl") else {
        return (.accessViolation, 0)
    }
    kernel.copyToUser(buffer, Array(bytes.prefix(count)))
    return (count < bytes.count ? .bufferOverflow : .success, count)
}

private func setReparsePoint(_ thread: SimThread, _ kernel: Kernel, _ handle: HANDLE?, _ buffer: LPVOID?,
                             _ size: Int) -> NTStatus
{
    guard let buffer, size >= ReparseBufferLayout.header + 8 else { return .reparseDataInvalid }
    guard kernel.probeUserBuffer(buffer, count: size, writing: false, call: "DeviceIoControl") else { return .accessViolation }
    // Probed above for all `size` bytes.
    let input = UnsafeRawPointer(buffer)
    let bytes = (0..<size).map { input.load(fromByteOffset: $0, as: UInt8.self) }
    /// The little-endian value of `count` bytes at `offset`.
    func field(_ offset: Int, _ count: Int) -> UInt32 {
        (0..<count).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }
    let tag = field(0, 4)
    guard tag == ReparsePoint.symbolicLinkTag || tag == ReparsePoint.mountPointTag else { return .notSupported }
    let symbolicLink = tag == ReparsePoint.symbolicLinkTag
    let namesOffset = symbolicLink ? ReparseBufferLayout.symbolicLinkNames : ReparseBufferLayout.mountPointNames
    guard size >= namesOffset else { return .reparseDataInvalid }
    func name(_ offsetField: Int) -> String? {
        let offset = Int(field(offsetField, 2)), length = Int(field(offsetField + 2, 2))
        guard length % 2 == 0, namesOffset + offset + length <= size else { return nil }
        let units = stride(from: namesOffset + offset, to: namesOffset + offset + length, by: 2).map {
            UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8
        }
        return String(decoding: units, as: UTF16.self)
    }
    guard let substitute = name(8), let print = name(12), !substitute.isEmpty else { return .reparseDataInvalid }
    let relative = symbolicLink && field(16, 4) & UInt32(SYMLINK_FLAG_RELATIVE) != 0
    let reparse = ReparsePoint(tag: tag, substituteName: substitute, printName: print, isRelative: relative)
    return kernel.withKernelEntry { kernel.ntSetReparsePoint(handle: value(handle), reparse) }
}
