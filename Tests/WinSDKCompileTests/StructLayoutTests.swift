import WinSDK
import XCTest

/// The structures have WinSDK's field names and the sizes they have on 64-bit Windows, so code
/// that passes `DWORD(MemoryLayout<T>.size)` to a Win32 call passes what Windows expects.
/// Sizes follow from the C declarations on the structures' reference pages (LLP64: `DWORD` 4,
/// pointers 8, natural alignment).
final class StructLayoutTests: XCTestCase {
    func testFileStructuresHaveWindowsSizes() {
        XCTAssertEqual(MemoryLayout<FILETIME>.size, 8)
        XCTAssertEqual(MemoryLayout<SYSTEMTIME>.size, 16)
        XCTAssertEqual(MemoryLayout<BY_HANDLE_FILE_INFORMATION>.size, 52)
        XCTAssertEqual(MemoryLayout<WIN32_FILE_ATTRIBUTE_DATA>.size, 36)
        // 11 DWORD-sized fields (three FILETIMEs count two) + 260 + 14 WCHARs.
        XCTAssertEqual(MemoryLayout<WIN32_FIND_DATAW>.size, 592)
        XCTAssertEqual(MemoryLayout<FILE_BASIC_INFO>.stride, 40)
        XCTAssertEqual(MemoryLayout<FILE_STANDARD_INFO>.stride, 24)
        XCTAssertEqual(MemoryLayout<FILE_ID_INFO>.size, 24)
        XCTAssertEqual(MemoryLayout<FILE_RENAME_INFO>.stride, 24)
    }

    func testSecurityStructuresHaveWindowsSizes() {
        XCTAssertEqual(MemoryLayout<SECURITY_DESCRIPTOR>.size, 40)
        XCTAssertEqual(MemoryLayout<SECURITY_DESCRIPTOR_RELATIVE>.size, 20)
        XCTAssertEqual(MemoryLayout<ACL>.size, 8)
        XCTAssertEqual(MemoryLayout<SID>.size, 12)
        XCTAssertEqual(MemoryLayout<TRUSTEE_W>.size, 32)
        XCTAssertEqual(MemoryLayout<EXPLICIT_ACCESS_W>.size, 48)
        XCTAssertEqual(MemoryLayout<TOKEN_USER>.size, 16)
    }

    func testFieldsImportWithWinSDKsTypes() {
        var find = WIN32_FIND_DATAW()
        find.dwFileAttributes = DWORD(FILE_ATTRIBUTE_DIRECTORY)
        let lastWrite: FILETIME = find.ftLastWriteTime
        XCTAssertEqual(lastWrite.dwLowDateTime, 0)
        // cFileName is a tuple of 260 WCHARs, read through a pointer as real code does.
        let name = withUnsafeBytes(of: &find.cFileName) { Array($0.bindMemory(to: WCHAR.self)) }
        XCTAssertEqual(name.count, Int(MAX_PATH))

        var standard = FILE_STANDARD_INFO()
        standard.Directory = 1
        standard.EndOfFile.QuadPart = 5
        XCTAssertEqual(standard.DeletePending, 0)

        var disposition = FILE_DISPOSITION_INFO()
        disposition.DeleteFileW = 1          // winbase.h's `DeleteFile`, renamed by UNICODE
        XCTAssertEqual(disposition.DeleteFileW, 1)

        let infoClass: FILE_INFO_BY_HANDLE_CLASS = FileIdInfo
        XCTAssertEqual(infoClass.rawValue, 18)
        XCTAssertEqual(TokenPrimaryGroup.rawValue, 5)
        XCTAssertEqual(GRANT_ACCESS.rawValue, Int32(1))
    }
}
