import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Symbolic links and mount points on the simulated volume: `CreateSymbolicLinkW`, `CreateFileW`
/// following links unless `FILE_FLAG_OPEN_REPARSE_POINT`, the reparse data `DeviceIoControl`'s
/// `FSCTL_GET_REPARSE_POINT` returns and `FSCTL_SET_REPARSE_POINT` sets (Microsoft's
/// documentation of CreateSymbolicLinkW, FSCTL_GET_REPARSE_POINT and REPARSE_DATA_BUFFER; Wine's
/// ntdll `file.c` test_reparse_points for the refusals).
final class SymbolicLinkTests: XCTestCase {
    private func result(_ ok: Bool) -> String { ok ? "TRUE" : win32ErrorName(GetLastError()) }

    private func open(_ path: String, _ flags: Int32 = 0, access: DWORD = GENERIC_READ) -> HANDLE? {
        wide(path).withUnsafeBufferPointer {
            CreateFileW($0.baseAddress, access, DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), nil, DWORD(OPEN_EXISTING),
                        DWORD(flags), nil)
        }
    }

    private func read(_ path: String) -> String {
        let handle = open(path)
        guard handle != INVALID_HANDLE_VALUE else { return win32ErrorName(GetLastError()) }
        var buffer = [UInt8](repeating: 0, count: 32)
        var count: DWORD = 0
        XCTAssertTrue(ReadFile(handle, &buffer, 32, &count, nil))
        XCTAssertTrue(CloseHandle(handle))
        return String(decoding: buffer.prefix(Int(count)), as: UTF8.self)
    }

    private func link(_ link: String, _ target: String, _ flags: Int32 = SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE) -> String {
        let created = wide(link).withUnsafeBufferPointer { l in
            wide(target).withUnsafeBufferPointer { t in CreateSymbolicLinkW(l.baseAddress, t.baseAddress, DWORD(flags)) }
        }
        return created != 0 ? "created" : win32ErrorName(GetLastError())
    }

    private func attributes(_ path: String) -> String {
        "0x" + String(wide(path).withUnsafeBufferPointer { GetFileAttributesW($0.baseAddress) }, radix: 16)
    }

    /// The reparse data of the entry `path` names, decoded: the tag, the names and the flags.
    private func reparseData(_ path: String, size: Int = 512) -> String {
        let handle = open(path, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS)
        defer { XCTAssertTrue(CloseHandle(handle)) }
        var buffer = [UInt8](repeating: 0, count: size)
        var count: DWORD = 0
        let ok = DeviceIoControl(handle, DWORD(FSCTL_GET_REPARSE_POINT), nil, 0, &buffer, DWORD(size), &count, nil)
        guard ok else { return "\(win32ErrorName(GetLastError())), \(count) bytes" }
        func u16(_ at: Int) -> Int { Int(buffer[at]) | Int(buffer[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        let tag = u32(0)
        let names = tag == UInt32(IO_REPARSE_TAG_SYMLINK) ? 20 : 16
        func name(_ offset: Int, _ length: Int) -> String {
            String(decoding: stride(from: names + offset, to: names + offset + length, by: 2).map { UInt16(u16($0)) }, as: UTF16.self)
        }
        let flags = tag == UInt32(IO_REPARSE_TAG_SYMLINK) ? ", flags \(u32(16))" : ""
        return "tag 0x\(String(tag, radix: 16)), length \(u16(4)), substitute \(name(u16(8), u16(10))), print \(name(u16(12), u16(14)))\(flags), \(count) bytes"
    }

    /// A link to a file: the link's own attributes add `FILE_ATTRIBUTE_REPARSE_POINT`; opening it
    /// opens the target (its final path is the target's); opened with
    /// `FILE_FLAG_OPEN_REPARSE_POINT` it is the link, whose tag is `IO_REPARSE_TAG_SYMLINK` and
    /// whose reparse data holds the target as `\??\C:\…` (substitute) and as given (print).
    /// Deleting the link leaves the target.
    func testAFileLinkIsFollowedUnlessTheLinkItselfIsOpened() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("hello".utf8), of: #"C:\data\target.txt"#)
        var log: [String] = []
        sim.run {
            log.append("CreateSymbolicLinkW: \(link(#"C:\data\link.txt"#, #"C:\data\target.txt"#))")
            log.append("attributes: link \(attributes(#"C:\data\link.txt"#)), target \(attributes(#"C:\data\target.txt"#))")
            log.append("read through the link: \(read(#"C:\data\link.txt"#))")
            let followed = open(#"C:\data\link.txt"#)
            var path = [WCHAR](repeating: 0, count: 64)
            let length = GetFinalPathNameByHandleW(followed, &path, 64, 0)
            log.append("final path: \(String(decoding: path.prefix(Int(length)), as: UTF16.self))")
            XCTAssertTrue(CloseHandle(followed))
            let itself = open(#"C:\data\link.txt"#, FILE_FLAG_OPEN_REPARSE_POINT)
            var tag = FILE_ATTRIBUTE_TAG_INFO()
            log.append("tag info: \(result(GetFileInformationByHandleEx(itself, FileAttributeTagInfo, &tag, DWORD(MemoryLayout<FILE_ATTRIBUTE_TAG_INFO>.size)))) 0x\(String(tag.FileAttributes, radix: 16)) 0x\(String(tag.ReparseTag, radix: 16))")
            XCTAssertTrue(CloseHandle(itself))
            log.append("reparse data: \(reparseData(#"C:\data\link.txt"#))")
            log.append("again: \(link(#"C:\data\link.txt"#, #"C:\elsewhere"#))")
            log.append("delete the link: \(result(wide(#"C:\data\link.txt"#).withUnsafeBufferPointer { DeleteFileW($0.baseAddress) }))")
        }
        XCTAssertEqual(log, [
            "CreateSymbolicLinkW: created",
            "attributes: link 0x420, target 0x20",
            "read through the link: hello",
            #"final path: \\?\C:\data\target.txt"#,
            "tag info: TRUE 0x420 0xa000000c",
            #"reparse data: tag 0xa000000c, length 92, substitute \??\C:\data\target.txt, print C:\data\target.txt, flags 0, 100 bytes"#,
            "again: ERROR_ALREADY_EXISTS",
            "delete the link: TRUE",
        ])
        XCTAssertEqual(sim.fileSystem.paths, [#"C:\data\target.txt"#])
    }

    /// A relative target is stored as given with `SYMLINK_FLAG_RELATIVE` and resolved against the
    /// link's directory; a directory link is followed in the middle of a path; a link whose
    /// target is missing opens as `ERROR_FILE_NOT_FOUND`; two links leading to each other fail
    /// after the object manager's limit of reparses (`STATUS_REPARSE_POINT_NOT_RESOLVED`).
    func testRelativeDirectoryDanglingAndLoopingLinks() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("hello".utf8), of: #"C:\data\target.txt"#)
        var log: [String] = []
        sim.run {
            log.append("relative: \(link(#"C:\data\relative.txt"#, "target.txt")), reads \(read(#"C:\data\relative.txt"#))")
            log.append("relative data: \(reparseData(#"C:\data\relative.txt"#))")
            log.append("directory: \(link(#"C:\shortcut"#, #"C:\data"#, SYMBOLIC_LINK_FLAG_DIRECTORY)), attributes \(attributes(#"C:\shortcut"#)), reads \(read(#"C:\shortcut\target.txt"#))")
            log.append("dangling: \(link(#"C:\data\dangling.txt"#, #"C:\nowhere.txt"#)), reads \(read(#"C:\data\dangling.txt"#))")
            log.append("loop: \(link(#"C:\a"#, #"C:\b"#)) \(link(#"C:\b"#, #"C:\a"#)), reads \(read(#"C:\a"#))")
            log.append("missing directory: \(link(#"C:\none\x"#, #"C:\data"#)), bad flags: \(link(#"C:\y"#, #"C:\data"#, 4))")
        }
        XCTAssertEqual(log, [
            "relative: created, reads hello",
            "relative data: tag 0xa000000c, length 52, substitute target.txt, print target.txt, flags 1, 60 bytes",
            "directory: created, attributes 0x410, reads hello",
            "dangling: created, reads ERROR_FILE_NOT_FOUND",
            "loop: created created, reads ERROR_CANT_RESOLVE_FILENAME",
            "missing directory: ERROR_PATH_NOT_FOUND, bad flags: ERROR_INVALID_PARAMETER",
        ])
    }

    /// `FSCTL_GET_REPARSE_POINT`'s refusals (an entry that is no reparse point, an output
    /// buffer smaller than the header, one smaller than the data, an unknown control code), and
    /// `FSCTL_SET_REPARSE_POINT` making an empty directory a mount point, which opens then lead
    /// through.
    func testReparseControlsAndAMountPoint() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("hello".utf8), of: #"C:\data\target.txt"#)
        sim.fileSystem.createDirectory(#"C:\mount"#)
        var log: [String] = []
        sim.run {
            XCTAssertEqual(link(#"C:\data\link.txt"#, #"C:\data\target.txt"#), "created")
            log.append("plain file: \(reparseData(#"C:\data\target.txt"#))")
            log.append("4-byte buffer: \(reparseData(#"C:\data\link.txt"#, size: 4))")
            log.append("24-byte buffer: \(reparseData(#"C:\data\link.txt"#, size: 24))")
            let file = open(#"C:\data\target.txt"#)
            var count: DWORD = 0
            log.append("unknown code: \(result(DeviceIoControl(file, 0x0009_0000, nil, 0, nil, 0, &count, nil)))")
            XCTAssertTrue(CloseHandle(file))

            let substitute = Array(#"\??\C:\data"#.utf16), print = Array(#"C:\data"#.utf16)
            var data: [UInt8] = []
            func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data += $0 } }
            append(UInt32(IO_REPARSE_TAG_MOUNT_POINT))
            append(UInt16(8 + (substitute.count + print.count + 2) * 2))
            append(UInt16(0))
            append(UInt16(0))
            append(UInt16(substitute.count * 2))
            append(UInt16((substitute.count + 1) * 2))
            append(UInt16(print.count * 2))
            for unit in substitute + [0] + print + [0] { append(unit) }
            let mount = open(#"C:\mount"#, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, access: GENERIC_READ | DWORD(GENERIC_WRITE))
            log.append("set: \(result(DeviceIoControl(mount, DWORD(FSCTL_SET_REPARSE_POINT), &data, DWORD(data.count), nil, 0, &count, nil)))")
            XCTAssertTrue(CloseHandle(mount))
            log.append("mount point: \(reparseData(#"C:\mount"#)), attributes \(attributes(#"C:\mount"#)), reads \(read(#"C:\mount\target.txt"#))")
        }
        XCTAssertEqual(log, [
            "plain file: ERROR_NOT_A_REPARSE_POINT, 0 bytes",
            "4-byte buffer: ERROR_INSUFFICIENT_BUFFER, 0 bytes",
            "24-byte buffer: ERROR_MORE_DATA, 24 bytes",
            "unknown code: ERROR_INVALID_FUNCTION",
            "set: TRUE",
            #"mount point: tag 0xa0000003, length 48, substitute \??\C:\data, print C:\data, 56 bytes, attributes 0x410, reads hello"#,
        ])
    }
}
