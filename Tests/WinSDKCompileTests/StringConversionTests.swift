import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// MultiByteToWideChar and WideCharToMultiByte, used as Windows Swift code converts paths:
/// ask for the size, allocate, convert. Expected values follow the two functions' reference
/// pages (the size protocol, the flags allowed for CP_UTF8, the errors).
final class StringConversionTests: XCTestCase {
    func testTheSizeQueryThenTheConversion() {
        let sim = checkedSimulation()
        sim.run {
            let path = "C:\\données\\日本"
            let wide: [WCHAR] = path.withCString { narrow in
                let needed = MultiByteToWideChar(UINT(CP_UTF8), 0, narrow, -1, nil, 0)
                XCTAssertEqual(needed, Int32(path.utf16.count + 1))   // the NUL counts with -1
                var wide = [WCHAR](repeating: 0, count: Int(needed))
                XCTAssertEqual(MultiByteToWideChar(UINT(CP_UTF8), 0, narrow, -1, &wide, needed), needed)
                return wide
            }
            XCTAssertEqual(Array(wide.dropLast()), Array(path.utf16))
            XCTAssertEqual(wide.last, 0)

            let bytes = WideCharToMultiByte(UINT(CP_UTF8), 0, wide, -1, nil, 0, nil, nil)
            XCTAssertEqual(bytes, Int32(path.utf8.count + 1))
            var narrow = [CChar](repeating: 0, count: Int(bytes))
            XCTAssertEqual(WideCharToMultiByte(UINT(CP_UTF8), 0, wide, -1, &narrow, bytes, nil, nil), bytes)
            XCTAssertEqual(narrow.dropLast().map { UInt8(bitPattern: $0) }, Array(path.utf8))

            // An explicit length converts exactly that many units, with no NUL.
            XCTAssertEqual(WideCharToMultiByte(UINT(CP_ACP), 0, wide, 2, &narrow, bytes, nil, nil), 2)
        }
    }

    func testShortBuffersAndBadArguments() {
        let sim = checkedSimulation()
        sim.run {
            var wide = [WCHAR](repeating: 0x78, count: 3)
            XCTAssertEqual(MultiByteToWideChar(UINT(CP_UTF8), 0, "hello", -1, &wide, 3), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(wide, [0x78, 0x78, 0x78])
            XCTAssertEqual(MultiByteToWideChar(UINT(CP_UTF8), 0, "hello", 0, &wide, 3), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(MultiByteToWideChar(UINT(CP_UTF8), DWORD(MB_PRECOMPOSED), "hi", -1, &wide, 3), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FLAGS))
            XCTAssertEqual(MultiByteToWideChar(UINT(CP_ACP), DWORD(MB_PRECOMPOSED), "hi", -1, &wide, 3), 3)
            XCTAssertEqual(MultiByteToWideChar(1252, 0, "hi", -1, &wide, 3), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            var used: WindowsBool = true
            var narrow = [CChar](repeating: 0, count: 8)
            XCTAssertEqual(WideCharToMultiByte(UINT(CP_UTF8), 0, wide, 2, &narrow, 8, nil, &used), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
        }
    }

    func testInvalidSequences() {
        let sim = checkedSimulation()
        sim.run {
            let bad: [CChar] = [0x61, CChar(bitPattern: 0xFF), 0x62]
            var wide = [WCHAR](repeating: 0, count: 4)
            XCTAssertEqual(MultiByteToWideChar(UINT(CP_UTF8), 0, bad, 3, &wide, 4), 3)
            XCTAssertEqual(Array(wide.prefix(3)), [0x61, 0xFFFD, 0x62])
            XCTAssertEqual(MultiByteToWideChar(UINT(CP_UTF8), DWORD(MB_ERR_INVALID_CHARS), bad, 3, &wide, 4), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_UNICODE_TRANSLATION))

            let loneSurrogate: [WCHAR] = [0x61, 0xD800]
            var narrow = [CChar](repeating: 0, count: 8)
            XCTAssertEqual(WideCharToMultiByte(UINT(CP_UTF8), 0, loneSurrogate, 2, &narrow, 8, nil, nil), 4)
            XCTAssertEqual(narrow.prefix(4).map { UInt8(bitPattern: $0) }, [0x61, 0xEF, 0xBF, 0xBD])
            XCTAssertEqual(WideCharToMultiByte(UINT(CP_UTF8), DWORD(WC_ERR_INVALID_CHARS), loneSurrogate, 2, &narrow, 8,
                                               nil, nil), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_UNICODE_TRANSLATION))
            var usedDefault: WindowsBool = false
            XCTAssertEqual(WideCharToMultiByte(UINT(CP_ACP), 0, loneSurrogate, 2, &narrow, 8, nil, &usedDefault), 4)
            XCTAssertTrue(usedDefault.boolValue)
        }
    }
}
