import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// SetFileInformationByHandle and SetFileAttributesW as swift-foundation's Data+Writing and
/// FileManager use them: an atomic write renames a temporary file over the destination through
/// its handle, a removal marks the file for deletion when its handle closes. Errors from
/// NtSetInformationFile's documented statuses.
final class SetFileInformationTests: XCTestCase {
    private func wide(_ string: String) -> [WCHAR] { Array(string.utf16) + [0] }

    private func contents(_ path: String) -> String {
        let file = CreateFileW(wide(path), DWORD(GENERIC_READ), DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
        defer { CloseHandle(file) }
        var buffer = [UInt8](repeating: 0, count: 64)
        var read: DWORD = 0
        ReadFile(file, &buffer, 64, &read, nil)
        return String(decoding: buffer.prefix(Int(read)), as: UTF8.self)
    }

    func testAnAtomicWriteRenamesTheTemporaryFileByHandle() {
        let sim = checkedSimulation()
        sim.run {
            var written: DWORD = 0
            let old = CreateFileW(wide(#"C:\data.json"#), DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)
            WriteFile(old, Array("old".utf8), 3, &written, nil)
            CloseHandle(old)

            let temporary = CreateFileW(wide(#"C:\data.json.tmp"#), DWORD(GENERIC_WRITE) | DWORD(DELETE), 0, nil,
                                        DWORD(CREATE_NEW), 0, nil)
            WriteFile(temporary, Array("new".utf8), 3, &written, nil)
            let target = Array(#"C:\data.json"#.utf16)
            let nameOffset = MemoryLayout<FILE_RENAME_INFO>.offset(of: \FILE_RENAME_INFO.FileName)!
            let size = nameOffset + (target.count + 1) * 2
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            defer { buffer.deallocate() }
            buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            let info = buffer.assumingMemoryBound(to: FILE_RENAME_INFO.self)
            info.pointee.Flags = DWORD(FILE_RENAME_FLAG_REPLACE_IF_EXISTS)
            info.pointee.FileNameLength = DWORD(target.count * 2)
            (buffer + nameOffset).assumingMemoryBound(to: WCHAR.self).update(from: target, count: target.count)

            XCTAssertTrue(SetFileInformationByHandle(temporary, FileRenameInfoEx, buffer, DWORD(size)))
            CloseHandle(temporary)
            XCTAssertEqual(contents(#"C:\data.json"#), "new")
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\data.json.tmp"#)), INVALID_FILE_ATTRIBUTES)

            // Without DELETE access the handle cannot rename; a name too long for the buffer is
            // an invalid parameter; a short buffer is ERROR_BAD_LENGTH.
            let plain = CreateFileW(wide(#"C:\data.json"#), DWORD(GENERIC_READ), 0, nil, DWORD(OPEN_EXISTING), 0, nil)
            XCTAssertFalse(SetFileInformationByHandle(plain, FileRenameInfoEx, buffer, DWORD(size)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertFalse(SetFileInformationByHandle(plain, FileRenameInfo, buffer, DWORD(MemoryLayout<FILE_RENAME_INFO>.size)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(SetFileInformationByHandle(plain, FileRenameInfo, buffer, 8))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BAD_LENGTH))
            CloseHandle(plain)
            DeleteFileW(wide(#"C:\data.json"#))
        }
    }

    func testDispositionAttributesAndEndOfFile() {
        let sim = checkedSimulation()
        sim.run {
            let file = CreateFileW(wide(#"C:\a.txt"#), DWORD(GENERIC_WRITE) | DWORD(DELETE), DWORD(FILE_SHARE_READ), nil,
                                   DWORD(CREATE_NEW), 0, nil)
            var end = FILE_END_OF_FILE_INFO()
            end.EndOfFile.QuadPart = 10
            XCTAssertTrue(SetFileInformationByHandle(file, FileEndOfFileInfo, &end, DWORD(MemoryLayout<FILE_END_OF_FILE_INFO>.size)))
            var size = LARGE_INTEGER()
            XCTAssertTrue(GetFileSizeEx(file, &size))
            XCTAssertEqual(size.QuadPart, 10)

            // Read-only: the disposition is refused unless the flag says to ignore it.
            var basic = FILE_BASIC_INFO()
            basic.FileAttributes = DWORD(FILE_ATTRIBUTE_READONLY) | DWORD(FILE_ATTRIBUTE_HIDDEN)
            XCTAssertTrue(SetFileInformationByHandle(file, FileBasicInfo, &basic, DWORD(MemoryLayout<FILE_BASIC_INFO>.size)))
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\a.txt"#)), DWORD(FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN))
            var disposition = FILE_DISPOSITION_INFO(DeleteFileW: 1)
            XCTAssertFalse(SetFileInformationByHandle(file, FileDispositionInfo, &disposition, 1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            var dispositionEx = FILE_DISPOSITION_INFO_EX(
                Flags: DWORD(FILE_DISPOSITION_FLAG_DELETE | FILE_DISPOSITION_FLAG_IGNORE_READONLY_ATTRIBUTE))
            XCTAssertTrue(SetFileInformationByHandle(file, FileDispositionInfoEx, &dispositionEx, 4))
            XCTAssertNotEqual(GetFileAttributesW(wide(#"C:\a.txt"#)), INVALID_FILE_ATTRIBUTES, "deleted when its last handle closes")
            CloseHandle(file)
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\a.txt"#)), INVALID_FILE_ATTRIBUTES)

            // SetFileAttributesW by path; NORMAL clears; a directory with entries is not deleted.
            XCTAssertTrue(CreateDirectoryW(wide(#"C:\d"#), nil))
            let inner = CreateFileW(wide(#"C:\d\x"#), DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)
            CloseHandle(inner)
            XCTAssertTrue(SetFileAttributesW(wide(#"C:\d\x"#), DWORD(FILE_ATTRIBUTE_HIDDEN)))
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\d\x"#)), DWORD(FILE_ATTRIBUTE_HIDDEN))
            XCTAssertTrue(SetFileAttributesW(wide(#"C:\d\x"#), DWORD(FILE_ATTRIBUTE_NORMAL)))
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\d\x"#)), DWORD(FILE_ATTRIBUTE_NORMAL))
            XCTAssertFalse(SetFileAttributesW(wide(#"C:\d\missing"#), DWORD(FILE_ATTRIBUTE_NORMAL)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            let directory = CreateFileW(wide(#"C:\d"#), DWORD(DELETE), DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE),
                                        nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_BACKUP_SEMANTICS), nil)
            XCTAssertFalse(SetFileInformationByHandle(directory, FileDispositionInfo, &disposition, 1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_DIR_NOT_EMPTY))
            XCTAssertFalse(SetFileInformationByHandle(directory, FileStreamInfo, &disposition, 1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            CloseHandle(directory)
            DeleteFileW(wide(#"C:\d\x"#))
            RemoveDirectoryW(wide(#"C:\d"#))
        }
    }
}
