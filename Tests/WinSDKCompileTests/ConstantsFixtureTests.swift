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

    /// The constants swift-foundation's WinSDK+Extensions.swift re-exports, written as it writes
    /// them; values from the reference pages of CopyFileEx, GetFinalPathNameByHandle,
    /// CreateSymbolicLink, the Memory Protection Constants, MapViewOfFile, RegGetValue,
    /// SHGetFileInfo and KNOWN_FOLDER_FLAG, and the thread-pool, console and ShowWindow values.
    func testFileSystemAndProcessControlConstants() {
        XCTAssertEqual([DWORD(WinSDK.COPY_FILE_FAIL_IF_EXISTS), DWORD(WinSDK.COPY_FILE_COPY_SYMLINK),
                        DWORD(WinSDK.COPY_FILE_NO_BUFFERING), DWORD(WinSDK.COPY_FILE_OPEN_AND_COPY_REPARSE_POINT),
                        DWORD(WinSDK.COPY_FILE_DIRECTORY)], [0x1, 0x800, 0x1000, 0x20_0000, 0x80])
        XCTAssertEqual([DWORD(WinSDK.FILE_NAME_NORMALIZED), DWORD(WinSDK.VOLUME_NAME_DOS), DWORD(FILE_NAME_OPENED),
                        DWORD(VOLUME_NAME_NT)], [0, 0, 8, 2])
        XCTAssertEqual([DWORD(WinSDK.SYMBOLIC_LINK_FLAG_DIRECTORY), DWORD(WinSDK.SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE)],
                       [1, 2])
        XCTAssertEqual([DWORD(WinSDK.PAGE_READONLY), DWORD(WinSDK.FILE_MAP_READ), DWORD(FILE_MAP_ALL_ACCESS)], [2, 4, 0xF001F])
        XCTAssertEqual(DWORD(WinSDK.RRF_RT_REG_SZ), 2)
        XCTAssertEqual(UINT(WinSDK.SHGFI_EXETYPE), 0x2000)
        XCTAssertEqual(DWORD(WinSDK.KF_FLAG_DEFAULT.rawValue), 0)
        XCTAssertEqual(ULONG(WinSDK.PATHCCH_ALLOW_LONG_PATHS.rawValue) | ULONG(WinSDK.PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH.rawValue),
                       0x11)
        XCTAssertEqual(ULONG(WT_EXECUTEONLYONCE | WT_EXECUTELONGFUNCTION), 0x18)
        XCTAssertEqual([DWORD(CTRL_C_EVENT), DWORD(CTRL_BREAK_EVENT), ATTACH_PARENT_PROCESS], [0, 1, 0xFFFF_FFFF])
        XCTAssertEqual([WORD(SW_HIDE), WORD(SW_SHOWNORMAL), WORD(SW_SHOWMINIMIZED), WORD(SW_SHOWMAXIMIZED)], [0, 1, 2, 3])
        XCTAssertEqual([TLS_OUT_OF_INDEXES, FLS_OUT_OF_INDEXES], [0xFFFF_FFFF, 0xFFFF_FFFF])
        XCTAssertEqual(MemoryLayout<CRITICAL_SECTION>.size, 40)
        XCTAssertEqual(MemoryLayout<SRWLOCK>.size, 8)
        XCTAssertEqual(MemoryLayout<CONDITION_VARIABLE>.size, 8)
        XCTAssertEqual(MemoryLayout<CONSOLE_SCREEN_BUFFER_INFO>.size, 22)
    }
}
