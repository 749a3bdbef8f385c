import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// Symbolic links as swift-foundation's FileManager uses them on Windows: `createSymbolicLink`
/// (CreateSymbolicLinkW's `BOOLEAN` compared with 0, the flags combined), `attributesOfItem`
/// (the reparse tag through FILE_ATTRIBUTE_TAG_INFO) and `destinationOfSymbolicLink`
/// (DeviceIoControl with FSCTL_GET_REPARSE_POINT into a MAXIMUM_REPARSE_DATA_BUFFER_SIZE buffer,
/// the tag matched against the IO_REPARSE_TAG_* values). REPARSE_DATA_BUFFER is the driver kit's,
/// not WinSDK's: code declares its own, as this reads the offsets its layout gives.
final class SymbolicLinkSurfaceTests: XCTestCase {
    private func wide(_ string: String) -> [WCHAR] { Array(string.utf16) + [0] }

    func testCreatingAndReadingALinkAsFileManagerDoes() throws {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("x".utf8), of: #"C:\dir\file.txt"#)
        var destination = ""
        var isSymbolicLink = false
        let targetIsDirectory = sim.fileSystem.directoryExists(#"C:\dir\file.txt"#)
        sim.run {
            let bIsDirectory = targetIsDirectory
            if CreateSymbolicLinkW(wide(#"C:\dir\link"#), wide(#"C:\dir\file.txt"#),
                                   DWORD(SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE) | (bIsDirectory ? DWORD(SYMBOLIC_LINK_FLAG_DIRECTORY) : 0)) == 0 {
                return
            }
            var faAttributes: WIN32_FILE_ATTRIBUTE_DATA = .init()
            guard GetFileAttributesExW(wide(#"C:\dir\link"#), GetFileExInfoStandard, &faAttributes),
                  faAttributes.dwFileAttributes & DWORD(FILE_ATTRIBUTE_REPARSE_POINT) == DWORD(FILE_ATTRIBUTE_REPARSE_POINT)
            else { return }
            let hFile: HANDLE = CreateFileW(wide(#"C:\dir\link"#), DWORD(GENERIC_READ),
                                            DWORD(FILE_SHARE_READ) | DWORD(FILE_SHARE_WRITE) | DWORD(FILE_SHARE_DELETE), nil,
                                            DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OPEN_REPARSE_POINT) | DWORD(FILE_FLAG_BACKUP_SEMANTICS), nil)
            guard hFile != INVALID_HANDLE_VALUE else { return }
            defer { CloseHandle(hFile) }

            var tagInfo = FILE_ATTRIBUTE_TAG_INFO()
            if GetFileInformationByHandleEx(hFile, FileAttributeTagInfo, &tagInfo, DWORD(MemoryLayout<FILE_ATTRIBUTE_TAG_INFO>.size)) {
                isSymbolicLink = tagInfo.ReparseTag == IO_REPARSE_TAG_SYMLINK
            }

            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(MAXIMUM_REPARSE_DATA_BUFFER_SIZE)) { buffer in
                guard let pBuffer = buffer.baseAddress else { return }
                var dwBytesWritten: DWORD = 0
                guard DeviceIoControl(hFile, DWORD(FSCTL_GET_REPARSE_POINT), nil, 0, pBuffer, DWORD(buffer.count),
                                      &dwBytesWritten, nil) else { return }
                let raw = UnsafeRawPointer(pBuffer)
                let tag = raw.load(as: UInt32.self)
                // The names start after the header (8 bytes) and the symbolic link's four USHORTs
                // and Flags (12), or a mount point's four USHORTs (8).
                let pathBuffer: Int
                switch tag {
                case IO_REPARSE_TAG_SYMLINK: pathBuffer = 20
                case IO_REPARSE_TAG_MOUNT_POINT: pathBuffer = 16
                default: return
                }
                let offset = Int(raw.load(fromByteOffset: 8, as: UInt16.self))
                let length = Int(raw.load(fromByteOffset: 10, as: UInt16.self))
                guard pathBuffer + offset + length <= dwBytesWritten else { return }
                let units = (0..<length / 2).map { raw.load(fromByteOffset: pathBuffer + offset + 2 * $0, as: UInt16.self) }
                let name = String(decoding: units, as: UTF16.self)
                destination = name.hasPrefix(#"\??\"#) ? String(name.dropFirst(4)) : name
            }
        }
        XCTAssertTrue(isSymbolicLink)
        XCTAssertEqual(destination, #"C:\dir\file.txt"#)
        XCTAssertEqual(FSCTL_GET_REPARSE_POINT, 0x0009_00A8)
        XCTAssertEqual(FSCTL_SET_REPARSE_POINT, 0x0009_00A4)
        XCTAssertEqual(IO_REPARSE_TAG_MOUNT_POINT, 0xA000_0003)
        XCTAssertEqual(SYMLINK_FLAG_RELATIVE, 1)
    }
}
