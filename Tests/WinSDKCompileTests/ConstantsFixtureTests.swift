import WinSDK
import XCTest

/// The constants as Windows packages write them: qualified by module, converted to `DWORD` at
/// the use (`DWORD(WinSDK.FILE_SHARE_READ)`), and compared with `GetLastError()` through
/// `DWORD(...)`. Values from winnt.h's access-mask layout, the CreateFileW and File Attribute
/// Constants pages, and Microsoft's System Error Codes pages.
final class ConstantsFixtureTests: XCTestCase {
    @inline(__always) private func dword(_ value: Int32) -> DWORD { DWORD(value) }

    func testAccessRightsAsWinntDefinesThem() {
        XCTAssertEqual(dword(WinSDK.SYNCHRONIZE), 0x0010_0000)
        XCTAssertEqual(dword(WinSDK.STANDARD_RIGHTS_READ), dword(WinSDK.READ_CONTROL))
        XCTAssertEqual(dword(WinSDK.STANDARD_RIGHTS_WRITE), dword(WinSDK.READ_CONTROL))
        XCTAssertEqual(dword(WinSDK.STANDARD_RIGHTS_EXECUTE), dword(WinSDK.READ_CONTROL))
        XCTAssertEqual(dword(WinSDK.STANDARD_RIGHTS_ALL), dword(STANDARD_RIGHTS_REQUIRED) | dword(SYNCHRONIZE))
        // The composite file rights are the ORs winnt.h writes.
        XCTAssertEqual(dword(FILE_ALL_ACCESS), dword(STANDARD_RIGHTS_REQUIRED) | dword(SYNCHRONIZE) | 0x1FF)
        XCTAssertEqual(dword(FILE_GENERIC_READ),
                       dword(STANDARD_RIGHTS_READ) | dword(FILE_READ_DATA) | dword(FILE_READ_ATTRIBUTES)
                           | dword(FILE_READ_EA) | dword(SYNCHRONIZE))
        XCTAssertEqual(dword(FILE_GENERIC_WRITE),
                       dword(STANDARD_RIGHTS_WRITE) | dword(FILE_WRITE_DATA) | dword(FILE_WRITE_ATTRIBUTES)
                           | dword(FILE_WRITE_EA) | dword(FILE_APPEND_DATA) | dword(SYNCHRONIZE))
        XCTAssertEqual(dword(FILE_GENERIC_EXECUTE),
                       dword(STANDARD_RIGHTS_EXECUTE) | dword(FILE_READ_ATTRIBUTES) | dword(FILE_EXECUTE)
                           | dword(SYNCHRONIZE))
        // GENERIC_READ does not fit an Int32, so Swift makes it a UInt32; the others are Int32.
        let read: UInt32 = WinSDK.GENERIC_READ
        let write: Int32 = WinSDK.GENERIC_WRITE
        XCTAssertEqual(read | DWORD(write) | DWORD(GENERIC_EXECUTE) | DWORD(GENERIC_ALL), 0xF000_0000)
    }

    func testFileConstantsAndErrorCodes() {
        let share = DWORD(WinSDK.FILE_SHARE_DELETE) | DWORD(WinSDK.FILE_SHARE_READ) | DWORD(WinSDK.FILE_SHARE_WRITE)
        XCTAssertEqual(share, 7)
        XCTAssertEqual([CREATE_NEW, CREATE_ALWAYS, OPEN_EXISTING, OPEN_ALWAYS, TRUNCATE_EXISTING], [1, 2, 3, 4, 5])
        XCTAssertEqual(DWORD(FILE_FLAG_SEQUENTIAL_SCAN) | DWORD(FILE_FLAG_RANDOM_ACCESS), 0x1800_0000)
        XCTAssertEqual(DWORD(FILE_FLAG_BACKUP_SEMANTICS), 0x0200_0000)
        XCTAssertEqual(DWORD(FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_REPARSE_POINT), 0x510)
        XCTAssertEqual(INVALID_FILE_ATTRIBUTES, DWORD.max)
        XCTAssertEqual(MAX_PATH, 260)
        // Every code of the published list, with its macro type (Int32).
        let codes: [Int32] = [ERROR_ARENA_TRASHED, ERROR_BAD_ENVIRONMENT, ERROR_CHILD_NOT_COMPLETE, ERROR_FAIL_I24,
                              ERROR_INFLOOP_IN_RELOC_CHAIN, ERROR_NO_UNICODE_TRANSLATION, ERROR_WAIT_NO_CHILDREN,
                              ERROR_RESOURCE_LANG_NOT_FOUND, WSAECONNRESET, RPC_S_CALL_FAILED, DNS_ERROR_RCODE_NAME_ERROR]
        XCTAssertEqual(codes, [7, 10, 129, 83, 202, 1113, 128, 1815, 10054, 1726, 9003])
        XCTAssertEqual(win32ErrorName(DWORD(ERROR_INFLOOP_IN_RELOC_CHAIN)), "ERROR_INFLOOP_IN_RELOC_CHAIN")
        XCTAssertEqual(win32ErrorName(258), "WAIT_TIMEOUT")
        XCTAssertEqual(win32ErrorName(16000), "error 16000")
    }
}
