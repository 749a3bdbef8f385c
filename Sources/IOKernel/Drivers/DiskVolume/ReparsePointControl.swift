/// The file-system controls the volume answers (`IRP_MJ_FILE_SYSTEM_CONTROL`, from
/// `DeviceIoControl` with an `FSCTL_` code of `FILE_DEVICE_FILE_SYSTEM`): a reparse point's data
/// read and written as a `REPARSE_DATA_BUFFER` (ntifs.h's layout, which Microsoft's
/// `FSCTL_GET_REPARSE_POINT` page documents). Both are METHOD_BUFFERED: the input is in the
/// IRP's system buffer, and the output left there is copied to the caller's buffer when the
/// request completes. They complete inside the call, so on an overlapped handle `DeviceIoControl`
/// returns `TRUE` and the completion still signals the event and queues a packet to the port the
/// handle is bound to (unless `FILE_SKIP_COMPLETION_PORT_ON_SUCCESS`), as any request does.
extension FileSystemDriver {
    /// `FSCTL_GET_REPARSE_POINT`, `CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 42, METHOD_BUFFERED,
    /// FILE_ANY_ACCESS)`.
    static let getReparsePointCode: UInt32 = 0x0009_00A8
    /// `FSCTL_SET_REPARSE_POINT`, `CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 41, METHOD_BUFFERED,
    /// FILE_SPECIAL_ACCESS)`.
    static let setReparsePointCode: UInt32 = 0x0009_00A4

    /// Any other code is `STATUS_INVALID_DEVICE_REQUEST` (`ERROR_INVALID_FUNCTION`).
    func fileSystemControl(_ irp: IRP, _ open: DiskOpen, _ file: DiskFile, _ k: DriverContext) -> NTStatus {
        switch irp.controlCode {
        case Self.getReparsePointCode: return getReparsePoint(irp, file, k)
        case Self.setReparsePointCode: return setReparsePoint(irp, open, file, k)
        default: return k.complete(irp, status: .invalidDeviceRequest)
        }
    }

    /// A symbolic link's or mount point's data: the tag; `ReparseDataLength`; the substitute and
    /// print names' offsets and lengths in bytes, the substitute name first; for a symbolic link
    /// `Flags` (`SYMLINK_FLAG_RELATIVE`); the names, a mount point's each followed by a NUL. An
    /// entry that is no reparse point is `STATUS_NOT_A_REPARSE_POINT`; an output smaller than the
    /// 8-byte header `STATUS_BUFFER_TOO_SMALL` (nothing copied), one smaller than the data
    /// `STATUS_BUFFER_OVERFLOW` with as much as fits (DeviceIoControl: "some drivers will return
    /// as much data as fits", `ERROR_MORE_DATA`).
    private func getReparsePoint(_ irp: IRP, _ file: DiskFile, _ k: DriverContext) -> NTStatus {
        guard let reparse = file.reparsePoint else { return k.complete(irp, status: .notAReparsePoint) }
        let bytes = ReparseDataBuffer.encode(reparse)
        guard irp.length >= ReparseDataBuffer.header else { return k.complete(irp, status: .bufferTooSmall) }
        let count = min(irp.length, bytes.count)
        irp.systemBuffer = bytes[..<count]
        return k.complete(irp, status: count < bytes.count ? .bufferOverflow : .success, information: count)
    }

    /// Makes the entry a symbolic link (a file or a directory) or a mount point (a directory,
    /// which must be empty: `STATUS_DIRECTORY_NOT_EMPTY`; on a file `STATUS_NOT_A_DIRECTORY`). The
    /// handle needs write access (`STATUS_ACCESS_DENIED`); names outside the buffer are
    /// `STATUS_IO_REPARSE_DATA_INVALID`, another tag `STATUS_NOT_SUPPORTED`.
    private func setReparsePoint(_ irp: IRP, _ open: DiskOpen, _ file: DiskFile, _ k: DriverContext) -> NTStatus {
        let (decoded, status) = ReparseDataBuffer.decode(Array(irp.systemBuffer))
        guard let reparse = decoded else { return k.complete(irp, status: status) }
        guard open.canWrite else { return k.complete(irp, status: .accessDenied) }
        if reparse.tag == ReparsePoint.mountPointTag {
            guard file.isDirectory else { return k.complete(irp, status: .notADirectory) }
            guard file.entries.isEmpty else { return k.complete(irp, status: .directoryNotEmpty) }
        }
        file.reparsePoint = reparse
        k.trace("\(file.path): reparse point set, leading to \(reparse.printName)")
        return k.complete(irp, status: .success)
    }
}

/// The byte layout of a `REPARSE_DATA_BUFFER` for the two tags the volume keeps.
enum ReparseDataBuffer {
    /// `ReparseTag`, `ReparseDataLength`, `Reserved`.
    static let header = 8
    /// A symbolic link's names follow four `USHORT`s and `Flags`.
    static let symbolicLinkNames = 20
    /// A mount point's names follow four `USHORT`s.
    static let mountPointNames = 16

    static func encode(_ reparse: ReparsePoint) -> [UInt8] {
        let symbolicLink = reparse.tag == ReparsePoint.symbolicLinkTag
        var substitute = Array(reparse.substituteName.utf16), print = Array(reparse.printName.utf16)
        let substituteLength = substitute.count * 2, printLength = print.count * 2
        if !symbolicLink {
            substitute.append(0)
            print.append(0)
        }
        let namesOffset = symbolicLink ? symbolicLinkNames : mountPointNames
        let names = substitute + print
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(reparse.tag)
        append(UInt16(truncatingIfNeeded: namesOffset - header + names.count * 2))
        append(UInt16(0))
        append(UInt16(0))
        append(UInt16(truncatingIfNeeded: substituteLength))
        append(UInt16(truncatingIfNeeded: substitute.count * 2))
        append(UInt16(truncatingIfNeeded: printLength))
        if symbolicLink { append(UInt32(reparse.isRelative ? 1 : 0)) }
        for unit in names { append(unit) }
        return bytes
    }

    /// The reparse point the bytes describe, or nil and why not.
    static func decode(_ bytes: [UInt8]) -> (ReparsePoint?, NTStatus) {
        let size = bytes.count
        guard size >= header + 8 else { return (nil, .reparseDataInvalid) }
        /// The little-endian value of `count` bytes at `offset`.
        func field(_ offset: Int, _ count: Int) -> UInt32 {
            (0..<count).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
        }
        let tag = field(0, 4)
        guard tag == ReparsePoint.symbolicLinkTag || tag == ReparsePoint.mountPointTag else {
            return (nil, .notSupported)
        }
        let symbolicLink = tag == ReparsePoint.symbolicLinkTag
        let namesOffset = symbolicLink ? symbolicLinkNames : mountPointNames
        guard size >= namesOffset else { return (nil, .reparseDataInvalid) }
        func name(_ offsetField: Int) -> String? {
            let offset = Int(field(offsetField, 2)), length = Int(field(offsetField + 2, 2))
            guard length % 2 == 0, namesOffset + offset + length <= size else { return nil }
            let units = stride(from: namesOffset + offset, to: namesOffset + offset + length, by: 2).map {
                UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8
            }
            return String(decoding: units, as: UTF16.self)
        }
        guard let substitute = name(8), let print = name(12), !substitute.isEmpty else {
            return (nil, .reparseDataInvalid)
        }
        let relative = symbolicLink && field(16, 4) & 1 != 0
        return (ReparsePoint(tag: tag, substituteName: substitute, printName: print, isRelative: relative), .success)
    }
}
